using System.Diagnostics;
using AksEgress.Engine.Kubernetes;
using AksEgress.Engine.Session;
using k8s;
using k8s.Models;

namespace AksEgress.Engine.StaticEgressGateway;

/// <summary>Where a workload's rollout stands, read the way kubectl rollout status reads it.</summary>
internal sealed record RolloutState(bool Done, int Desired, int Updated, int Ready, string Message, bool OnDelete = false, bool DeadlineExceeded = false);

/// <summary>
/// Set-AksEgressGatewayWorkload: the gateway annotation on the pod template of a Deployment, StatefulSet or DaemonSet (facts
/// §2.6: the CNI reads it from the pod, in the pod's own namespace, when the pod is created), the refusals that keep it from
/// silently doing nothing (hostNetwork, a gateway of another namespace, a gateway that is missing or has no prefix yet), the
/// bare pods it cannot change, and the wait for the rollout that recreates the pods.
/// </summary>
internal sealed class GatewayWorkloadService(SessionService sessions)
{
    internal static readonly string[] Kinds = ["Deployment", "StatefulSet", "DaemonSet"];
    private const int ProgressId = 0x5357;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    public async Task<EgressGatewayWorkload?> SetAsync(SetEgressGatewayWorkloadRequest request, IOperationContext context)
    {
        var s = await sessions.KubeClients.GetSessionAsync(request.Kube, context).ConfigureAwait(false);
        return await SetAsync(s, request, context).ConfigureAwait(false);
    }

    /// <summary>With <paramref name="confirmed"/> the caller has asked ShouldProcess for the whole job (Disable -Force's teardown).</summary>
    internal static async Task<EgressGatewayWorkload?> SetAsync(KubeSession s, SetEgressGatewayWorkloadRequest request, IOperationContext context, bool confirmed = false)
    {
        var ct = context.CancellationToken;
        var (kind, ns, name) = (request.Kind, request.Namespace, request.Name);
        var target = $"{ns}/{name}";
        var workload = await ReadAsync(s, kind, ns, name, ct).ConfigureAwait(false)
            ?? throw new AksEgressException(ErrorIds.WorkloadNotFound, EgressErrorCategory.ObjectNotFound,
                $"There is no {kind} '{name}' in namespace '{ns}' of {s.Describe()}.", target,
                $"Check the name and namespace (kubectl get {kind.ToLowerInvariant()} -n {ns}); bare pods cannot be annotated in place: recreate them with the annotation {GatewayService.Annotation}.");
        var current = TemplateGateway(workload);
        JsonObject? gateway = null;
        if (!request.Remove)
        {
            if (HostNetwork(workload))
                throw new AksEgressException(ErrorIds.HostNetworkWorkload, EgressErrorCategory.InvalidOperation,
                    $"{kind} {target} runs its pods on the host network (spec.template.spec.hostNetwork: true): the gateway's CNI is never called for such pods, so the annotation would change nothing and its traffic would keep leaving from the nodes' egress.",
                    target, "Run the workload without hostNetwork to put it behind the gateway; hostNetwork pods cannot use the Static Egress Gateway.");
            gateway = await GatewayService.GetAsync(s, ns, request.Gateway!, ct).ConfigureAwait(false);
            if (gateway is null)
            {
                var elsewhere = (await GatewayService.ListAllAsync(s, ct).ConfigureAwait(false))
                    .Where(g => g["metadata"]?["name"]?.ToString() == request.Gateway).Select(g => g["metadata"]?["namespace"]?.ToString()).ToList();
                throw new AksEgressException(ErrorIds.GatewayNotFound, EgressErrorCategory.ObjectNotFound,
                    $"There is no StaticGatewayConfiguration '{request.Gateway}' in namespace '{ns}'{(elsewhere.Count > 0 ? $" (there is one in {string.Join(", ", elsewhere)})" : "")}: the gateway's CNI looks the annotation up in the pod's own namespace only, so the {kind}'s new pods would fail to start.",
                    target, $"Create it in namespace '{ns}' first (New-AksEgressGateway -Name {request.Gateway} -Namespace {ns}), then run this again.");
            }
            if (gateway["status"]?["egressIpPrefix"]?.ToString() is not { Length: > 0 })
                throw new AksEgressException(ErrorIds.GatewayNotReady, EgressErrorCategory.ResourceUnavailable,
                    $"StaticGatewayConfiguration {ns}/{request.Gateway} has no egress prefix yet (status.egressIpPrefix is empty): new pods of the {kind} would fail to start until it has one.",
                    target, "Wait until New-AksEgressGateway reports its Prefix (it waits for it), then run this again.");
        }
        var wanted = request.Remove ? null : request.Gateway;
        var action = "Unchanged";
        if (!string.Equals(current, wanted, StringComparison.Ordinal))
        {
            var what = wanted is null
                ? $"Remove the annotation {GatewayService.Annotation}={current} from the pod template of {kind} {target} (its pods are recreated and leave from the cluster's normal egress)"
                : $"Set the annotation {GatewayService.Annotation}={wanted} on the pod template of {kind} {target} (its pods are recreated and leave from {gateway!["status"]?["egressIpPrefix"]})";
            if (!confirmed && !context.ShouldProcess(target, what)) return null;
            await PatchAsync(s, kind, ns, name, AnnotationPatch(wanted), ct).ConfigureAwait(false);
            action = wanted is null ? "Removed" : "Annotated";
            context.WriteVerbose($"{(wanted is null ? "Removed" : "Set")} the gateway annotation on the pod template of {kind} {target}");
        }
        else context.WriteVerbose(wanted is null ? $"{kind} {target} is not on a gateway: nothing to remove" : $"{kind} {target} already names gateway '{wanted}'");

        var bare = await BarePodsAsync(s, ns, workload, wanted ?? current, ct).ConfigureAwait(false);
        if (bare.Count > 0)
            context.WriteWarning($"Pod(s) without a controller are not changed: {string.Join(", ", bare.Take(10))}{(bare.Count > 10 ? ", ..." : "")}. A pod takes the gateway annotation only when it is created: recreate them {(wanted is null ? "without" : "with")} the annotation {GatewayService.Annotation}{(wanted is null ? "" : "=" + wanted)}.");

        RolloutState state;
        var live = action == "Unchanged" ? workload : await ReadAsync(s, kind, ns, name, ct).ConfigureAwait(false) ?? workload;
        state = Rollout(kind, live);
        if (state.OnDelete && action != "Unchanged")
            context.WriteWarning($"{kind} {target} uses updateStrategy OnDelete: its pods get the new template only when they are deleted. Delete them (kubectl delete pod) to put them {(wanted is null ? "off" : "on")} the gateway.");
        else if (!request.NoWait && (action != "Unchanged" || !state.Done))
            state = await WaitForRolloutAsync(s, kind, ns, name, request.TimeoutSeconds, context).ConfigureAwait(false);
        return new EgressGatewayWorkload
        {
            ClusterName = s.ClusterInfo?.ClusterName ?? request.Kube.ClusterInfo?.ClusterName ?? request.Kube.Cluster?.ClusterName,
            ClusterId = s.ClusterInfo?.ClusterId ?? request.Kube.ClusterInfo?.ClusterId,
            Namespace = ns, Kind = kind, Name = name, GatewayName = wanted,
            Prefix = gateway?["status"]?["egressIpPrefix"]?.ToString(),
            Action = action, RolledOut = state.Done, DesiredPods = state.Desired, UpdatedPods = state.Updated, ReadyPods = state.Ready,
            BarePods = new ValueList<string>(bare),
            KubernetesServer = s.Server, KubeConfigPath = s.KubeConfigPath, KubeContext = s.KubeContext,
        };
    }

    /// <summary>Every workload of the cluster whose pod template names a gateway: (kind, namespace, name, gateway).</summary>
    internal static async Task<IReadOnlyList<(string Kind, string Namespace, string Name, string Gateway)>> AnnotatedWorkloadsAsync(KubeSession s, CancellationToken ct)
    {
        var found = new List<(string, string, string, string)>();
        try
        {
            IEnumerable<object> all = (await s.Client.AppsV1.ListDeploymentForAllNamespacesAsync(cancellationToken: ct).ConfigureAwait(false)).Items.Cast<object>()
                .Concat((await s.Client.AppsV1.ListStatefulSetForAllNamespacesAsync(cancellationToken: ct).ConfigureAwait(false)).Items)
                .Concat((await s.Client.AppsV1.ListDaemonSetForAllNamespacesAsync(cancellationToken: ct).ConfigureAwait(false)).Items);
            foreach (var o in all)
            {
                var node = ToNode(o);
                var kind = o switch { V1Deployment => "Deployment", V1StatefulSet => "StatefulSet", _ => "DaemonSet" };
                if (TemplateGateway(node) is { } gw)
                    found.Add((kind, node["metadata"]?["namespace"]?.ToString() ?? "default", node["metadata"]?["name"]?.ToString() ?? "", gw));
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException) { throw KubeErrors.Map(ex, "workloads", s.Server, ct); }
        return found;
    }

    private static JsonObject ToNode(object o) => (JsonObject)JsonNode.Parse(KubernetesJson.Serialize(o))!;

    internal static string? TemplateGateway(JsonObject workload) =>
        workload["spec"]?["template"]?["metadata"]?["annotations"]?[GatewayService.Annotation]?.ToString() is { Length: > 0 } v ? v : null;

    internal static bool HostNetwork(JsonObject workload) =>
        workload["spec"]?["template"]?["spec"]?["hostNetwork"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    /// <summary>The strategic merge patch that sets (or, with null, removes) the annotation on the pod template only.</summary>
    internal static string AnnotationPatch(string? gateway) =>
        new JsonObject { ["spec"] = new JsonObject { ["template"] = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [GatewayService.Annotation] = gateway } } } } }.ToJsonString();

    /// <summary>kubectl rollout status's reading of a workload's status.</summary>
    internal static RolloutState Rollout(string kind, JsonObject w)
    {
        static int I(JsonNode? n) => n is JsonValue v && v.TryGetValue<int>(out var i) ? i : n is JsonValue l && l.TryGetValue<long>(out var x) ? (int)x : 0;
        var spec = w["spec"]; var status = w["status"];
        var generation = I(w["metadata"]?["generation"]);
        var observed = I(status?["observedGeneration"]);
        var strategy = (kind == "Deployment" ? spec?["strategy"]?["type"] : spec?["updateStrategy"]?["type"])?.ToString();
        if (kind == "DaemonSet")
        {
            var desired = I(status?["desiredNumberScheduled"]); var updated = I(status?["updatedNumberScheduled"]); var ready = I(status?["numberReady"]);
            if (strategy == "OnDelete") return new(false, desired, updated, ready, "updateStrategy OnDelete", OnDelete: true);
            if (observed < generation) return new(false, desired, updated, ready, "waiting for the controller to see the change");
            if (updated < desired) return new(false, desired, updated, ready, $"{updated} of {desired} updated pods scheduled");
            if (I(status?["numberAvailable"]) < desired) return new(false, desired, updated, ready, $"{I(status?["numberAvailable"])} of {desired} updated pods available");
            return new(true, desired, updated, ready, "rolled out");
        }
        var replicas = spec?["replicas"] is null ? 1 : I(spec["replicas"]);
        var upd = I(status?["updatedReplicas"]); var rdy = I(status?["readyReplicas"]);
        if (kind == "StatefulSet")
        {
            if (strategy == "OnDelete") return new(false, replicas, upd, rdy, "updateStrategy OnDelete", OnDelete: true);
            if (observed == 0 || observed < generation) return new(false, replicas, upd, rdy, "waiting for the controller to see the change");
            if (rdy < replicas) return new(false, replicas, upd, rdy, $"{rdy} of {replicas} pods ready");
            if (status?["updateRevision"]?.ToString() != status?["currentRevision"]?.ToString()) return new(false, replicas, upd, rdy, $"{upd} of {replicas} pods updated");
            return new(true, replicas, upd, rdy, "rolled out");
        }
        if (observed < generation) return new(false, replicas, upd, rdy, "waiting for the controller to see the change");
        var progressing = (status?["conditions"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(c => c["type"]?.ToString() == "Progressing");
        if (progressing?["reason"]?.ToString() == "ProgressDeadlineExceeded")
            return new(false, replicas, upd, rdy, $"exceeded its progress deadline: {progressing["message"]}", DeadlineExceeded: true);
        if (upd < replicas) return new(false, replicas, upd, rdy, $"{upd} of {replicas} new pods updated");
        var total = I(status?["replicas"]);
        if (total > upd) return new(false, replicas, upd, rdy, $"{total - upd} old pod(s) pending termination");
        var available = I(status?["availableReplicas"]);
        if (available < upd) return new(false, replicas, upd, rdy, $"{available} of {upd} updated pods available");
        return new(true, replicas, upd, rdy, "rolled out");
    }

    private static async Task<RolloutState> WaitForRolloutAsync(KubeSession s, string kind, string ns, string name, int timeoutSeconds, IOperationContext context)
    {
        var ct = context.CancellationToken;
        var sw = Stopwatch.StartNew();
        var activity = $"Waiting for {kind} {ns}/{name} to roll out";
        try
        {
            while (true)
            {
                var w = await ReadAsync(s, kind, ns, name, ct).ConfigureAwait(false)
                    ?? throw new AksEgressException(ErrorIds.WorkloadNotFound, EgressErrorCategory.ObjectNotFound,
                        $"{kind} {ns}/{name} disappeared while waiting for its rollout.", $"{ns}/{name}", "Check who deletes it.");
                var state = Rollout(kind, w);
                if (state.Done) return state;
                if (state.DeadlineExceeded || sw.Elapsed.TotalSeconds >= timeoutSeconds)
                    throw new AksEgressException(ErrorIds.WorkloadRolloutTimeout, EgressErrorCategory.OperationTimeout,
                        $"{kind} {ns}/{name} did not roll out {(state.DeadlineExceeded ? "" : $"within {timeoutSeconds} s ")}({state.Message}).{await PodWarningsAsync(s, ns, w).ConfigureAwait(false)}",
                        $"{ns}/{name}", "The annotation is set; check the new pods (kubectl describe pod): FailedCreatePodSandBox from the gateway's CNI names a missing or unready gateway. Increase -TimeoutSeconds for slow rollouts.");
                context.WriteProgress(new ProgressUpdate(ProgressId, activity, $"{state.Message} ({(int)sw.Elapsed.TotalSeconds} s)", state.Desired == 0 ? -1 : Math.Min(99, 100 * Math.Min(state.Updated, state.Ready) / state.Desired)));
                await Task.Delay(Poll, ct).ConfigureAwait(false);
            }
        }
        finally { context.WriteProgress(new ProgressUpdate(ProgressId, activity, "Done", 100, Completed: true)); }
    }

    /// <summary>The newest Warning events of the workload's pods (why new pods do not start).</summary>
    private static async Task<string> PodWarningsAsync(KubeSession s, string ns, JsonObject workload)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            var selector = Selector(workload);
            var pods = (await s.Client.CoreV1.ListNamespacedPodAsync(ns, labelSelector: selector, cancellationToken: cts.Token).ConfigureAwait(false)).Items.Select(p => p.Metadata.Name).ToHashSet();
            var events = await s.Client.CoreV1.ListNamespacedEventAsync(ns, cancellationToken: cts.Token).ConfigureAwait(false);
            var warnings = events.Items.Where(e => e.Type == "Warning" && e.InvolvedObject?.Kind == "Pod" && pods.Contains(e.InvolvedObject.Name))
                .OrderByDescending(e => e.LastTimestamp ?? e.EventTime).Select(e => $"{e.Reason}: {Redaction.Text(e.Message)}").Distinct().Take(3).ToList();
            return warnings.Count == 0 ? "" : " Pod events: " + string.Join("; ", warnings) + ".";
        }
        catch (Exception) { return ""; }
    }

    private static string? Selector(JsonObject workload) =>
        workload["spec"]?["selector"]?["matchLabels"] is JsonObject m && m.Count > 0 ? string.Join(",", m.Select(kv => $"{kv.Key}={kv.Value}")) : null;

    /// <summary>Pods with no controller in the namespace that carry the gateway's annotation or match the workload's selector.</summary>
    private static async Task<IReadOnlyList<string>> BarePodsAsync(KubeSession s, string ns, JsonObject workload, string? gateway, CancellationToken ct)
    {
        V1PodList pods;
        try { pods = await s.Client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: ct).ConfigureAwait(false); }
        catch (Exception ex) when (ex is not OperationCanceledException) { throw KubeErrors.Map(ex, "pods", s.Server, ct); }
        var match = workload["spec"]?["selector"]?["matchLabels"] as JsonObject;
        return pods.Items.Where(p => p.Metadata.DeletionTimestamp is null && p.Metadata.OwnerReferences?.Any(o => o.Controller == true) != true)
            .Where(p => (gateway is not null && p.Metadata.Annotations?.TryGetValue(GatewayService.Annotation, out var v) == true && v == gateway)
                        || (match is { Count: > 0 } && match.All(kv => p.Metadata.Labels?.TryGetValue(kv.Key, out var l) == true && l == kv.Value?.ToString())))
            .Select(p => $"{ns}/{p.Metadata.Name}").OrderBy(x => x, StringComparer.Ordinal).ToList();
    }

    internal static async Task<JsonObject?> ReadAsync(KubeSession s, string kind, string ns, string name, CancellationToken ct)
    {
        try
        {
            object o = kind switch
            {
                "Deployment" => await s.Client.AppsV1.ReadNamespacedDeploymentAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
                "StatefulSet" => await s.Client.AppsV1.ReadNamespacedStatefulSetAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
                _ => await s.Client.AppsV1.ReadNamespacedDaemonSetAsync(name, ns, cancellationToken: ct).ConfigureAwait(false),
            };
            return ToNode(o);
        }
        catch (Exception ex) when (KubeErrors.IsStatus(ex, 404)) { return null; }
        catch (Exception ex) when (ex is not OperationCanceledException) { throw KubeErrors.Map(ex, $"{ns}/{name}", s.Server, ct); }
    }

    private static async Task PatchAsync(KubeSession s, string kind, string ns, string name, string patch, CancellationToken ct)
    {
        var body = new V1Patch(patch, V1Patch.PatchType.StrategicMergePatch);
        try
        {
            switch (kind)
            {
                case "Deployment": await s.Client.AppsV1.PatchNamespacedDeploymentAsync(body, name, ns, cancellationToken: ct).ConfigureAwait(false); break;
                case "StatefulSet": await s.Client.AppsV1.PatchNamespacedStatefulSetAsync(body, name, ns, cancellationToken: ct).ConfigureAwait(false); break;
                default: await s.Client.AppsV1.PatchNamespacedDaemonSetAsync(body, name, ns, cancellationToken: ct).ConfigureAwait(false); break;
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException) { throw KubeErrors.Map(ex, $"{ns}/{name}", s.Server, ct); }
    }
}
