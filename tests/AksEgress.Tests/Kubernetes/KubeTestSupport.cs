using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

/// <summary>An operation context that records everything the engine writes and answers ShouldProcess as told.</summary>
public sealed class RecordingContext : IOperationContext
{
    public RecordingContext(CancellationToken token = default, bool approve = true) { CancellationToken = token; Approve = approve; }
    public CancellationToken CancellationToken { get; }
    public bool Approve { get; set; }
    public ConcurrentQueue<string> Verbose { get; } = new();
    public ConcurrentQueue<string> Debug { get; } = new();
    public ConcurrentQueue<string> Warnings { get; } = new();
    public ConcurrentQueue<ProgressUpdate> Progress { get; } = new();
    public ConcurrentQueue<(string Target, string Action)> ShouldProcessCalls { get; } = new();
    public void WriteVerbose(string message) => Verbose.Enqueue(message);
    public void WriteDebug(string message) => Debug.Enqueue(message);
    public void WriteWarning(string message) => Warnings.Enqueue(message);
    public void WriteProgress(ProgressUpdate update) => Progress.Enqueue(update);
    public bool ShouldProcess(string target, string action) { ShouldProcessCalls.Enqueue((target, action)); return Approve; }
}

internal static class KubeTestSupport
{
    public static Task<AksEmulator> StartAsync(int lbDelay = 50, int podDelay = 50) =>
        AksEmulator.StartAsync(new EmulatorOptions { LoadBalancerDelayMilliseconds = lbDelay, PodStartDelayMilliseconds = podDelay });

    /// <summary>An engine connected to the emulator's ARM endpoint (the ARM half then serves cluster, kubeconfig and egress truth).</summary>
    public static async Task<AksEgressEngine> EngineAsync(AksEmulator emu)
    {
        var engine = new AksEgressEngine();
        await engine.ConnectAsync(new ConnectRequest
        {
            AccessToken = emu.AccessToken, ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath, SubscriptionId = emu.SubscriptionId,
        }, new NullOperationContext());
        return engine;
    }

    public static KubeAccess Access(AksEmulator emu, string cluster, bool withInfo = false) =>
        new() { KubeConfigPath = emu.GetKubeconfigPath(cluster), ClusterInfo = withInfo ? Info(emu, cluster) : null };

    /// <summary>What the ARM half would return for the cluster (built from the emulator's ARM body).</summary>
    public static AksNodeResourceGroup Info(AksEmulator emu, string cluster)
    {
        var body = emu.World.GetCluster(cluster)!;
        var props = body["properties"]!.AsObject();
        var np = props["networkProfile"]!.AsObject();
        var sku = (string?)np["loadBalancerSku"] ?? "standard";
        var id = ((string)body["id"]!).Replace("/resourcegroups/", "/resourceGroups/");
        return new AksNodeResourceGroup
        {
            SubscriptionId = emu.SubscriptionId,
            ResourceGroupName = "demo-rg",
            ClusterName = cluster,
            ClusterId = id,
            Location = "eastus",
            NodeResourceGroup = (string)props["nodeResourceGroup"]!,
            LoadBalancerSku = sku.Equals("basic", StringComparison.OrdinalIgnoreCase) ? "Basic" : "Standard",
            OutboundType = (string?)np["outboundType"] ?? "loadBalancer",
            NodeResourceGroupRestrictionLevel = (string?)props["nodeResourceGroupProfile"]?["restrictionLevel"] ?? "Unrestricted",
            Fqdn = (string?)props["fqdn"],
            AadEnabled = props["aadProfile"] is not null,
            LocalAccountsDisabled = (bool?)props["disableLocalAccounts"] ?? false,
            IdentityPrincipalId = (string?)body["identity"]?["principalId"],
            NodeCount = 3,
        };
    }

    public static IReadOnlyList<JsonObject> Pods(AksEmulator emu, string cluster) =>
        emu.World.Dump()["clusters"]![cluster]!["pods"]!.AsArray().Select(p => p!.AsObject()).ToList();

    public static void AssertNoTestPods(AksEmulator emu, string cluster)
    {
        var left = Pods(emu, cluster).Select(p => (string?)p["metadata"]?["name"]).Where(n => n?.StartsWith("aks-egress-test-") == true).ToList();
        Assert.True(left.Count == 0, "test pods left behind: " + string.Join(", ", left));
    }

    public static int K8sWrites(AksEmulator emu, string cluster) =>
        emu.Requests.Count(r => r.Target == "k8s:" + cluster && r.Method is "POST" or "PUT" or "PATCH" or "DELETE");
}
