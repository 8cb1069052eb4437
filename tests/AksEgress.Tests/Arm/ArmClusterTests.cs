using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>The ARM half of the engine against the in-process emulator over real HTTPS.</summary>
public class ArmClusterTests
{
    [Fact]
    public async Task Get_cluster_normalises_quirks_and_the_Kubernetes_access_path_reuses_it()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ctx = new RecordingContext();
        var c = await f.Engine.GetClusterAsync(f.Cluster("standard-lb"), ctx);
        Assert.Equal($"/subscriptions/{f.Sub}/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/standard-lb", c.ClusterId);
        Assert.Equal("Standard", c.LoadBalancerSku);
        Assert.Equal("loadBalancer", c.OutboundType);
        Assert.Equal("MC_demo-rg_standard-lb_eastus", c.NodeResourceGroup);
        Assert.Equal(3, c.NodeCount);
        Assert.False(string.IsNullOrEmpty(c.IdentityPrincipalId));
        Assert.Contains(ctx.Verbose, v => v == "GET cluster demo-rg/standard-lb");
        // The Kubernetes access path reuses that read; a read the user asks for does not (ArmFreshReadTests).
        await ((IClusterCredentialSource)f.Engine).GetClusterAsync(f.Cluster("standard-lb"), ctx);
        Assert.Equal(new[] { "GET /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/standard-lb" }, f.ArmLines);
        Assert.Contains("api-version=2025-10-01", f.Arm[0].PathAndQuery);

        var basic = await f.Engine.GetClusterAsync(f.Cluster("legacy-basic"), ctx);
        Assert.Equal("Basic", basic.LoadBalancerSku);
        var aad = await f.Engine.GetClusterAsync(f.Cluster("aad"), ctx);
        Assert.True(aad.AadEnabled);
        Assert.True(aad.LocalAccountsDisabled);
        var locked = await f.Engine.GetClusterAsync(f.Cluster("locked"), ctx);
        Assert.True(locked.NodeResourceGroupLocked);
        Assert.Equal("Unrestricted", basic.NodeResourceGroupRestrictionLevel);
        Assert.Equal("managedNATGateway", (await f.Engine.GetClusterAsync(f.Cluster("natgw"), ctx)).OutboundType);
    }

    [Fact]
    public async Task Missing_cluster_and_missing_resource_group_are_told_apart()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var e1 = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.GetClusterAsync(f.Cluster("nope"), new NullOperationContext()));
        Assert.Equal(ErrorIds.ClusterNotFound, e1.ErrorId);
        Assert.Equal(404, e1.HttpStatus);
        var e2 = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.GetClusterAsync(new ClusterRef(null, "no-such-rg", "c"), new NullOperationContext()));
        Assert.Equal(ErrorIds.ResourceGroupNotFound, e2.ErrorId);
        var e3 = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.GetClusterAsync(new ClusterRef(null, "demo-rg", "bad name!"), new NullOperationContext()));
        Assert.Equal(ErrorIds.InvalidClusterName, e3.ErrorId);
    }

    [Fact]
    public async Task List_streams_pages_following_next_link()
    {
        await using var f = await ConnectedEngine.StartAsync(new EmulatorOptions { PageSize = 2 });
        var seen = new List<string>();
        var listCallsAtFirstItem = -1;
        await foreach (var c in f.Engine.ListClustersAsync(null, "demo-rg", new NullOperationContext()))
        {
            if (seen.Count == 0) listCallsAtFirstItem = f.Arm.Count(e => e.PathAndQuery.Contains("/managedClusters?"));
            seen.Add(c.ClusterName);
            Assert.Contains("/resourceGroups/demo-rg/", c.ClusterId);
        }
        Assert.Equal(1, listCallsAtFirstItem);
        Assert.Equal(6, seen.Count);
        Assert.Equal(3, f.Arm.Count(e => e.PathAndQuery.Contains("/managedClusters?")));
        Assert.Contains(f.Arm, e => e.PathAndQuery.Contains("skipToken=2"));
        Assert.DoesNotContain(f.Arm, e => e.PathAndQuery.Contains("/providers/Microsoft.ContainerService?"));
        // listed clusters serve the Kubernetes access path (e.g. Test-AksEgressIp's client): no request there
        var before = f.Arm.Count;
        await ((IClusterCredentialSource)f.Engine).GetClusterAsync(f.Cluster("udr"), new NullOperationContext());
        Assert.Equal(before, f.Arm.Count);
    }

    [Fact]
    public async Task List_at_subscription_scope_includes_every_cluster()
    {
        await using var f = await ConnectedEngine.StartAsync(new EmulatorOptions { ExtraClusters = 3 });
        var all = new List<AksNodeResourceGroup>();
        await foreach (var c in f.Engine.ListClustersAsync(null, null, new NullOperationContext())) all.Add(c);
        Assert.Equal(12, all.Count);   // 6 in demo-rg, 3 egress-path clusters in paths-rg, 3 fleet
        Assert.Contains(all, c => c.ResourceGroupName == "fleet-rg");
    }
}
