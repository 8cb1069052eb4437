using AksEgress.Engine;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>
/// Issue 14 item 12: a cluster or IP id from a subscription the session cannot see is SubscriptionNotFound (not
/// SubscriptionNotDetermined, "pass -SubscriptionId"), naming the subscription and saying how to connect to it.
/// </summary>
public class ArmSubscriptionNotFoundTests
{
    private const string Other = "11111111-2222-3333-4444-555555555555";

    [Fact]
    public async Task A_cluster_id_from_another_subscription_names_it_and_says_how_to_connect()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var id = $"/subscriptions/{Other}/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/standard-lb";
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.GetClusterAsync(ClusterRef.FromId(id), new NullOperationContext()));
        Assert.Equal(ErrorIds.SubscriptionNotFound, e.ErrorId);
        Assert.Equal(EgressErrorCategory.ObjectNotFound, e.Category);
        Assert.Equal("SubscriptionNotFound", e.RemoteCode);
        Assert.Contains($"The subscription '{Other}' (of 'demo-rg/standard-lb') does not exist, or the identity of this session cannot see it", e.Message);
        Assert.Contains($"Connect-AksEgress -SubscriptionId {Other}", e.RecommendedAction);
        Assert.Contains($"Set-AzContext -Subscription {Other}", e.RecommendedAction);
    }

    [Fact]
    public async Task An_ip_id_from_another_subscription_is_SubscriptionNotFound_too()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var id = $"/subscriptions/{Other}/resourceGroups/egress-rg/providers/Microsoft.Network/publicIPAddresses/x";
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.RemoveEgressIpAsync(new RemoveEgressIpRequest { PublicIpId = id }, new NullOperationContext()));
        Assert.Equal(ErrorIds.SubscriptionNotFound, e.ErrorId);
        Assert.Contains(Other, e.Message);
    }

    [Theory]
    [InlineData(404, "SubscriptionNotFound", "could not be found")]
    [InlineData(400, "InvalidSubscriptionId", "is malformed or invalid")]
    public async Task ARM_answers_about_the_subscription_map_to_SubscriptionNotFound(int status, string code, string armWords)
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.Faults.Add(new AksEgress.Emulator.FaultRule { Method = "GET", PathContains = "managedClusters/standard-lb", Status = status, ErrorCode = code, Count = 1 });
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.GetClusterAsync(f.Cluster("standard-lb"), new NullOperationContext()));
        Assert.Equal(ErrorIds.SubscriptionNotFound, e.ErrorId);
        Assert.Equal(code, e.RemoteCode);
        Assert.Equal(status, e.HttpStatus);
        Assert.Contains(armWords, e.Message);
        Assert.Contains($"Connect-AksEgress -SubscriptionId {f.Sub}", e.RecommendedAction);
    }
}
