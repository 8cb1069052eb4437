namespace AksEgress.Emulator;

/// <summary>
/// A minimal controller for apps/v1 workloads (kube-controller-manager's deployment, replicaset, statefulset and daemonset
/// controllers folded into one): pods from the pod template (labels and annotations included, so an annotated template gives
/// annotated pods), a template change replaces every pod of the old template (all at once, not surge by surge), and the
/// status fields kubectl rollout status reads (observedGeneration, replicas, updatedReplicas, readyReplicas,
/// availableReplicas; the StatefulSet revisions; the DaemonSet's numbers). Deployment pods are owned by a ReplicaSet named
/// &lt;deployment&gt;-&lt;pod-template-hash&gt; that the emulator does not serve.
/// </summary>
internal sealed partial class K8sSimulation
{
    private const int WorkloadPollMilliseconds = 50;

    public void WorkloadChanged(Cluster c, string kind, JsonObject workload) => Later(0, () => ReconcileWorkload(c, kind, workload));

    /// <summary>A workload was deleted: its pods go too (background cascading deletion). Caller holds Sync.</summary>
    public void WorkloadDeleted(Cluster c, string kind, JsonObject workload)
    {
        foreach (var pod in OwnedPods(c, kind, workload).ToList()) DeletePodGracefully(c, pod);
    }

    /// <summary>A pod was deleted: the workloads of its namespace recreate what they miss. Caller holds Sync.</summary>
    public void PodRemoved(Cluster c, JsonObject pod)
    {
        if (JsonUtil.Get(pod, "metadata", "ownerReferences") is not JsonArray { Count: > 0 }) return;
        var ns = JsonUtil.S(pod, "metadata", "namespace");
        foreach (var kind in new[] { "Deployment", "StatefulSet", "DaemonSet" })
            foreach (var w0 in c.K8s.Store(kind).Values.Where(x => JsonUtil.S(x, "metadata", "namespace") == ns).ToList())
                WorkloadChanged(c, kind, JsonUtil.Clone(w0));
    }

    internal static string TemplateHash(JsonObject workload) => Det.Hex("template/" + JsonUtil.Str(JsonUtil.Get(workload, "spec", "template")), 10);

    private static string HashLabel(string kind) => kind == "Deployment" ? "pod-template-hash" : "controller-revision-hash";

    private static string HashValue(string kind, JsonObject workload) =>
        kind == "Deployment" ? TemplateHash(workload) : JsonUtil.S(workload, "metadata", "name") + "-" + TemplateHash(workload);

    /// <summary>The pods a workload controls (any template revision), terminating ones included. Caller holds Sync.</summary>
    private static IEnumerable<JsonObject> OwnedPods(Cluster c, string kind, JsonObject workload)
    {
        var ns = JsonUtil.S(workload, "metadata", "namespace");
        var name = JsonUtil.S(workload, "metadata", "name");
        var uid = JsonUtil.S(workload, "metadata", "uid");
        return c.K8s.Pods.Values.Where(p => JsonUtil.S(p, "metadata", "namespace") == ns && (JsonUtil.Get(p, "metadata", "ownerReferences") as JsonArray)?.OfType<JsonObject>().Any(o =>
            JsonUtil.Bool(o["controller"]) == true && (kind == "Deployment"
                ? JsonUtil.S(o, "kind") == "ReplicaSet" && JsonUtil.S(o, "name") == name + "-" + JsonUtil.S(p, "metadata", "labels", "pod-template-hash")
                  && JsonUtil.S(o, "uid") == Det.Guid($"rs/{uid}/{JsonUtil.S(p, "metadata", "labels", "pod-template-hash")}").ToString()
                : JsonUtil.S(o, "kind") == kind && JsonUtil.S(o, "uid") == uid)) == true);
    }

    private static bool Terminating(JsonObject pod) => JsonUtil.Get(pod, "metadata", "deletionTimestamp") is not null;

    private static bool PodReady(JsonObject pod) =>
        (JsonUtil.Get(pod, "status", "conditions") as JsonArray)?.OfType<JsonObject>().Any(x => JsonUtil.S(x, "type") == "Ready" && JsonUtil.S(x, "status") == "True") == true;

    /// <summary>Deletes a pod as the API does without a grace period override (kubelet ends it after the termination delay). Caller holds Sync.</summary>
    private void DeletePodGracefully(Cluster c, JsonObject pod)
    {
        if (Terminating(pod)) return;
        if (JsonUtil.S(pod, "spec", "nodeName") is null)
        {
            var key = Key(pod);
            c.K8s.PodRuntimes.Remove(key);
            c.K8s.DeletedPods.Add(key);
            w.Commit(c.K8s, "Pod", "DELETED", pod);
            return;
        }
        var md = JsonUtil.Obj(pod, "metadata");
        md["deletionTimestamp"] = DateTime.UtcNow.AddSeconds(30).ToString("yyyy-MM-ddTHH:mm:ssZ");
        md["deletionGracePeriodSeconds"] = 30;
        w.Commit(c.K8s, "Pod", "MODIFIED", pod);
        PodDeleting(c, JsonUtil.Clone(pod), w.Options.PodTerminationDelayMilliseconds);
    }

    private void ReconcileWorkload(Cluster c, string kind, JsonObject snap)
    {
        if (!Alive(c, snap, kind, out var wl)) return;
        var ns = JsonUtil.S(wl, "metadata", "namespace")!;
        var name = JsonUtil.S(wl, "metadata", "name")!;
        var uid = JsonUtil.S(wl, "metadata", "uid")!;
        var hash = HashValue(kind, wl);
        var hashLabel = HashLabel(kind);
        var template = (JsonObject)JsonUtil.Get(wl, "spec", "template")!;

        // The nodes a DaemonSet runs on: every node its pod would schedule to (gateway nodes are tainted, so not there).
        var probe = new JsonObject { ["spec"] = template["spec"]!.DeepClone() };
        var dsNodes = kind == "DaemonSet"
            ? c.K8s.NodeNames.Where(n => c.K8s.Nodes.TryGetValue(n, out var node) && Schedulable(node, probe)
                && (probe["spec"]!["nodeSelector"] as JsonObject)?.All(kv => JsonUtil.S(node, "metadata", "labels", kv.Key) == kv.Value?.ToString()) != false).ToList()
            : new List<string>();
        var desired = kind == "DaemonSet" ? dsNodes.Count : JsonUtil.Int(JsonUtil.Get(wl, "spec", "replicas")) ?? 1;

        var owned = OwnedPods(c, kind, wl).ToList();
        foreach (var old in owned.Where(p => !Terminating(p) && JsonUtil.S(p, "metadata", "labels", hashLabel) != hash).ToList())
            DeletePodGracefully(c, old);
        var current = owned.Where(p => !Terminating(p) && JsonUtil.S(p, "metadata", "labels", hashLabel) == hash).ToList();
        foreach (var extra in current.Skip(desired).ToList()) { DeletePodGracefully(c, extra); current.Remove(extra); }

        var toCreate = new List<(string Name, string? Node)>();
        if (kind == "StatefulSet")
        {
            for (var i = 0; i < desired; i++)
            {
                var podName = $"{name}-{i}";
                if (!c.K8s.Pods.ContainsKey(ns + "/" + podName)) toCreate.Add((podName, null));   // the old pod of that ordinal must be gone first
            }
        }
        else if (kind == "DaemonSet")
        {
            foreach (var n in dsNodes.Where(n => !current.Any(p => JsonUtil.S(p, "spec", "nodeName") == n)))
                toCreate.Add(($"{name}-{Det.Hex(Guid.NewGuid().ToString(), 5)}", n));
        }
        else
            for (var i = current.Count; i < desired; i++) toCreate.Add(($"{name}-{hash}-{Det.Hex(Guid.NewGuid().ToString(), 5)}", null));

        foreach (var (podName, node) in toCreate)
        {
            var pod = NewPodFromTemplate(c, kind, wl, template, hashLabel, hash, podName, node);
            w.Commit(c.K8s, "Pod", "ADDED", pod);
            PodCreated(c, JsonUtil.Clone(pod));
            current.Add(pod);
        }
        if (toCreate.Count > 0)
            w.RecordEvent(c.K8s, wl, "Normal", kind == "Deployment" ? "ScalingReplicaSet" : "SuccessfulCreate",
                kind == "Deployment" ? $"Scaled up replica set {name}-{hash} to {desired}" : $"create Pod {toCreate[0].Name} in {kind} {name} successful",
                kind == "Deployment" ? "deployment-controller" : kind.ToLowerInvariant() + "-controller");

        // Status, from the live pods.
        var active = OwnedPods(c, kind, wl).Where(p => !Terminating(p)).ToList();
        var updated = active.Where(p => JsonUtil.S(p, "metadata", "labels", hashLabel) == hash).ToList();
        var ready = active.Count(PodReady);
        var updatedReady = updated.Count(PodReady);
        var generation = JsonUtil.Int(JsonUtil.Get(wl, "metadata", "generation")) ?? 1;
        var done = updated.Count == desired && updatedReady == desired && active.Count == desired
                   && !OwnedPods(c, kind, wl).Any(Terminating);
        var status = new JsonObject { ["observedGeneration"] = generation };
        switch (kind)
        {
            case "Deployment":
                status["replicas"] = active.Count;
                status["updatedReplicas"] = updated.Count;
                status["readyReplicas"] = ready;
                status["availableReplicas"] = ready;
                if (desired - ready > 0) status["unavailableReplicas"] = desired - ready;
                var now = JsonUtil.Now();
                status["conditions"] = new JsonArray(
                    new JsonObject { ["type"] = "Available", ["status"] = ready >= desired ? "True" : "False", ["lastUpdateTime"] = now, ["lastTransitionTime"] = now,
                        ["reason"] = ready >= desired ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
                        ["message"] = ready >= desired ? "Deployment has minimum availability." : "Deployment does not have minimum availability." },
                    new JsonObject { ["type"] = "Progressing", ["status"] = "True", ["lastUpdateTime"] = now, ["lastTransitionTime"] = now,
                        ["reason"] = done ? "NewReplicaSetAvailable" : "ReplicaSetUpdated",
                        ["message"] = done ? $"ReplicaSet \"{name}-{hash}\" has successfully progressed." : $"ReplicaSet \"{name}-{hash}\" is progressing." });
                break;
            case "StatefulSet":
                status["replicas"] = active.Count;
                status["readyReplicas"] = ready;
                status["currentReplicas"] = done ? updated.Count : active.Count - updated.Count;
                status["updatedReplicas"] = updated.Count;
                status["availableReplicas"] = ready;
                var previous = JsonUtil.S(wl, "status", "currentRevision");
                status["currentRevision"] = done || previous is null ? hash : previous;
                status["updateRevision"] = hash;
                status["collisionCount"] = 0;
                break;
            case "DaemonSet":
                status["currentNumberScheduled"] = active.Count;
                status["desiredNumberScheduled"] = desired;
                status["numberMisscheduled"] = 0;
                status["numberReady"] = ready;
                status["updatedNumberScheduled"] = updated.Count;
                status["numberAvailable"] = ready;
                if (desired - ready > 0) status["numberUnavailable"] = desired - ready;
                break;
        }
        var before = JsonUtil.Get(wl, "status") as JsonObject;
        if (!SameStatus(before, status))
        {
            wl["status"] = status;
            w.Commit(c.K8s, kind, "MODIFIED", wl);
        }
        if (!done) Later(Math.Max(WorkloadPollMilliseconds, w.Options.PodStartDelayMilliseconds), () => ReconcileWorkload(c, kind, snap));
    }

    /// <summary>Equal but for the conditions' timestamps (a resync that changes nothing writes nothing).</summary>
    private static bool SameStatus(JsonObject? a, JsonObject b)
    {
        static string Strip(JsonObject? o)
        {
            var x = o is null ? new JsonObject() : JsonUtil.Clone(o);
            foreach (var cond in (x["conditions"] as JsonArray)?.OfType<JsonObject>() ?? Enumerable.Empty<JsonObject>()) { cond.Remove("lastUpdateTime"); cond.Remove("lastTransitionTime"); }
            return JsonUtil.Str(x);
        }
        return Strip(a) == Strip(b);
    }

    private static JsonObject NewPodFromTemplate(Cluster c, string kind, JsonObject wl, JsonObject template, string hashLabel, string hash, string podName, string? node)
    {
        var wmd = (JsonObject)wl["metadata"]!;
        var labels = JsonUtil.Get(template, "metadata", "labels") is JsonObject l ? JsonUtil.Clone(l) : new JsonObject();
        labels[hashLabel] = hash;
        if (kind == "StatefulSet") labels["statefulset.kubernetes.io/pod-name"] = podName;
        var owner = kind == "Deployment"
            ? new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = "ReplicaSet", ["name"] = $"{JsonUtil.S(wmd, "name")}-{hash}", ["uid"] = Det.Guid($"rs/{JsonUtil.S(wmd, "uid")}/{hash}").ToString(), ["controller"] = true, ["blockOwnerDeletion"] = true }
            : new JsonObject { ["apiVersion"] = "apps/v1", ["kind"] = kind, ["name"] = JsonUtil.S(wmd, "name"), ["uid"] = JsonUtil.S(wmd, "uid"), ["controller"] = true, ["blockOwnerDeletion"] = true };
        var md = new JsonObject
        {
            ["name"] = podName, ["namespace"] = JsonUtil.S(wmd, "namespace"), ["uid"] = Guid.NewGuid().ToString(), ["creationTimestamp"] = JsonUtil.Now(),
            ["labels"] = labels, ["ownerReferences"] = new JsonArray(owner),
        };
        if (kind != "StatefulSet") md["generateName"] = kind == "Deployment" ? $"{JsonUtil.S(wmd, "name")}-{hash}-" : $"{JsonUtil.S(wmd, "name")}-";
        if (JsonUtil.Get(template, "metadata", "annotations") is JsonObject ann && ann.Count > 0) md["annotations"] = JsonUtil.Clone(ann);
        var pod = new JsonObject { ["kind"] = "Pod", ["apiVersion"] = "v1", ["metadata"] = md, ["spec"] = template["spec"]!.DeepClone() };
        if (node is not null) JsonUtil.Obj(pod, "spec")["nodeName"] = node;
        if (kind == "StatefulSet") { JsonUtil.Obj(pod, "spec")["hostname"] = podName; }
        K8sApi.ApplyPodDefaults(pod);
        HttpProxyInjection.Inject(c, pod);
        return pod;
    }
}
