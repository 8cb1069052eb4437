using System.Text.Json.Nodes;
using AksEgress.Engine.StaticEgressGateway;
using AksEgress.Models;
using k8s;
using Xunit;

namespace AksEgress.Tests.StaticEgressGateway;

/// <summary>New-AksEgressGateway -PublicIpPrefixId: bring your own prefix, checked as the controller would, never deleted on teardown.</summary>
public class GatewayByoPrefixTests
{
    [Fact]
    public async Task A_prefix_of_the_pools_size_becomes_the_gateways_and_outlives_it_others_are_refused_before_any_write()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ctx = new NullOperationContext();
        var cluster = f.Cluster("standard-lb");
        var kube = new KubeAccess { Cluster = cluster with { SubscriptionId = f.Sub } };
        await f.Engine.SetStaticEgressGatewayAsync(new SetStaticEgressGatewayRequest { Cluster = cluster, Enabled = true }, ctx);
        await f.Engine.NewEgressGatewayPoolAsync(new NewEgressGatewayPoolRequest { Cluster = cluster, Name = "gwpool", PrefixSize = 30, Count = 2 }, ctx);
        var p30 = await f.Engine.NewEgressIpPrefixAsync(new NewEgressIpPrefixRequest { Name = "byo30", PrefixLength = 30, ResourceGroupName = "egress-rg", Cluster = cluster }, ctx);
        var p31 = await f.Engine.NewEgressIpPrefixAsync(new NewEgressIpPrefixRequest { Name = "byo31", PrefixLength = 31, ResourceGroupName = "egress-rg", Cluster = cluster }, ctx);

        f.Emu.Requests.Clear();
        var wrongSize = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressGatewayAsync(new NewEgressGatewayRequest { Name = "gw31", PoolName = "gwpool", PublicIpPrefixId = p31!.Id, Kube = kube, TimeoutSeconds = 10 }, ctx));
        Assert.Equal(ErrorIds.GatewayPrefixMismatch, wrongSize.ErrorId);
        Assert.Contains("/31", wrongSize.Message);
        var otherSub = p30!.Id.Replace(f.Sub, "11111111-1111-1111-1111-111111111111", StringComparison.Ordinal);
        var wrongSub = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressGatewayAsync(new NewEgressGatewayRequest { Name = "gwsub", PoolName = "gwpool", PublicIpPrefixId = otherSub, Kube = kube, TimeoutSeconds = 10 }, ctx));
        Assert.Equal(ErrorIds.GatewayPrefixMismatch, wrongSub.ErrorId);
        Assert.DoesNotContain(f.Emu.Requests.Entries, e => e.Method is "PUT" or "PATCH" or "DELETE" || e.Method == "POST" && !e.PathAndQuery.Contains("listClusterUserCredential", StringComparison.OrdinalIgnoreCase));
        Assert.Null(f.Emu.World.GetGatewayConfiguration("standard-lb", "default", "gw31"));

        var gw = await f.Engine.NewEgressGatewayAsync(new NewEgressGatewayRequest { Name = "byo-gw", PoolName = "gwpool", PublicIpPrefixId = p30.Id, Kube = kube, TimeoutSeconds = 20 }, ctx);
        Assert.Equal(p30.Prefix, gw!.Prefix);
        Assert.Equal(p30.Id, gw.PublicIpPrefixId, StringComparer.OrdinalIgnoreCase);
        Assert.Equal("Unchanged", (await f.Engine.NewEgressGatewayAsync(new NewEgressGatewayRequest { Name = "byo-gw", PoolName = "gwpool", PublicIpPrefixId = p30.Id, Kube = kube }, ctx))!.Action);
        var proof = await f.Engine.TestEgressIpAsync(new TestEgressIpRequest { Gateway = "byo-gw", Kube = kube }, ctx);
        Assert.True(proof.Succeeded, proof.Explanation);
        Assert.Contains(proof.Samples.Single(s => s.Gateway == "byo-gw").ObservedIpAddress, gw.AllowList);
        Assert.Equal(4, gw.AllowList.Count);

        Assert.True(await f.Engine.RemoveEgressGatewayAsync(new RemoveEgressGatewayRequest { Name = "byo-gw", Kube = kube }, false, ctx));
        Assert.Equal(p30.Prefix, f.Emu.World.GetPublicIpPrefix("egress-rg", "byo30"));   // the controller never deletes your prefix
    }

    [Fact]
    public void A_prefix_of_another_subscription_than_the_clusters_fails_before_any_request()
    {
        var e = Assert.Throws<AksEgressException>(() => RequestValidation.Validate(new NewEgressGatewayRequest
        {
            Name = "gw", PoolName = "gwpool", Kube = new KubeAccess { Cluster = new ClusterRef("00000000-0000-0000-0000-000000000000", "rg", "aks") },
            PublicIpPrefixId = "/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/publicIPPrefixes/p",
        }));
        Assert.Equal(ErrorIds.GatewayPrefixMismatch, e.ErrorId);
        Assert.Equal(ErrorIds.InvalidResourceId, Assert.Throws<AksEgressException>(() => RequestValidation.Validate(new NewEgressGatewayRequest
        {
            Name = "gw", PoolName = "gwpool", PublicIpPrefixId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ip",
        })).ErrorId);
    }
}
