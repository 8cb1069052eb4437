using System.Text.Json.Nodes;
using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Engine.Arm;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests;

/// <summary>Helpers of the Kubernetes tests: an emulator with short delays, kubeconfig access, the emulator's pods.</summary>
internal static class KubeTestSupport
{
    public static Task<AksEmulator> StartAsync(int lbDelay = 50, int podDelay = 50) =>
        AksEmulator.StartAsync(new EmulatorOptions { LoadBalancerDelayMilliseconds = lbDelay, PodStartDelayMilliseconds = podDelay });

    /// <summary>An engine connected to the emulator's ARM endpoint (<see cref="ConnectedEngine.ConnectAsync"/>).</summary>
    public static Task<AksEgressEngine> EngineAsync(AksEmulator emu) => ConnectedEngine.ConnectAsync(emu);

    public static KubeAccess Access(AksEmulator emu, string cluster, bool withInfo = false) =>
        new() { KubeConfigPath = emu.GetKubeconfigPath(cluster), ClusterInfo = withInfo ? Info(emu, cluster) : null };

    /// <summary>What the ARM half returns for the cluster: the emulator's ARM body read by the engine's own parser.</summary>
    public static AksNodeResourceGroup Info(AksEmulator emu, string cluster) =>
        ManagedClusterModel.Parse(emu.World.GetCluster(cluster) ?? throw new ArgumentException($"no cluster {cluster}", nameof(cluster))).Info;

    public static IReadOnlyList<JsonObject> Pods(AksEmulator emu, string cluster) =>
        emu.World.Dump()["clusters"]![cluster]!["pods"]!.AsArray().Select(p => p!.AsObject()).ToList();

    public static void AssertNoTestPods(AksEmulator emu, string cluster)
    {
        var left = Pods(emu, cluster).Select(p => (string?)p["metadata"]?["name"]).Where(n => n?.StartsWith("aks-egress-test-", StringComparison.Ordinal) == true).ToList();
        Assert.True(left.Count == 0, "test pods left behind: " + string.Join(", ", left));
    }

    public static int K8sWrites(AksEmulator emu, string cluster) =>
        emu.Requests.Count(r => r.Target == "k8s:" + cluster && r.Method is "POST" or "PUT" or "PATCH" or "DELETE");
}
