using AksEgress.Engine;
using AksEgress.Engine.Arm;
using AksEgress.Engine.NatGateways;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>Set-AksNatGatewayIp: public IPs / prefixes on the user-assigned NAT gateway of the cluster's subnets (uanat: uanat-natgw
/// on uanat-vnet/nodes with two IPs and a /30 prefix).</summary>
public class NatGatewayIpTests
{
    private static readonly ClusterRef Uanat = new(null, "paths-rg", "uanat");
    private static string IpId(string sub, string rg, string name) => $"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/publicIPAddresses/{name}";

    private static async Task<AksEgressException> Refused(SetNatGatewayIpRequest r) =>
        await Assert.ThrowsAsync<AksEgressException>(() => new AksEgressEngine().SetNatGatewayIpAsync(r, new NullOperationContext()));

    [Fact]
    public async Task Missing_or_wrong_ids_and_more_than_16_IPs_are_refused_before_any_request()
    {
        Assert.Equal(ErrorIds.InvalidResourceId, (await Refused(new SetNatGatewayIpRequest { Cluster = Uanat })).ErrorId);
        Assert.Equal(ErrorIds.InvalidResourceId, (await Refused(new SetNatGatewayIpRequest { Cluster = Uanat, PublicIpPrefixIds = [IpId("00000000-0000-0000-0000-000000000000", "rg", "ip")] })).ErrorId);
        var many = Enumerable.Range(1, 17).Select(i => IpId("00000000-0000-0000-0000-000000000000", "rg", $"ip{i}")).ToArray();
        var e = await Refused(new SetNatGatewayIpRequest { Cluster = Uanat, PublicIpIds = many });
        Assert.Equal(ErrorIds.NatGatewayAddressLimitExceeded, e.ErrorId);
        Assert.Contains("at most 16", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_IP_is_added_with_If_Match_egress_follows_and_a_rerun_changes_nothing()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var before = (await f.Engine.GetEgressConfigurationAsync(Uanat, null, new RecordingContext())).AllowList.ToArray();
        Assert.Equal(3, before.Length);
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "nat-extra", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        Assert.NotNull(ip);
        f.Emu.Requests.Clear();
        var ctx = new RecordingContext();

        var r = await f.Engine.SetNatGatewayIpAsync(new SetNatGatewayIpRequest { Cluster = Uanat, PublicIpIds = [ip.Id] }, ctx);

        Assert.NotNull(r);
        Assert.Equal("Updated", r.Action);
        Assert.Equal("uanat-natgw", r.NatGatewayName);
        Assert.Equal(new[] { "nodepool1" }, r.NodePool.ToArray());
        Assert.Equal(before.Order(), r.PreviousAllowList.Order());
        Assert.Equal(before.Append($"{ip.IpAddress}/32").Order(), r.AllowList.Order());
        Assert.Equal(new[] { ip.Id }, r.Added.ToArray(), StringComparer.OrdinalIgnoreCase);
        Assert.Empty(r.Removed);
        Assert.Equal(3, r.PublicIpId.Count);
        var (_, question) = Assert.Single(ctx.ShouldProcessCalls);
        Assert.Contains("attach nat-extra", question, StringComparison.Ordinal);
        Assert.Contains("every workload on its subnet(s) uanat-vnet/nodes", question, StringComparison.Ordinal);
        var put = Assert.Single(f.Arm, e => e.Method == "PUT");
        Assert.Contains("/natGateways/uanat-natgw", put.PathAndQuery, StringComparison.Ordinal);
        Assert.Contains("If-Match", put.HeaderNames, StringComparer.OrdinalIgnoreCase);
        // Pods may leave from the new IP too, and from nothing outside the AllowList.
        var egress = f.Emu.World.GetExpectedEgressAddresses("uanat");
        Assert.Contains(ip.IpAddress!, egress);
        Assert.All(egress, a => Assert.NotNull(Cidr.Match(r.AllowList.ToArray(), a)));
        var cfg = await f.Engine.GetEgressConfigurationAsync(Uanat, null, new RecordingContext());
        Assert.Equal(r.AllowList.Order(), cfg.AllowList.Order());

        f.Emu.Requests.Clear();
        var again = await f.Engine.SetNatGatewayIpAsync(new SetNatGatewayIpRequest { Cluster = Uanat, PublicIpIds = [ip.Id] }, new RecordingContext());
        Assert.Equal("Unchanged", again!.Action);
        Assert.Equal(r.AllowList.Order(), again.AllowList.Order());
        Assert.DoesNotContain(f.Arm, e => e.Method == "PUT");
    }

    [Fact]
    public async Task Replace_makes_a_prefix_the_only_egress_and_WhatIf_sends_no_write()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var prefix = await f.Engine.NewEgressIpPrefixAsync(new NewEgressIpPrefixRequest { Name = "nat-prefix", PrefixLength = 29, ResourceGroupName = "egress-rg", Location = "eastus" }, new RecordingContext());
        Assert.NotNull(prefix);
        f.Emu.Requests.Clear();
        var whatIf = await f.Engine.SetNatGatewayIpAsync(new SetNatGatewayIpRequest { Cluster = Uanat, PublicIpPrefixIds = [prefix.Id], Replace = true }, new RecordingContext(approve: false));
        Assert.Null(whatIf);
        Assert.DoesNotContain(f.Arm, e => e.Method == "PUT");

        var ctx = new RecordingContext();
        var r = await f.Engine.SetNatGatewayIpAsync(new SetNatGatewayIpRequest { Cluster = Uanat, PublicIpPrefixIds = [prefix.Id], Replace = true }, ctx);
        Assert.NotNull(r);
        Assert.Equal(new[] { prefix.Prefix }, r.AllowList.ToArray());
        Assert.Equal(3, r.Removed.Count);
        Assert.Empty(r.PublicIpId);
        Assert.Contains("detach uanat-ip-1, uanat-ip-2, uanat-prefix (connections leaving from them drop)", ctx.ShouldProcessCalls.Single().Action, StringComparison.Ordinal);
        var egress = f.Emu.World.GetExpectedEgressAddresses("uanat");
        Assert.Equal(8, egress.Count);
        Assert.All(egress, a => Assert.True(Cidr.Contains(prefix.Prefix!, a), a));
        // The detached prefix is free again: Set-AksOutboundIp may now use it for another cluster.
        var freed = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = new ClusterRef(null, "demo-rg", "standard-lb"),
            PublicIpPrefixIds = [$"/subscriptions/{f.Sub}/resourceGroups/paths-rg/providers/Microsoft.Network/publicIPPrefixes/uanat-prefix"] }, new RecordingContext());
        Assert.Equal("Updated", freed!.Action);
    }

    [Fact]
    public async Task A_change_to_the_NAT_gateway_between_read_and_write_is_kept_and_the_write_retried()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "nat-race", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        f.Emu.Requests.Clear();
        var ctx = new ChangeWhileConfirming(() => f.Emu.World.ChangeNatGatewayIdleTimeout("paths-rg", "uanat-natgw", 17));
        var r = await f.Engine.SetNatGatewayIpAsync(new SetNatGatewayIpRequest { Cluster = Uanat, PublicIpIds = [ip!.Id] }, ctx);
        Assert.Equal("Updated", r!.Action);
        Assert.Equal(new[] { 412, 200 }, f.Arm.Where(e => e.Method == "PUT").Select(e => e.Status).ToArray());
        var (idle, ips, _) = f.Emu.World.GetNatGateway("paths-rg", "uanat-natgw");
        Assert.Equal(17, idle);   // the other client's change survived
        Assert.Contains(ip.Id, ips, StringComparer.OrdinalIgnoreCase);
        Assert.Single(ctx.Inner.ShouldProcessCalls);
        Assert.Equal(3, NatGatewayService.MaxAttempts);
    }

    [Fact]
    public async Task Clusters_without_a_user_assigned_NAT_gateway_and_IPs_that_cannot_serve_it_are_refused_before_the_write()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "nat-ok", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        var managed = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetNatGatewayIpAsync(new SetNatGatewayIpRequest { Cluster = f.Cluster("natgw"), PublicIpIds = [ip!.Id] }, new RecordingContext()));
        Assert.Equal(ErrorIds.EgressNotConfigurableHere, managed.ErrorId);
        Assert.Contains("managedNATGateway", managed.Message, StringComparison.Ordinal);
        Assert.Contains("-ManagedNatGatewayIpCount", managed.RecommendedAction, StringComparison.Ordinal);
        var lb = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetNatGatewayIpAsync(new SetNatGatewayIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = [ip!.Id] }, new RecordingContext()));
        Assert.Equal(ErrorIds.EgressNotConfigurableHere, lb.ErrorId);
        Assert.Contains("Set-AksOutboundIp", lb.RecommendedAction, StringComparison.Ordinal);

        // 6 addresses now + a /28 (16) is more than 16: refused before the PUT, with the count.
        var big = await f.Engine.NewEgressIpPrefixAsync(new NewEgressIpPrefixRequest { Name = "nat-big", PrefixLength = 28, ResourceGroupName = "egress-rg", Location = "eastus" }, new RecordingContext());
        var limit = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetNatGatewayIpAsync(new SetNatGatewayIpRequest { Cluster = Uanat, PublicIpPrefixIds = [big!.Id] }, new RecordingContext()));
        Assert.Equal(ErrorIds.NatGatewayAddressLimitExceeded, limit.ErrorId);
        Assert.Contains("22 public IP addresses", limit.Message, StringComparison.Ordinal);
        // ... while -Replace fits.
        Assert.Equal("Updated", (await f.Engine.SetNatGatewayIpAsync(new SetNatGatewayIpRequest { Cluster = Uanat, PublicIpPrefixIds = [big!.Id], Replace = true }, new RecordingContext()))!.Action);

        // An IP the standard-lb load balancer uses is PublicIpInUse; an AKS-managed one is PublicIpConflict.
        var lbIp = f.Emu.World.GetCluster("standard-lb")!["properties"]!["networkProfile"]!["loadBalancerProfile"]!["effectiveOutboundIPs"]![0]!["id"]!.GetValue<string>();
        var used = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetNatGatewayIpAsync(new SetNatGatewayIpRequest { Cluster = Uanat, PublicIpIds = [lbIp] }, new RecordingContext()));
        Assert.Equal(ErrorIds.PublicIpInUse, used.ErrorId);
        f.Emu.Requests.Clear();
        var zonal = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "nat-west", ResourceGroupName = "egress-rg", Location = "westus" }, new NullOperationContext());
        var region = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetNatGatewayIpAsync(new SetNatGatewayIpRequest { Cluster = Uanat, PublicIpIds = [zonal!.Id] }, new RecordingContext()));
        Assert.Equal(ErrorIds.PublicIpConflict, region.ErrorId);
        Assert.Contains("the NAT gateway in eastus", region.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(f.Arm, e => e.Method == "PUT" && e.PathAndQuery.Contains("/natGateways/", StringComparison.Ordinal));
    }

    [Fact]
    public void The_zone_and_SKU_rules_are_Azures()
    {
        var zonal = NatGatewayModel.Parse(System.Text.Json.Nodes.JsonNode.Parse("""
            {"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/natGateways/ng","name":"ng","location":"eastus","sku":{"name":"Standard"},"zones":["1"],"properties":{}}
            """)!.AsObject());
        PublicIpModel Ip(string zones, string sku = "Standard", string version = "IPv4") => PublicIpModel.Parse(System.Text.Json.Nodes.JsonNode.Parse(
            $$$"""{"id":"/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ip","name":"ip","location":"East US","sku":{"name":"{{{sku}}}","tier":"Regional"},{{{zones}}}"properties":{"publicIPAllocationMethod":"Static","publicIPAddressVersion":"{{{version}}}","ipAddress":"203.0.113.9"}}""")!.AsObject());
        Assert.Empty(zonal.ProblemsWith(Ip("\"zones\":[\"1\",\"2\",\"3\"],")));
        Assert.Empty(zonal.ProblemsWith(Ip("\"zones\":[\"1\"],")));
        Assert.Contains(zonal.ProblemsWith(Ip("\"zones\":[\"2\"],")), p => p.Contains("zone", StringComparison.Ordinal));
        Assert.Contains(zonal.ProblemsWith(Ip("", "StandardV2")), p => p.Contains("Standard public IPs only", StringComparison.Ordinal));
        Assert.Contains(zonal.ProblemsWith(Ip("", version: "IPv6")), p => p.Contains("StandardV2 NAT gateway", StringComparison.Ordinal));
    }
}
