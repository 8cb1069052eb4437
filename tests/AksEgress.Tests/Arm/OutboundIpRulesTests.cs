using System.Text.Json.Nodes;
using AksEgress.Engine;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>Issue 9 "Public IPs": what may become a cluster's outbound IP, and the SNAT capacity check.</summary>
public class OutboundIpRulesTests
{
    private static SetOutboundIpRequest Set(ConnectedEngine f, string ipId, int? ports = null) =>
        new() { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ipId }, AllocatedOutboundPorts = ports };

    [Fact]
    public async Task A_StandardV2_ip_is_standard_family_and_never_called_basic()
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.World.AddPublicIp("egress-rg", "v2", sku: "StandardV2");
        var id = f.Emu.World.GetPublicIpId("egress-rg", "v2");
        var r = await Record.ExceptionAsync(() => f.Engine.SetOutboundIpAsync(Set(f, id), new NullOperationContext()));
        // whatever Azure then says about the load balancer, the module does not refuse it as a retired Basic IP
        var e = r as AksEgressException;
        Assert.NotEqual(ErrorIds.BasicSkuRetired, e?.ErrorId);
        Assert.DoesNotContain("Basic", e?.Message ?? "");
        Assert.Contains(f.Arm, x => x.Method == "PUT");
    }

    [Fact]
    public async Task A_global_tier_ip_is_refused_for_egress_with_the_reason()
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.World.AddPublicIp("egress-rg", "global", tier: "Global");
        f.Emu.Requests.Clear();
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(Set(f, f.Emu.World.GetPublicIpId("egress-rg", "global")), new NullOperationContext()));
        Assert.Equal(ErrorIds.PublicIpConflict, e.ErrorId);
        Assert.Contains("Global (cross-region) tier", e.Message);
        Assert.DoesNotContain(f.Arm, x => x.Method == "PUT");
    }

    [Fact]
    public async Task A_dual_stack_cluster_is_not_left_without_ipv6_egress()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "v4", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        Assert.NotNull(ip);
        f.Emu.World.ChangeCluster("standard-lb", c =>
        {
            c["properties"]!["networkProfile"]!["ipFamilies"] = new JsonArray("IPv4", "IPv6");
            c["properties"]!["networkProfile"]!["loadBalancerProfile"]!["managedOutboundIPs"] = new JsonObject { ["count"] = 1, ["countIPv6"] = 1 };
        });
        f.Emu.Requests.Clear();
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(Set(f, ip.Id), new NullOperationContext()));
        Assert.Equal(ErrorIds.PublicIpConflict, e.ErrorId);
        Assert.Contains("dual-stack", e.Message);
        Assert.Contains("IPv6", e.RecommendedAction);
        Assert.DoesNotContain(f.Arm, x => x.Method == "PUT");
        Assert.Equal(1, f.Emu.World.GetCluster("standard-lb")!["properties"]!["networkProfile"]!["loadBalancerProfile"]!["managedOutboundIPs"]!["countIPv6"]!.GetValue<int>());
    }

    [Fact]
    public async Task Snat_capacity_counts_the_autoscaler_max_count_and_its_surge_not_the_current_count()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "one", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        Assert.NotNull(ip);
        f.Emu.World.ChangeCluster("standard-lb", c =>
        {
            var pool = c["properties"]!["agentPoolProfiles"]![0]!.AsObject();
            pool["count"] = 3; pool["enableAutoScaling"] = true; pool["minCount"] = 3; pool["maxCount"] = 20;
        });
        f.Emu.Requests.Clear();
        // 1 IP x 64000 / 4000 ports = 16 nodes: enough for 3 (+1 surge), not for the autoscaler's 20 (+2 surge)
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(Set(f, ip.Id, ports: 4000), new NullOperationContext()));
        Assert.Equal(ErrorIds.InsufficientOutboundPorts, e.ErrorId);
        Assert.Contains("needs 22 (20 nodes at the autoscaler's maxCount + 2 surge nodes", e.Message);
        Assert.Contains("-AllocatedOutboundPorts 2904", e.RecommendedAction);
        Assert.DoesNotContain(f.Arm, x => x.Method == "PUT");
    }
}
