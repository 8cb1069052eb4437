using AksEgress.Engine;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>
/// Issue 14 item 4: a read the user asks for (Get-AksNodeResourceGroup, Get-AksEgressConfiguration on its own) comes from ARM
/// even when the session read the cluster moments ago; only the read a piped object names (its ClusterReadId) is reused.
/// </summary>
public class ArmFreshReadTests
{
    private static int ClusterGets(ConnectedEngine f, string name) =>
        f.Arm.Count(r => r.Method == "GET" && r.PathAndQuery.Contains($"/managedClusters/{name}?", StringComparison.OrdinalIgnoreCase));

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
        Assert.Equal(4, ClusterGets(f, "standard-lb"));
    }

    [Fact]
    public async Task Each_read_names_itself_and_a_listed_cluster_is_read_again_when_asked_for()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ctx = new NullOperationContext();
        var a = await f.Engine.GetClusterAsync(f.Cluster("standard-lb"), ctx);
        var b = await f.Engine.GetClusterAsync(f.Cluster("standard-lb"), ctx);
        Assert.False(string.IsNullOrEmpty(a.ClusterReadId));
        Assert.NotEqual(a.ClusterReadId, b.ClusterReadId);
        await foreach (var c in f.Engine.ListClustersAsync(null, "demo-rg", ctx)) Assert.False(string.IsNullOrEmpty(c.ClusterReadId));
        var gets = ClusterGets(f, "udr");
        await f.Engine.GetClusterAsync(f.Cluster("udr"), ctx);
        Assert.Equal(gets + 1, ClusterGets(f, "udr"));
    }

    [Fact]
    public async Task A_cluster_object_handed_on_is_not_read_again_and_shows_what_it_was_read_as()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ctx = new NullOperationContext();
        var info = await f.Engine.GetClusterAsync(f.Cluster("standard-lb"), ctx);
        f.Emu.World.ChangeCluster("standard-lb", body => body["properties"]!["networkProfile"]!["outboundType"] = "userDefinedRouting");
        var gets = ClusterGets(f, "standard-lb");
        // Get-AksNodeResourceGroup | Get-AksEgressConfiguration: the same pipeline's read, one answer for both cmdlets.
        var cfg = await f.Engine.GetEgressConfigurationAsync(f.Cluster("standard-lb"), info.ClusterReadId, ctx);
        Assert.Equal(gets, ClusterGets(f, "standard-lb"));
        Assert.Equal(EgressDecider.LoadBalancerOutboundRule, cfg.EgressDecidedBy);
    }

    [Fact]
    public async Task A_read_of_another_cluster_or_an_unknown_read_is_not_used()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ctx = new NullOperationContext();
        var other = await f.Engine.GetClusterAsync(f.Cluster("legacy-basic"), ctx);
        var cfg = await f.Engine.GetEgressConfigurationAsync(f.Cluster("standard-lb"), other.ClusterReadId, ctx);
        Assert.Equal("standard-lb", cfg.ClusterName);
        Assert.Equal(1, ClusterGets(f, "standard-lb"));
        await f.Engine.GetEgressConfigurationAsync(f.Cluster("standard-lb"), "0123456789abcdef0123456789abcdef", ctx);
        Assert.Equal(2, ClusterGets(f, "standard-lb"));
    }
}
