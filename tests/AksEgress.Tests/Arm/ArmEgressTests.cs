using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

public class ArmEgressTests
{
    [Fact]
    public async Task Egress_configuration_per_cluster_kind()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ctx = new NullOperationContext();
        var slb = await f.Engine.GetEgressConfigurationAsync(f.Cluster("standard-lb"), null, ctx);
        Assert.Equal(2, f.Arm.Count);   // GET cluster + GET its one outbound IP
        Assert.Equal(EgressDecider.LoadBalancerOutboundRule, slb.EgressDecidedBy);
        Assert.Equal("ManagedOutboundIPs", slb.OutboundIpSource);
        Assert.Equal("Set-AksOutboundIp", slb.PinWith);
        Assert.Equal(f.Emu.World.GetExpectedEgressAddresses("standard-lb").ToArray(), slb.EgressIpAddress);
        Assert.True(slb.EgressIps.Single().AksManaged);

        var basic = await f.Engine.GetEgressConfigurationAsync(f.Cluster("legacy-basic"), null, ctx);
        Assert.Equal(EgressDecider.BasicLoadBalancerFrontend, basic.EgressDecidedBy);
        Assert.Equal("Set-AksEgressService", basic.PinWith);
        Assert.Empty(basic.EgressIpAddress);
        Assert.Contains("first LoadBalancer Service", basic.Explanation);

        var nat = await f.Engine.GetEgressConfigurationAsync(f.Cluster("natgw"), null, ctx);
        Assert.Equal(EgressDecider.NatGateway, nat.EgressDecidedBy);
        Assert.Equal("Set-AksOutboundIp", nat.PinWith);   // -ManagedNatGatewayIpCount
        Assert.Single(nat.EgressIpAddress);
        Assert.Equal(f.Emu.World.GetExpectedEgressAddresses("natgw").ToArray(), nat.EgressIpAddress);
        Assert.Contains("NAT gateway", nat.Explanation);

        var udr = await f.Engine.GetEgressConfigurationAsync(f.Cluster("udr"), null, ctx);
        Assert.Equal(EgressDecider.UserDefinedRouting, udr.EgressDecidedBy);
        // issue 11: the route table's next hop is the classic firewall's private IP; its public IP is the egress address
        Assert.Equal(new[] { f.Emu.World.GetPublicIpAddress("demo-rg", "fw-egress-ip")! }, udr.EgressIpAddress);
        Assert.Null(udr.PinWith);
        Assert.Contains("firewall", udr.Explanation);
    }

    [Fact]
    public async Task Set_outbound_ip_replaces_managed_ips_and_is_idempotent()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "pinned", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        Assert.NotNull(ip);
        var before = f.Emu.World.GetExpectedEgressAddresses("standard-lb").ToArray();
        f.Emu.Requests.Clear();
        var ctx = new RecordingContext();
        var r = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id } }, ctx);
        Assert.NotNull(r);
        Assert.Equal("Updated", r.Action);
        Assert.Equal(new[] { ip.IpAddress! }, r.EgressIpAddress);
        Assert.Equal(before, r.PreviousEgressIpAddress);
        Assert.Equal(new[] { ip.IpAddress! }, f.Emu.World.GetExpectedEgressAddresses("standard-lb").ToArray());
        var lbp = f.Emu.World.GetCluster("standard-lb")!["properties"]!["networkProfile"]!["loadBalancerProfile"]!.AsObject();
        Assert.False(lbp.ContainsKey("managedOutboundIPs"));
        Assert.False(lbp.ContainsKey("outboundIPPrefixes"));
        Assert.Equal(ip.Id, lbp["outboundIPs"]!["publicIPs"]![0]!["id"]!.GetValue<string>(), ignoreCase: true);
        Assert.Single(f.Arm, e => e.Method == "PUT");
        Assert.Contains(ctx.ShouldProcessCalls, c => c.Action.Contains("existing outbound connections drop") && c.Action.Contains("standard-lb"));

        f.Emu.Requests.Clear();
        var again = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id.ToUpperInvariant().Replace("/SUBSCRIPTIONS/", "/subscriptions/") } }, new NullOperationContext());
        Assert.NotNull(again);
        Assert.Equal("Unchanged", again.Action);
        Assert.DoesNotContain(f.Arm, e => e.Method == "PUT");

        var cfg = await f.Engine.GetEgressConfigurationAsync(f.Cluster("standard-lb"), null, new NullOperationContext());
        Assert.Equal("OutboundIPs", cfg.OutboundIpSource);
        Assert.Equal(new[] { ip.IpAddress! }, cfg.EgressIpAddress);

        // same IPs, new idle timeout: that is a change
        f.Emu.Requests.Clear();
        var idle = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id }, IdleTimeoutInMinutes = 10 }, new NullOperationContext());
        Assert.NotNull(idle);
        Assert.Equal("Updated", idle.Action);
        Assert.Equal(10, idle.IdleTimeoutInMinutes);
        Assert.Equal(new[] { ip.IpAddress! }, idle.PreviousEgressIpAddress);
        Assert.Single(f.Arm, e => e.Method == "PUT");
    }

    [Fact]
    public async Task Clusters_where_the_load_balancer_does_not_decide_egress_are_refused()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "p", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        Assert.NotNull(ip);
        foreach (var (name, hint) in new[] { ("udr", "firewall"), ("natgw", "NAT gateway"), ("legacy-basic", "Set-AksEgressService") })
        {
            var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster(name), PublicIpIds = new[] { ip.Id } }, new NullOperationContext()));
            Assert.Equal(ErrorIds.EgressNotConfigurableHere, e.ErrorId);
            Assert.Contains(hint, e.Message + e.RecommendedAction);
        }
        Assert.DoesNotContain(f.Arm, r => r.Method == "PUT" && r.PathAndQuery.Contains("managedClusters"));
    }

    [Fact]
    public async Task Too_few_snat_ports_are_refused_with_the_numbers()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "p", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        Assert.NotNull(ip);
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest
        { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id }, AllocatedOutboundPorts = 32000 }, new NullOperationContext()));
        Assert.Equal(ErrorIds.InsufficientOutboundPorts, e.ErrorId);
        Assert.Equal(EgressErrorCategory.LimitsExceeded, e.Category);
        Assert.Contains("needs 4 (3 nodes + 1 surge", e.Message);
        Assert.Contains("-AllocatedOutboundPorts 16000", e.RecommendedAction);
        Assert.DoesNotContain(f.Arm, r => r.Method == "PUT" && r.PathAndQuery.Contains("managedClusters"));
        var ok = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id }, AllocatedOutboundPorts = 16000 }, new NullOperationContext());
        Assert.NotNull(ok);
        Assert.Equal(16000, ok.AllocatedOutboundPorts);
    }

    [Fact]
    public async Task Outbound_ip_input_is_checked_before_the_update()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ctx = new NullOperationContext();
        Assert.Equal(ErrorIds.InvalidResourceId, (await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest
        { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { $"/subscriptions/{f.Sub}/resourceGroups/egress-rg/providers/Microsoft.Network/natGateways/x" } }, ctx))).ErrorId);
        Assert.Equal(ErrorIds.InvalidOutboundPorts, (await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest
        { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { f.Emu.World.GetPublicIpId("egress-rg", "x") }, AllocatedOutboundPorts = 1001 }, ctx))).ErrorId);
        Assert.Empty(f.Arm);
        var missing = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest
        { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { f.Emu.World.GetPublicIpId("egress-rg", "missing") } }, ctx));
        Assert.Equal(ErrorIds.PublicIpNotFound, missing.ErrorId);
        var managed = (await f.Engine.GetEgressConfigurationAsync(f.Cluster("standard-lb"), null, ctx)).EgressIps[0].Id;
        var m = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { managed } }, ctx));
        Assert.Equal(ErrorIds.PublicIpConflict, m.ErrorId);
        Assert.DoesNotContain(f.Arm, r => r.Method == "PUT");
    }
}
