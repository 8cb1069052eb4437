using Xunit;

namespace AksEgress.Tests.StaticEgressGateway;

/// <summary>New-AksEgressGateway's wait for the egress prefix, when the controller never provisions one.</summary>
public class GatewayPrefixWaitTests
{
    [Fact]
    public async Task A_prefix_that_never_comes_is_GatewayNotReady_after_the_timeout_with_the_controllers_warning()
    {
        await using var f = await ConnectedEngine.StartAsync();
        using var backstop = new CancellationTokenSource(TimeSpan.FromSeconds(90));   // a wait that ignores its timeout fails, not hangs
        var ctx = new RecordingContext(token: backstop.Token);
        var cluster = f.Cluster("standard-lb");
        await f.Engine.SetStaticEgressGatewayAsync(new SetStaticEgressGatewayRequest { Cluster = cluster, Enabled = true }, ctx);

        // Through a kubeconfig only, the pool cannot be checked in Azure first: the configuration is created, and the
        // controller reports the missing pool as an event instead of a prefix.
        var kube = KubeTestSupport.Access(f.Emu, "standard-lb");
        var started = DateTime.UtcNow;
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressGatewayAsync(
            new NewEgressGatewayRequest { Name = "app-gw", PoolName = "nopool", Kube = kube, TimeoutSeconds = 5 }, ctx));

        Assert.Equal(ErrorIds.GatewayNotReady, e.ErrorId);
        Assert.Equal(EgressErrorCategory.OperationTimeout, e.Category);
        Assert.Equal("default/app-gw", e.TargetObject);
        Assert.Contains("within 5 s", e.Message);
        Assert.Contains("gateway agent pool not found", e.Message);
        Assert.Contains("-TimeoutSeconds", e.RecommendedAction);
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(5), "the wait gave the controller the whole timeout");
    }
}
