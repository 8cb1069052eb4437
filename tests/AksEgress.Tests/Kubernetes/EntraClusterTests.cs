using System.Diagnostics;
using AksEgress.Engine;
using AksEgress.Models;
using k8s;
using k8s.Models;
using Xunit;
using static AksEgress.Tests.KubeTestSupport;

namespace AksEgress.Tests.Kubernetes;

/// <summary>Entra cluster through a managed identity connection (sets process environment variables).</summary>
[Collection("process-environment")]
public class EntraClusterTests
{
    [Fact]
    public async Task Entra_cluster_works_with_the_managed_identity_token()
    {
        await using var emu = await StartAsync();
        using var identity = EnvironmentOverride.ManagedIdentity(emu);
        var engine = new AksEgressEngine();
        // a fresh client id: Azure.Identity caches managed identity tokens process-wide, and another test's emulator issued the cached one
        await engine.ConnectAsync(new ConnectRequest { Identity = true, ClientId = Guid.NewGuid().ToString(), ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath, SubscriptionId = emu.SubscriptionId }, new NullOperationContext());
        var access = new KubeAccess { Cluster = new ClusterRef(null, "demo-rg", "aad") };
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = access }, new RecordingContext());
        Assert.True(r.Succeeded, r.Explanation);
        Assert.Equal("aad", r.ClusterName);
        AssertNoTestPods(emu, "aad");
        var e = await Assert.ThrowsAsync<AksEgressException>(() => engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = "203.0.113.200", Kube = access with { Admin = true } }, new RecordingContext()));
        Assert.Equal(ErrorIds.LocalAccountsDisabled, e.ErrorId);
    }

    /// <summary>End to end: a legacy Entra cluster accepts only tokens for its own server app, which its ARM kubeconfig names.</summary>
    [Fact]
    public async Task Legacy_entra_cluster_works_with_its_own_server_application()
    {
        await using var emu = await StartAsync();
        emu.World.SetEntraServerApp("aad", "3c1f6a7e-55b2-4d0e-9d43-0a1b2c3d4e5f");
        using var identity = EnvironmentOverride.ManagedIdentity(emu);
        var engine = new AksEgressEngine();
        await engine.ConnectAsync(new ConnectRequest { Identity = true, ClientId = Guid.NewGuid().ToString(), ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath, SubscriptionId = emu.SubscriptionId }, new NullOperationContext());
        var ctx = new RecordingContext();
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = new KubeAccess { Cluster = new ClusterRef(null, "demo-rg", "aad") } }, ctx);
        Assert.True(r.Succeeded, r.Explanation);
        Assert.Contains(ctx.Verbose, v => v.Contains("3c1f6a7e-55b2-4d0e-9d43-0a1b2c3d4e5f", StringComparison.Ordinal));
        AssertNoTestPods(emu, "aad");
    }
}
