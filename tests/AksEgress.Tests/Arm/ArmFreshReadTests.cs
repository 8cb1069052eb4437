using AksEgress.Engine;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>
/// Issue 14 item 4: a read the user asks for (Get-AksNodeResourceGroup, Get-AksEgressConfiguration on its own) comes from ARM
/// even when the session read the cluster moments ago; only a cluster piped from the same pipeline is reused.
/// </summary>
public class ArmFreshReadTests
{
    [Fact]
    public async Task Reads_the_user_asks_for_see_a_change_made_elsewhere_moments_later()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ctx = new NullOperationContext();
        var before = await f.Engine.GetClusterAsync(f.Cluster("standard-lb"), ctx);
        var cfgBefore = await f.Engine.GetEgressConfigurationAsync(f.Cluster("standard-lb"), null, ctx);
        Assert.Equal("loadBalancer", before.OutboundType);
        Assert.Equal(EgressDecider.LoadBalancerOutboundRule, cfgBefore.EgressDecidedBy);

        // Another process (the portal, az, a second session) changes the cluster.
        f.Emu.World.ChangeCluster("standard-lb", body => body["properties"]!["networkProfile"]!["outboundType"] = "userDefinedRouting");

        var after = await f.Engine.GetClusterAsync(f.Cluster("standard-lb"), ctx);
        Assert.Equal("userDefinedRouting", after.OutboundType);
        var cfgAfter = await f.Engine.GetEgressConfigurationAsync(f.Cluster("standard-lb"), null, ctx);
        Assert.Equal(EgressDecider.UserDefinedRouting, cfgAfter.EgressDecidedBy);
    }

    [Fact]
    public async Task A_cluster_piped_from_the_same_pipeline_is_not_read_again()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ctx = new NullOperationContext();
        var info = await f.Engine.GetClusterAsync(f.Cluster("standard-lb"), ctx);
        var gets = f.Arm.Count(r => r.Method == "GET" && r.PathAndQuery.Contains("/managedClusters/standard-lb?", StringComparison.OrdinalIgnoreCase));
        await f.Engine.GetEgressConfigurationAsync(f.Cluster("standard-lb"), info, ctx);
        Assert.Equal(gets, f.Arm.Count(r => r.Method == "GET" && r.PathAndQuery.Contains("/managedClusters/standard-lb?", StringComparison.OrdinalIgnoreCase)));
    }
}
