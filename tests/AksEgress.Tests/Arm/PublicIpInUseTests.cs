using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Engine.Arm;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>Issue 14 items 3 and 6: an IP a cluster names as outbound IP is in use even before it is attached.</summary>
public class PublicIpInUseTests
{
    private static NewEgressIpRequest Ip(string name) => new() { Name = name, ResourceGroupName = "egress-rg", Location = "eastus" };

    [Fact]
    public async Task Remove_refuses_an_ip_that_a_running_cluster_update_is_attaching_and_the_update_fails_if_it_is_deleted_anyway()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(Ip("attaching"), new NullOperationContext());
        Assert.NotNull(ip);
        var release = new TaskCompletionSource();
        // hold the cluster update's first status poll: the update stays in progress until released
        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "/operations/", HoldUntil = release.Task });
        var update = Task.Run(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id }, TimeoutSeconds = 60 }, new NullOperationContext()));
        for (var i = 0; i < 200 && (string?)f.Emu.World.GetCluster("standard-lb")!["properties"]!["provisioningState"] != "Updating"; i++) await Task.Delay(25);
        await Task.Delay(300);   // the engine's first poll is now held

        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.RemoveEgressIpAsync(new RemoveEgressIpRequest { PublicIpId = ip.Id }, new NullOperationContext()));
        Assert.Equal(ErrorIds.PublicIpInUse, e.ErrorId);
        Assert.Contains("demo-rg/standard-lb", e.Message);
        Assert.Contains("update in progress", e.Message);
        Assert.NotNull(f.Emu.World.GetPublicIp("egress-rg", "attaching"));

        // -Force deletes it (Azure accepts: it is not attached yet); the update then fails as AKS would
        Assert.True(await f.Engine.RemoveEgressIpAsync(new RemoveEgressIpRequest { PublicIpId = ip.Id, Force = true }, new NullOperationContext()));
        release.SetResult();
        var failed = await Assert.ThrowsAsync<AksEgressException>(() => update);
        Assert.Equal(ErrorIds.OperationFailed, failed.ErrorId);
        Assert.Equal("InvalidLoadBalancerProfileOutboundIPs", failed.RemoteCode);
        Assert.Contains("LoadBalancerProfileOutboundIPNotExist", failed.Message);
    }

    [Fact]
    public async Task Another_clusters_outbound_ip_is_refused_before_the_update_naming_the_ip_and_the_cluster()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(Ip("shared"), new NullOperationContext());
        Assert.NotNull(ip);
        await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id } }, new NullOperationContext());
        f.Emu.Requests.Clear();

        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("aad"), PublicIpIds = new[] { ip.Id } }, new NullOperationContext()));

        Assert.Equal(ErrorIds.PublicIpInUse, e.ErrorId);
        Assert.Equal(EgressErrorCategory.InvalidOperation, e.Category);
        Assert.Contains("egress-rg/shared", e.Message);
        Assert.Contains("cluster 'demo-rg/standard-lb'", e.Message);
        Assert.Equal(ip.Id, e.TargetObject as string, ignoreCase: true);
        Assert.DoesNotContain(f.Arm, r => r.Method == "PUT");
    }

    [Fact]
    public void Public_ip_in_use_on_a_cluster_update_names_the_ip_not_the_cluster()
    {
        const string ipId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/egress-rg/providers/Microsoft.Network/publicIPAddresses/svc-ip";
        var clusterId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/aad";
        var e = ArmErrorMapper.Map(400, "PublicIPAddressInUse",
            $"Resource {ipId} is referenced by resource /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/MC_x/providers/Microsoft.Network/loadBalancers/kubernetes/frontendIPConfigurations/abc, so it cannot be used as an outbound IP.",
            new ErrorScope(ArmTargetKind.Cluster, clusterId) { ClusterName = "aad" });
        Assert.Equal(ErrorIds.PublicIpInUse, e.ErrorId);
        Assert.StartsWith($"Public IP '{ipId}' is still in use", e.Message);
        Assert.Equal(ipId, e.TargetObject);
    }
}
