using System.Text.Json.Nodes;
using AksEgress.Contract;
using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>Issue 11 section 1: Get-AksEgressConfiguration resolves every egress path to what a partner must allowlist.</summary>
public class AllowListTests
{
    private static ClusterRef Paths(string name) => new(null, "paths-rg", name);

    [Fact]
    public async Task Load_balancer_and_managed_nat_gateway_allowlists_are_their_ips_as_slash_32()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var slb = await f.Engine.GetEgressConfigurationAsync(f.Cluster("standard-lb"), null, new NullOperationContext());
        Assert.Equal(EgressResolution.Exact, slb.Resolution);
        Assert.Equal(f.Emu.World.GetExpectedEgressAddresses("standard-lb").Select(a => a + "/32"), slb.AllowList);
        Assert.Empty(slb.NodePool);
        Assert.Equal(2, f.Arm.Count);   // still one cluster GET and one IP GET: the resolver reuses the IP it read
        var nat = await f.Engine.GetEgressConfigurationAsync(f.Cluster("natgw"), null, new NullOperationContext());
        Assert.Equal(EgressResolution.Exact, nat.Resolution);
        Assert.Equal(f.Emu.World.GetExpectedEgressAddresses("natgw").Select(a => a + "/32"), nat.AllowList);
    }

    [Fact]
    public async Task User_assigned_nat_gateway_resolves_through_the_pool_subnet_to_its_ips_and_prefix()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var c = await f.Engine.GetEgressConfigurationAsync(Paths("uanat"), null, new NullOperationContext());
        var ip1 = f.Emu.World.GetPublicIpAddress("paths-rg", "uanat-ip-1")!;
        var ip2 = f.Emu.World.GetPublicIpAddress("paths-rg", "uanat-ip-2")!;
        Assert.Equal(EgressDecider.NatGateway, c.EgressDecidedBy);
        Assert.Equal(EgressResolution.Exact, c.Resolution);
        Assert.Equal(new[] { ip1 + "/32", ip2 + "/32", "192.0.2.0/30" }, c.AllowList);
        Assert.Equal(new[] { ip1, ip2 }, c.EgressIpAddress);
        Assert.Equal(new[] { "192.0.2.0/30" }, c.EgressIpPrefix);
        // every address the emulated kubelet can use is inside the allowlist
        Assert.All(f.Emu.World.GetExpectedEgressAddresses("uanat"), a => Assert.NotNull(Cidr.Match(c.AllowList, a)));
        Assert.Contains(f.ArmLines, l => l.EndsWith("/virtualNetworks/uanat-vnet/subnets/nodes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Udr_to_a_classic_firewall_is_found_through_the_peering_without_listing_firewalls()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ctx = new RecordingContext();
        var c = await f.Engine.GetEgressConfigurationAsync(f.Cluster("udr"), null, ctx);
        var fwIp = f.Emu.World.GetPublicIpAddress("demo-rg", "fw-egress-ip");
        Assert.Equal(EgressResolution.Exact, c.Resolution);
        Assert.Equal(new[] { fwIp + "/32" }, c.AllowList);
        Assert.Contains("hub-fw", c.ResolutionNote);
        Assert.Contains(f.ArmLines, l => l.EndsWith("/azureFirewalls/hub-fw", StringComparison.Ordinal));
        Assert.DoesNotContain(f.ArmLines, l => l.EndsWith("/providers/Microsoft.Network/azureFirewalls", StringComparison.Ordinal));

        // A NAT gateway on AzureFirewallSubnet takes over the firewall's internet traffic.
        var natIp = f.Emu.World.AttachNewNatGateway("demo-rg", "hub-vnet", "AzureFirewallSubnet", "fw-natgw");
        c = await f.Engine.GetEgressConfigurationAsync(f.Cluster("udr"), null, new NullOperationContext());
        Assert.Equal(new[] { natIp + "/32" }, c.AllowList);
        Assert.Equal(f.Emu.World.GetExpectedEgressAddresses("udr").Select(a => a + "/32"), c.AllowList);
    }

    [Fact]
    public async Task Udr_to_a_secured_hub_firewall_is_found_by_one_resource_graph_query_not_a_listing()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ctx = new RecordingContext();
        var c = await f.Engine.GetEgressConfigurationAsync(Paths("udr-hub"), null, ctx);
        Assert.Equal(EgressResolution.Exact, c.Resolution);
        Assert.Equal(f.Emu.World.GetExpectedEgressAddresses("udr-hub").Select(a => a + "/32"), c.AllowList);
        Assert.Equal(2, c.AllowList.Count);
        Assert.DoesNotContain(f.ArmLines, l => l.EndsWith("/providers/Microsoft.Network/azureFirewalls", StringComparison.Ordinal));
        Assert.Single(f.ArmLines, l => l == "POST /providers/Microsoft.ResourceGraph/resources");
        Assert.Contains(f.ArmLines, l => l == "GET /subscriptions/" + f.Emu.SubscriptionId + "/resourceGroups/paths-rg/providers/Microsoft.Network/azureFirewalls/secured-hub-fw");
        // Verbose says what is queried and why
        Assert.Contains(ctx.Verbose, v => v.Contains("Azure Resource Graph", StringComparison.Ordinal) && v.Contains("10.100.0.132", StringComparison.Ordinal)
                                           && v.Contains("instead of listing", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Resource_graph_pages_are_followed_and_two_firewalls_with_the_same_private_ip_are_unresolvable_naming_both()
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.World.ResourceGraphPageSize = 1;
        f.Emu.World.AddHubFirewall("paths-rg", "other-hub-fw", "10.100.0.132", 1);
        var c = await f.Engine.GetEgressConfigurationAsync(Paths("udr-hub"), null, new NullOperationContext());
        Assert.Equal(EgressResolution.Unresolvable, c.Resolution);
        Assert.Empty(c.AllowList);
        Assert.Contains("/azureFirewalls/secured-hub-fw", c.ResolutionNote);
        Assert.Contains("/azureFirewalls/other-hub-fw", c.ResolutionNote);   // on the second page
        Assert.Equal(2, f.ArmLines.Count(l => l == "POST /providers/Microsoft.ResourceGraph/resources"));
    }

    [Fact]
    public async Task Resource_graph_refused_gives_partial_and_a_warning_naming_the_action_and_the_scope()
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "POST", PathContains = "/Microsoft.ResourceGraph/resources", Status = 403, ErrorCode = "AuthorizationFailed", Count = -1 });
        var ctx = new RecordingContext();
        var c = await f.Engine.GetEgressConfigurationAsync(Paths("udr-hub"), null, ctx);
        Assert.Equal(EgressResolution.Partial, c.Resolution);
        Assert.Empty(c.AllowList);
        Assert.Contains("10.100.0.132", c.ResolutionNote);
        var w = Assert.Single(ctx.Warnings);
        Assert.Contains("Microsoft.ResourceGraph/resources/read", w);
        Assert.Contains("/subscriptions/" + f.Emu.SubscriptionId, w);
    }

    [Theory]
    [InlineData("10.1.0.4", "'10.1.0.4'", "\"privateIPAddress\":\"10.1.0.4\"")]
    [InlineData("fd00::0004", "'fd00::4'", "\"privateIPAddress\":\"fd00::4\"")]
    public void The_resource_graph_query_filters_in_the_service_and_projects_only_the_id(string ip, string hubTest, string ipConfigTest)
    {
        var q = AksEgress.Engine.EgressConfig.FirewallGraphQuery.Query(ip);
        Assert.StartsWith("resources | where type =~ 'microsoft.network/azurefirewalls'", q);
        Assert.Contains("tostring(properties.hubIPAddresses.privateIPAddress) == " + hubTest, q);
        Assert.Contains(ipConfigTest, q);
        Assert.EndsWith("| project id", q);
        Assert.Throws<ArgumentException>(() => AksEgress.Engine.EgressConfig.FirewallGraphQuery.Query("10.1.0.4' or 1==1 //"));
        var body = AksEgress.Engine.EgressConfig.FirewallGraphQuery.Body(new[] { "s1", "s2" }, q, "tok");
        Assert.Equal("table", body["options"]!["resultFormat"]!.GetValue<string>());
        Assert.Equal("tok", body["options"]!["$skipToken"]!.GetValue<string>());
        Assert.Equal(2, body["subscriptions"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("VirtualAppliance", "10.1.0.99", EgressResolution.Unresolvable, "not an Azure Firewall")]
    [InlineData("VirtualNetworkGateway", null, EgressResolution.Unresolvable, "on-premises")]
    [InlineData("None", null, EgressResolution.Exact, "dropped")]
    public async Task Udr_next_hops_that_azure_cannot_resolve_say_why(string hop, string? ip, EgressResolution expected, string why)
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.World.SetRoute("demo-rg", "aks-udr", "default-to-firewall", "0.0.0.0/0", hop, ip);
        var c = await f.Engine.GetEgressConfigurationAsync(f.Cluster("udr"), null, new NullOperationContext());
        Assert.Equal(expected, c.Resolution);
        Assert.Empty(c.AllowList);
        Assert.Contains(why, c.ResolutionNote);
    }

    [Fact]
    public async Task Node_public_ip_pool_is_listed_apart_with_its_prefix_and_overrides_the_load_balancer()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var c = await f.Engine.GetEgressConfigurationAsync(Paths("nodepip"), null, new NullOperationContext());
        var lb = f.Emu.World.GetExpectedEgressAddresses("nodepip", "nodepool1").Single();
        var own = f.Emu.World.GetExpectedEgressAddresses("nodepip", "pubnopfx");
        var lbV6 = c.NodePool.Single(p => p.NodePool == "nodepool1").EgressIpAddress.Single(a => a.Contains(':', StringComparison.Ordinal));
        Assert.Equal(new[] { lb + "/32", lbV6 + "/128" }.Concat(own.Select(a => a + "/32")).Append("192.0.2.16/30"), c.AllowList);
        Assert.Equal(3, c.NodePool.Count);
        var pub = c.NodePool.Single(p => p.NodePool == "pubpool");
        Assert.Equal(EgressDecider.NodePublicIp, pub.EgressDecidedBy);
        Assert.Equal(new[] { "192.0.2.16/30" }, pub.AllowList);
        Assert.Equal(EgressDecider.LoadBalancerOutboundRule, c.NodePool.Single(p => p.NodePool == "nodepool1").EgressDecidedBy);

    }

    [Fact]
    public async Task Dual_stack_managed_outbound_ips_resolve_to_slash_32_and_slash_128()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var c = await f.Engine.GetEgressConfigurationAsync(Paths("nodepip"), null, new NullOperationContext());
        var lb = c.NodePool.Single(p => p.NodePool == "nodepool1");
        Assert.Equal(EgressDecider.LoadBalancerOutboundRule, lb.EgressDecidedBy);
        Assert.Equal(EgressResolution.Exact, lb.Resolution);
        Assert.Equal(2, lb.EgressIpAddress.Count);
        var v4 = f.Emu.World.GetExpectedEgressAddresses("nodepip", "nodepool1").Single();
        var v6 = lb.EgressIpAddress.Single(a => a != v4);
        Assert.Equal(System.Net.Sockets.AddressFamily.InterNetworkV6, System.Net.IPAddress.Parse(v6).AddressFamily);
        Assert.Equal(new[] { v4 + "/32", v6 + "/128" }, lb.AllowList);
        Assert.NotNull(Cidr.Match(lb.AllowList, v6));
        Assert.Null(Cidr.Match(lb.AllowList, "2001:db8:e9::ffff"));
    }

    [Fact]
    public async Task Node_public_ips_without_a_prefix_are_read_from_the_pool_scale_set_and_partial_because_they_change_with_the_nodes()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ctx = new RecordingContext();
        var c = await f.Engine.GetEgressConfigurationAsync(Paths("nodepip"), null, ctx);
        var own = c.NodePool.Single(p => p.NodePool == "pubnopfx");
        var expected = f.Emu.World.GetExpectedEgressAddresses("nodepip", "pubnopfx");
        Assert.Equal(2, expected.Count);
        Assert.Equal(EgressDecider.NodePublicIp, own.EgressDecidedBy);
        Assert.Equal(EgressResolution.Partial, own.Resolution);
        Assert.Equal(expected, own.EgressIpAddress);
        Assert.Equal(expected.Select(a => a + "/32"), own.AllowList);
        Assert.Contains("replaced", own.ResolutionNote);
        Assert.Contains("nodePublicIPPrefixID", own.ResolutionNote);
        Assert.Equal(EgressResolution.Partial, c.Resolution);
        // one list of the node resource group's scale sets, one list of the pool's instance IPs at the spec's only api-version
        Assert.Single(f.Arm, e => e.PathAndQuery.Contains("/providers/Microsoft.Compute/virtualMachineScaleSets?api-version=2024-07-01", StringComparison.Ordinal));
        Assert.Single(f.Arm, e => e.PathAndQuery.Contains("-vmss/publicipaddresses?api-version=2017-03-30", StringComparison.Ordinal) && e.PathAndQuery.Contains("/aks-pubnopfx-", StringComparison.Ordinal));
        Assert.Empty(ctx.Warnings);
    }

    [Fact]
    public async Task Node_public_ips_the_caller_cannot_read_give_partial_and_a_warning_naming_the_scale_set_and_the_action()
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "-vmss/publicipaddresses", Status = 403, ErrorCode = "AuthorizationFailed", Count = -1 });
        var ctx = new RecordingContext();
        var c = await f.Engine.GetEgressConfigurationAsync(Paths("nodepip"), null, ctx);
        var own = c.NodePool.Single(p => p.NodePool == "pubnopfx");
        Assert.Equal(EgressResolution.Partial, own.Resolution);
        Assert.Empty(own.AllowList);
        var w = Assert.Single(ctx.Warnings);
        Assert.Contains("/virtualMachineScaleSets/aks-pubnopfx-", w);
        Assert.Contains("Microsoft.Compute/virtualMachineScaleSets/publicipaddresses/read", w);
    }

    [Theory]
    // block is preview-only (not in the stable outboundType enum), so the emulator must not serve it over the stable api-version.
    [InlineData("none", EgressResolution.Unresolvable)]
    public async Task None_and_block_say_plainly_that_there_is_no_egress_to_allow(string outboundType, EgressResolution expected)
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.World.ChangeCluster("natgw", b => b["properties"]!["networkProfile"]!["outboundType"] = outboundType);
        var c = await f.Engine.GetEgressConfigurationAsync(f.Cluster("natgw"), null, new NullOperationContext());
        Assert.Equal(expected, c.Resolution);
        Assert.Empty(c.AllowList);
        Assert.Contains(outboundType, c.ResolutionNote);
    }

    [Fact]
    public async Task A_network_resource_the_caller_cannot_read_gives_partial_with_a_warning_naming_it_and_the_action()
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "/natGateways/uanat-natgw", Status = 403, ErrorCode = "AuthorizationFailed", Count = -1 });
        var ctx = new RecordingContext();
        var c = await f.Engine.GetEgressConfigurationAsync(Paths("uanat"), null, ctx);
        Assert.Equal(EgressResolution.Partial, c.Resolution);
        Assert.Empty(c.AllowList);
        Assert.Contains("uanat-natgw", c.ResolutionNote);
        var w = Assert.Single(ctx.Warnings);
        Assert.Contains("/natGateways/uanat-natgw", w);
        Assert.Contains("Microsoft.Network/natGateways/read", w);
    }
}
