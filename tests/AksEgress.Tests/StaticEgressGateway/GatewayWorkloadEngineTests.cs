using System.Text.Json.Nodes;
using AksEgress.Engine.StaticEgressGateway;
using AksEgress.Models;
using k8s;
using Xunit;

namespace AksEgress.Tests.StaticEgressGateway;

/// <summary>Set-AksEgressGatewayWorkload's engine against the emulator's Kubernetes API (apps/v1 and the gateway CRD).</summary>
public class GatewayWorkloadEngineTests
{
    internal static JsonObject Manifest(string kind, string name, bool hostNetwork = false, int replicas = 2)
    {
        var spec = new JsonObject
        {
            ["selector"] = new JsonObject { ["matchLabels"] = new JsonObject { ["app"] = name } },
            ["template"] = new JsonObject
            {
                ["metadata"] = new JsonObject { ["labels"] = new JsonObject { ["app"] = name } },
                ["spec"] = new JsonObject { ["hostNetwork"] = hostNetwork, ["containers"] = new JsonArray(new JsonObject { ["name"] = "app", ["image"] = "nginx:1.27" }) },
            },
        };
        if (kind != "DaemonSet") spec["replicas"] = replicas;
        return new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = kind, ["metadata"] = new JsonObject { ["name"] = name }, ["spec"] = spec };
    }

    private static async Task<(ConnectedEngine F, KubeAccess Kube, EgressGateway Gw)> WithGatewayAsync()
    {
        var f = await ConnectedEngine.StartAsync();
        var ctx = new NullOperationContext();
        var cluster = f.Cluster("standard-lb");
        var kube = new KubeAccess { Cluster = cluster };
        await f.Engine.SetStaticEgressGatewayAsync(new SetStaticEgressGatewayRequest { Cluster = cluster, Enabled = true }, ctx);
        await f.Engine.NewEgressGatewayPoolAsync(new NewEgressGatewayPoolRequest { Cluster = cluster, Name = "gwpool", PrefixSize = 30, Count = 2 }, ctx);
        var gw = await f.Engine.NewEgressGatewayAsync(new NewEgressGatewayRequest { Name = "app-gw", PoolName = "gwpool", Kube = kube }, ctx);
        return (f, kube, gw!);
    }

    private static string[] Writes(ConnectedEngine f) =>
        f.Emu.Requests.Entries.Where(e => e.Method is "PATCH" or "PUT" or "POST" or "DELETE").Select(e => $"{e.Method} {e.PathAndQuery.Split('?')[0]}").ToArray();

    private static List<JsonObject> Pods(ConnectedEngine f, string prefix) =>
        f.Emu.World.Dump()["clusters"]!["standard-lb"]!["pods"]!.AsArray().OfType<JsonObject>()
            .Where(p => p["metadata"]!["name"]!.GetValue<string>().StartsWith(prefix, StringComparison.Ordinal) && p["metadata"]!["deletionTimestamp"] is null).ToList();

    [Fact]
    public async Task Annotates_the_template_waits_for_the_rollout_and_is_idempotent_then_removes_it()
    {
        var (f, kube, gw) = await WithGatewayAsync();
        await using var _ = f;
        var ctx = new NullOperationContext();
        f.Emu.AddWorkload("standard-lb", Manifest("Deployment", "web"));
        var request = new SetEgressGatewayWorkloadRequest { Kind = "Deployment", Name = "web", Gateway = "app-gw", Kube = kube, TimeoutSeconds = 60 };

        var on = await f.Engine.SetEgressGatewayWorkloadAsync(request, ctx);
        Assert.Equal("Annotated", on!.Action);
        Assert.True(on.RolledOut);
        Assert.Equal((2, 2, "app-gw", gw.Prefix), (on.DesiredPods, on.UpdatedPods, on.GatewayName, on.Prefix));
        var pods = Pods(f, "web-");
        Assert.Equal(2, pods.Count);
        Assert.All(pods, p => Assert.Equal("app-gw", p["metadata"]!["annotations"]![GatewayService.Annotation]!.GetValue<string>()));

        f.Emu.Requests.Clear();
        var again = await f.Engine.SetEgressGatewayWorkloadAsync(request, ctx);
        Assert.Equal("Unchanged", again!.Action);
        Assert.True(again.RolledOut);
        Assert.Empty(Writes(f));

        var off = await f.Engine.SetEgressGatewayWorkloadAsync(request with { Remove = true, Gateway = null }, ctx);
        Assert.Equal("Removed", off!.Action);
        Assert.Null(off.GatewayName);
        Assert.True(off.RolledOut);
        Assert.All(Pods(f, "web-"), p => Assert.Null(p["metadata"]!["annotations"]?[GatewayService.Annotation]));
        Assert.Null(f.Emu.World.GetWorkload("standard-lb", "Deployment", "default", "web")!["spec"]!["template"]!["metadata"]!["annotations"]?[GatewayService.Annotation]);
        Assert.Equal("Unchanged", (await f.Engine.SetEgressGatewayWorkloadAsync(request with { Remove = true, Gateway = null }, ctx))!.Action);
    }

    [Theory]
    [InlineData("hostnet", "default", "app-gw", ErrorIds.HostNetworkWorkload)]
    [InlineData("web", "kube-public", "app-gw", ErrorIds.GatewayNotFound)]
    [InlineData("web", "default", "no-gw", ErrorIds.GatewayNotFound)]
    [InlineData("nope", "default", "app-gw", ErrorIds.WorkloadNotFound)]
    public async Task Refusals_write_nothing(string workload, string ns, string gateway, string errorId)
    {
        var (f, kube, _) = await WithGatewayAsync();
        await using var __ = f;
        f.Emu.AddWorkload("standard-lb", Manifest("Deployment", "web"), ns);
        f.Emu.AddWorkload("standard-lb", Manifest("Deployment", "hostnet", hostNetwork: true));
        f.Emu.Requests.Clear();
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetEgressGatewayWorkloadAsync(
            new SetEgressGatewayWorkloadRequest { Kind = "Deployment", Name = workload, Namespace = ns, Gateway = gateway, Kube = kube }, new NullOperationContext()));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Empty(Writes(f));
        if (ns == "kube-public") Assert.Contains("there is one in default", e.Message);
    }

    [Fact]
    public async Task A_gateway_without_a_prefix_yet_is_refused()
    {
        var (f, kube, _) = await WithGatewayAsync();
        await using var __ = f;
        f.Emu.AddWorkload("standard-lb", Manifest("StatefulSet", "db"));
        // As right after New-AksEgressGateway -WhatIf-less creation, before the controller provisioned the prefix.
        f.Emu.World.SetGatewayConfigurationStatus("standard-lb", "default", "app-gw", null);
        f.Emu.Requests.Clear();
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetEgressGatewayWorkloadAsync(
            new SetEgressGatewayWorkloadRequest { Kind = "StatefulSet", Name = "db", Gateway = "app-gw", Kube = kube }, new NullOperationContext()));
        Assert.Equal(ErrorIds.GatewayNotReady, e.ErrorId);
        Assert.Empty(Writes(f));
    }

    [Fact]
    public async Task WhatIf_writes_nothing_and_bare_pods_are_reported_not_touched()
    {
        var (f, kube, _) = await WithGatewayAsync();
        await using var __ = f;
        f.Emu.AddWorkload("standard-lb", Manifest("DaemonSet", "agent"));
        var whatIf = new DecliningContext();
        f.Emu.Requests.Clear();
        Assert.Null(await f.Engine.SetEgressGatewayWorkloadAsync(new SetEgressGatewayWorkloadRequest { Kind = "DaemonSet", Name = "agent", Gateway = "app-gw", Kube = kube }, whatIf));
        Assert.Empty(Writes(f));
        Assert.Contains(whatIf.Asked, a => a.Contains("DaemonSet default/agent", StringComparison.Ordinal));

        // A bare pod with the workload's labels: reported, never deleted or changed.
        using (var http = new k8s.Kubernetes(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(f.Emu.GetKubeconfigPath("standard-lb"))))
            await http.CoreV1.CreateNamespacedPodAsync(new k8s.Models.V1Pod { Metadata = new() { Name = "agent-manual", Labels = new Dictionary<string, string> { ["app"] = "agent" } }, Spec = new() { Containers = new List<k8s.Models.V1Container> { new() { Name = "a", Image = "nginx:1.27" } } } }, "default");
        var ctx = new RecordingContext();
        var r = await f.Engine.SetEgressGatewayWorkloadAsync(new SetEgressGatewayWorkloadRequest { Kind = "DaemonSet", Name = "agent", Gateway = "app-gw", Kube = kube, TimeoutSeconds = 60 }, ctx);
        Assert.Equal("Annotated", r!.Action);
        Assert.True(r.RolledOut);
        Assert.Equal(new[] { "default/agent-manual" }, r.BarePods);
        Assert.Contains(ctx.Warnings, w => w.Contains("default/agent-manual", StringComparison.Ordinal) && w.Contains("recreate", StringComparison.Ordinal));
        Assert.Null(f.Emu.World.GetPod("standard-lb", "default", "agent-manual")!["metadata"]!["annotations"]?[GatewayService.Annotation]);
    }

    private sealed class DecliningContext : IOperationContext
    {
        public List<string> Asked { get; } = new();
        public CancellationToken CancellationToken => default;
        public void WriteVerbose(string message) { }
        public void WriteDebug(string message) { }
        public void WriteWarning(string message) { }
        public void WriteProgress(ProgressUpdate update) { }
        public bool ShouldProcess(string target, string action) { Asked.Add(action); return false; }
    }

    private sealed class RecordingContext : IOperationContext
    {
        public List<string> Warnings { get; } = new();
        public CancellationToken CancellationToken => default;
        public void WriteVerbose(string message) { }
        public void WriteDebug(string message) { }
        public void WriteWarning(string message) { lock (Warnings) Warnings.Add(message); }
        public void WriteProgress(ProgressUpdate update) { }
        public bool ShouldProcess(string target, string action) => true;
    }
}
