using System.Diagnostics;
using AksEgress.Engine;
using AksEgress.Models;
using k8s;
using k8s.Models;
using Xunit;
using static AksEgress.Tests.KubeTestSupport;

namespace AksEgress.Tests.Kubernetes;

/// <summary>Explanations of a failed egress test, with a stand-in ARM half, and a few more Service flows.</summary>
public class ExplanationTests
{
    /// <summary>An engine whose ARM half is a stand-in serving what the real ARM half (an engine connected to the emulator)
    /// read for the cluster: the egress configuration and cluster come from the engine's own parsers, not built by hand.</summary>
    private static async Task<(AksEgressEngine Engine, AksNodeResourceGroup Info)> EngineFor(AksEgress.Emulator.AksEmulator emu, string cluster, string decidedBy)
    {
        var info = Info(emu, cluster);
        var real = await EngineAsync(emu);
        var cfg = await real.GetEgressConfigurationAsync(ClusterRef.FromId(info.ClusterId), null, new RecordingContext());
        Assert.Equal(Enum.Parse<EgressDecider>(decidedBy), cfg.EgressDecidedBy);
        var arm = new FakeArm { Cluster = _ => info, Kubeconfig = (_, _) => emu.GetKubeconfig(cluster), Egress = _ => cfg };
        return (new AksEgressEngine { CredentialSourceOverride = arm }, info);
    }

    [Fact]
    public async Task Standard_lb_mismatch_names_the_managed_outbound_ip_and_the_inbound_service()
    {
        await using var emu = await StartAsync();
        var (engine, info) = await EngineFor(emu, "standard-lb", "LoadBalancerOutboundRule");
        var access = new KubeAccess { Cluster = ClusterRef.FromId(info.ClusterId) };
        var ip = emu.World.AddPublicIp(info.NodeResourceGroup, "egress-ip");
        var svc = await engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = access }, new RecordingContext());
        Assert.NotNull(svc);
        Assert.Equal("standard-lb", svc.ClusterName);
        Assert.Equal(info.ClusterId, svc.ClusterId);
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = access, ExpectedIpAddress = new[] { ip } }, new RecordingContext());
        Assert.False(r.Succeeded);
        Assert.Equal("standard-lb", r.ClusterName);
        Assert.Contains($"{r.ObservedIpAddress} is this cluster's managed outbound IP (load balancer outbound rule", r.Explanation);
        Assert.Contains($"{ip} is only the inbound address of Service default/aks-egress", r.Explanation);
        Assert.Contains("Set-AksOutboundIp", r.Explanation);
        AssertNoTestPods(emu, "standard-lb");
    }

    [Fact]
    public async Task Nat_gateway_mismatch_says_the_nat_gateway_decides()
    {
        await using var emu = await StartAsync();
        var (engine, info) = await EngineFor(emu, "natgw", "NatGateway");
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = new KubeAccess { Cluster = ClusterRef.FromId(info.ClusterId) }, ExpectedIpAddress = new[] { "192.0.2.10" } }, new RecordingContext());
        Assert.False(r.Succeeded);
        Assert.Contains("NAT gateway's IPs (" + emu.World.GetExpectedEgressAddresses("natgw")[0], r.Explanation);
        AssertNoTestPods(emu, "natgw");
    }

    [Fact]
    public async Task Udr_mismatch_points_at_the_firewall()
    {
        await using var emu = await StartAsync();
        var (engine, info) = await EngineFor(emu, "udr", "UserDefinedRouting");
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = new KubeAccess { Cluster = ClusterRef.FromId(info.ClusterId) }, ExpectedIpAddress = new[] { "192.0.2.10" } }, new RecordingContext());
        Assert.False(r.Succeeded);
        Assert.Contains("firewall", r.Explanation);
    }

    [Fact]
    public async Task Basic_lb_mismatch_lists_the_load_balancer_services()
    {
        await using var emu = await StartAsync();
        var nodeRg = emu.World.GetNodeResourceGroup("legacy-basic")!;
        var first = emu.World.AddPublicIp(nodeRg, "first-ip");
        var mine = emu.World.AddPublicIp(nodeRg, "egress-ip");
        var engine = await EngineAsync(emu);
        var access = Access(emu, "legacy-basic", withInfo: true);
        await engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = first, ServiceName = "web", Kube = access }, new RecordingContext());
        await engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = mine, Kube = access }, new RecordingContext());
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = access, ExpectedIpAddress = new[] { mine } }, new RecordingContext());
        Assert.False(r.Succeeded);
        Assert.Equal(first, r.ObservedIpAddress);
        Assert.Contains("another Service's frontend came first", r.Explanation);
        Assert.Contains($"default/web={first}", r.Explanation);
        Assert.Contains($"default/aks-egress={mine}", r.Explanation);
    }

    [Fact]
    public async Task Port_change_updates_and_cancellation_stops_the_wait_promptly()
    {
        await using var emu = await StartAsync(lbDelay: 50);
        var nodeRg = emu.World.GetNodeResourceGroup("legacy-basic")!;
        var ip = emu.World.AddPublicIp(nodeRg, "egress-ip");
        var engine = await EngineAsync(emu);
        var access = Access(emu, "legacy-basic");
        await engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = access }, new RecordingContext());
        var ctx = new RecordingContext();
        var updated = await engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Port = 9090, Kube = access }, ctx);
        Assert.NotNull(updated);
        Assert.Equal("Updated", updated.Action);
        Assert.Equal(9090, updated.Port);
        Assert.Contains(ctx.ShouldProcessCalls, c => c.Action.StartsWith("Update LoadBalancer Service", StringComparison.Ordinal));
        using var k = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(access.KubeConfigPath));
        var live = await k.CoreV1.ReadNamespacedServiceAsync("aks-egress", "default");
        Assert.Equal(9090, Assert.Single(live.Spec.Ports).Port);

        // an IP that never shows up (nonexistent in the RG, but the sync failure is suppressed by a slow controller)
        await using var slow = await StartAsync(lbDelay: 30_000);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(700));
        var sw = Stopwatch.StartNew();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await (await EngineAsync(emu)).SetEgressServiceAsync(
            new SetEgressServiceRequest { IpAddress = slow.World.AddPublicIp(slow.World.GetNodeResourceGroup("legacy-basic")!, "x"), Kube = Access(slow, "legacy-basic"), TimeoutSeconds = 60 },
            new RecordingContext(token: cts.Token)));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5), sw.Elapsed.ToString());
    }
}
