using System.Text.Json.Nodes;
using AksEgress.Engine.StaticEgressGateway;
using AksEgress.Models;
using k8s;
using Xunit;

namespace AksEgress.Tests.StaticEgressGateway;

public class GatewayWorkloadRulesTests
{
    private static JsonObject W(string json) => JsonNode.Parse(json)!.AsObject();

    [Theory]
    [InlineData("""{"metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":1,"replicas":2,"updatedReplicas":2,"availableReplicas":2}}""", false, "waiting for the controller")]
    [InlineData("""{"metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":2,"replicas":2,"updatedReplicas":1,"availableReplicas":1}}""", false, "1 of 2 new pods updated")]
    [InlineData("""{"metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":2,"replicas":3,"updatedReplicas":2,"availableReplicas":2}}""", false, "1 old pod(s) pending termination")]
    [InlineData("""{"metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":2,"replicas":2,"updatedReplicas":2,"availableReplicas":1}}""", false, "1 of 2 updated pods available")]
    [InlineData("""{"metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":2,"replicas":2,"updatedReplicas":2,"readyReplicas":2,"availableReplicas":2}}""", true, "rolled out")]
    [InlineData("""{"metadata":{"generation":1},"spec":{"replicas":0},"status":{"observedGeneration":1}}""", true, "rolled out")]
    public void Deployment_rollout_is_read_as_kubectl_reads_it(string json, bool done, string message)
    {
        var r = GatewayWorkloadService.Rollout("Deployment", W(json));
        Assert.Equal(done, r.Done);
        Assert.Equal(message, r.Message.StartsWith("waiting", StringComparison.Ordinal) ? "waiting for the controller" : r.Message);
    }

    [Fact]
    public void Progress_deadline_exceeded_ends_the_wait()
    {
        var r = GatewayWorkloadService.Rollout("Deployment", W("""{"metadata":{"generation":1},"spec":{"replicas":1},"status":{"observedGeneration":1,"replicas":1,"updatedReplicas":1,"conditions":[{"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded","message":"ReplicaSet \"web-1\" has timed out progressing."}]}}"""));
        Assert.False(r.Done);
        Assert.True(r.DeadlineExceeded);
    }

    [Fact]
    public void StatefulSets_are_done_when_the_revisions_meet_and_DaemonSets_when_every_node_runs_an_updated_pod()
    {
        Assert.False(GatewayWorkloadService.Rollout("StatefulSet", W("""{"metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":2,"replicas":2,"readyReplicas":2,"updatedReplicas":1,"currentRevision":"db-a","updateRevision":"db-b"}}""")).Done);
        Assert.True(GatewayWorkloadService.Rollout("StatefulSet", W("""{"metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":2,"replicas":2,"readyReplicas":2,"updatedReplicas":2,"currentRevision":"db-b","updateRevision":"db-b"}}""")).Done);
        Assert.True(GatewayWorkloadService.Rollout("StatefulSet", W("""{"metadata":{"generation":1},"spec":{"replicas":1,"updateStrategy":{"type":"OnDelete"}},"status":{}}""")).OnDelete);
        Assert.False(GatewayWorkloadService.Rollout("DaemonSet", W("""{"metadata":{"generation":3},"spec":{},"status":{"observedGeneration":3,"desiredNumberScheduled":3,"updatedNumberScheduled":2,"numberAvailable":3,"numberReady":3}}""")).Done);
        Assert.True(GatewayWorkloadService.Rollout("DaemonSet", W("""{"metadata":{"generation":3},"spec":{},"status":{"observedGeneration":3,"desiredNumberScheduled":3,"updatedNumberScheduled":3,"numberAvailable":3,"numberReady":3}}""")).Done);
    }

    [Fact]
    public void The_patch_touches_the_pod_template_annotation_only()
    {
        Assert.Equal("""{"spec":{"template":{"metadata":{"annotations":{"kubernetes.azure.com/static-gateway-configuration":"app-gw"}}}}}""", GatewayWorkloadService.AnnotationPatch("app-gw"));
        Assert.Equal("""{"spec":{"template":{"metadata":{"annotations":{"kubernetes.azure.com/static-gateway-configuration":null}}}}}""", GatewayWorkloadService.AnnotationPatch(null));
        Assert.Equal("gw", GatewayWorkloadService.TemplateGateway(W("""{"spec":{"template":{"metadata":{"annotations":{"kubernetes.azure.com/static-gateway-configuration":"gw"}}}}}""")));
        Assert.Null(GatewayWorkloadService.TemplateGateway(W("""{"spec":{"template":{"metadata":{}}}}""")));
        Assert.True(GatewayWorkloadService.HostNetwork(W("""{"spec":{"template":{"spec":{"hostNetwork":true}}}}""")));
        Assert.False(GatewayWorkloadService.HostNetwork(W("""{"spec":{"template":{"spec":{}}}}""")));
    }

    [Theory]
    [InlineData("Pod", null, ErrorIds.InvalidWorkloadKind)]
    [InlineData("ReplicaSet", null, ErrorIds.InvalidWorkloadKind)]
    [InlineData("Deployment", "other", ErrorIds.GatewayNamespaceMismatch)]
    public void Bad_input_fails_before_any_request(string kind, string? gatewayNamespace, string errorId)
    {
        var e = Assert.Throws<AksEgressException>(() => RequestValidation.Validate(new SetEgressGatewayWorkloadRequest { Kind = kind, Name = "web", Namespace = "apps", Gateway = "gw", GatewayNamespace = gatewayNamespace }));
        Assert.Equal(errorId, e.ErrorId);
    }

    [Fact]
    public void A_gateway_is_required_unless_removing()
    {
        Assert.Equal(ErrorIds.ConflictingParameters, Assert.Throws<AksEgressException>(() => RequestValidation.Validate(new SetEgressGatewayWorkloadRequest { Kind = "Deployment", Name = "web" })).ErrorId);
        RequestValidation.Validate(new SetEgressGatewayWorkloadRequest { Kind = "Deployment", Name = "web", Remove = true });
        RequestValidation.Validate(new SetEgressGatewayWorkloadRequest { Kind = "Deployment", Name = "web", Namespace = "apps", Gateway = "gw", GatewayNamespace = "apps" });
    }
}

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
