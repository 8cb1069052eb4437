using System.Diagnostics;
using AksEgress.Engine;
using AksEgress.Models;
using k8s;
using k8s.Models;
using Xunit;
using static AksEgress.Tests.KubeTestSupport;

namespace AksEgress.Tests.Kubernetes;

/// <summary>Kubernetes through the real ARM half: cluster credentials from Azure, in memory.</summary>
public class KubeArmCredentialTests
{
    [Fact]
    public async Task Cluster_only_uses_the_arm_kubeconfig_and_explains_from_the_egress_configuration()
    {
        await using var emu = await StartAsync();
        var engine = await EngineAsync(emu);
        var access = new KubeAccess { Cluster = new ClusterRef(null, "demo-rg", "standard-lb") };
        var ip = emu.World.AddPublicIp(emu.World.GetNodeResourceGroup("standard-lb")!, "egress-ip");
        var svc = await engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = access }, new RecordingContext());
        Assert.NotNull(svc);
        Assert.Equal("standard-lb", svc.ClusterName);
        Assert.False(svc.DecidesEgress);
        Assert.Null(svc.KubeConfigPath);
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = access, ExpectedIpAddress = new[] { ip } }, new RecordingContext());
        Assert.False(r.Succeeded);
        Assert.Contains(r.ObservedIpAddress, emu.World.GetExpectedEgressAddresses("standard-lb"));
        Assert.Contains($"{ip} is only the inbound address of Service default/aks-egress", r.Explanation);
        Assert.Contains("outbound", r.Explanation);
        AssertNoTestPods(emu, "standard-lb");
    }

    [Fact]
    public async Task Kubeconfig_of_another_cluster_is_refused_with_the_real_arm_half()
    {
        await using var emu = await StartAsync();
        var engine = await EngineAsync(emu);
        var e = await Assert.ThrowsAsync<AksEgressException>(() => engine.RemoveEgressServiceAsync(new RemoveEgressServiceRequest
        {
            Kube = new KubeAccess { KubeConfigPath = emu.GetKubeconfigPath("natgw"), Cluster = new ClusterRef(null, "demo-rg", "standard-lb") },
        }, new RecordingContext()));
        Assert.Equal(ErrorIds.KubeConfigClusterMismatch, e.ErrorId);
    }
}
