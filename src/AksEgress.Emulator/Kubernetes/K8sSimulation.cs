using System.Threading.Channels;

namespace AksEgress.Emulator;

/// <summary>Service controller (cloud-provider-azure) and kubelet simulation.</summary>
internal sealed partial class K8sSimulation(EmulatorWorld w, CancellationToken stopping)
{
    private const string Finalizer = "service.kubernetes.io/load-balancer-cleanup";
    private const string AnnIpv4 = "service.beta.kubernetes.io/azure-load-balancer-ipv4";
    private const string AnnRg = "service.beta.kubernetes.io/azure-load-balancer-resource-group";
    private const string AnnPipName = "service.beta.kubernetes.io/azure-pip-name";

    private void Later(int ms, Action action)
    {
        _ = Task.Run(async () =>
        {
            try { await Task.Delay(Math.Max(0, ms), stopping); } catch (OperationCanceledException) { return; }
            try { lock (w.Sync) action(); } catch (Exception ex) { Console.Error.WriteLine("emulator simulation error: " + ex); }
        });
    }

    // The service controller works through one FIFO queue per cluster (like its workqueue), so frontends are created in the order
    // the Services were created/changed even when reconciles are due at the same time.
    private readonly Dictionary<Cluster, Channel<(DateTime Due, Action Act)>> _queues = new();

    private void Enqueue(Cluster c, int ms, Action action)
    {
        Channel<(DateTime, Action)> ch;
        lock (_queues)
        {
            if (!_queues.TryGetValue(c, out ch!))
            {
                foreach (var stale in _queues.Keys.Where(k => !ReferenceEquals(w.Clusters.GetValueOrDefault(k.Name), k)).ToList())
                { _queues[stale].Writer.TryComplete(); _queues.Remove(stale); }
                ch = Channel.CreateUnbounded<(DateTime, Action)>();
                _queues[c] = ch;
                _ = Task.Run(() => Worker(ch));
            }
        }
        ch.Writer.TryWrite((DateTime.UtcNow.AddMilliseconds(Math.Max(0, ms)), action));
    }

    private async Task Worker(Channel<(DateTime Due, Action Act)> ch)
    {
        try
        {
            await foreach (var (due, act) in ch.Reader.ReadAllAsync(stopping))
            {
                var wait = due - DateTime.UtcNow;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, stopping);
                try { lock (w.Sync) act(); } catch (Exception ex) { Console.Error.WriteLine("emulator service-controller error: " + ex); }
            }
        }
        catch (OperationCanceledException) { }
    }

    private static string Key(JsonObject o) => JsonUtil.S(o, "metadata", "namespace") + "/" + JsonUtil.S(o, "metadata", "name");

    private bool Alive(Cluster c, JsonObject snapshotOrLive, string kind, out JsonObject live)
    {
        live = null!;
        if (!w.Clusters.TryGetValue(c.Name, out var cur) || !ReferenceEquals(cur, c)) return false;
        if (!c.K8s.Store(kind).TryGetValue(Key(snapshotOrLive), out var l)) return false;
        if (JsonUtil.S(l, "metadata", "uid") != JsonUtil.S(snapshotOrLive, "metadata", "uid")) return false;
        live = l;
        return true;
    }

    // ------------------------------------------------------------------ services
    public void ServiceChanged(Cluster c, JsonObject svc) => Enqueue(c, w.Options.LoadBalancerDelayMilliseconds, () => ReconcileService(c, svc));

    private void ReconcileService(Cluster c, JsonObject snapshot)
    {
        if (!Alive(c, snapshot, "Service", out var svc)) return;
        if (JsonUtil.Get(svc, "metadata", "deletionTimestamp") is not null) return;
        var key = Key(svc);
        var type = JsonUtil.S(svc, "spec", "type") ?? "ClusterIP";
        if (type != "LoadBalancer")
        {
            if (c.Frontends.Any(f => f.ServiceKey == key) || HasFinalizer(svc))
            {
                ReleaseFrontend(c, key);
                RemoveFinalizer(svc);
                ((JsonObject)svc["status"]!)["loadBalancer"] = new JsonObject();
                w.Commit(c.K8s, "Service", "MODIFIED", svc);
                w.RecordEvent(c.K8s, svc, "Normal", "DeletedLoadBalancer", "Deleted load balancer", "service-controller");
            }
            return;
        }
        if (!HasFinalizer(svc))
        {
            JsonUtil.Arr(JsonUtil.Obj(svc, "metadata"), "finalizers").Add(Finalizer);
            w.Commit(c.K8s, "Service", "MODIFIED", svc);
        }
        w.RecordEvent(c.K8s, svc, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer", "service-controller");
        var ann = JsonUtil.Get(svc, "metadata", "annotations") as JsonObject;
        var requestedIp = JsonUtil.S(ann, AnnIpv4);
        if (string.IsNullOrEmpty(requestedIp)) requestedIp = JsonUtil.S(svc, "spec", "loadBalancerIP");
        if (string.IsNullOrEmpty(requestedIp)) requestedIp = null;
        var rg = JsonUtil.S(ann, AnnRg);
        if (string.IsNullOrEmpty(rg)) rg = c.NodeResourceGroup;
        var pipName = JsonUtil.S(ann, AnnPipName);

        string Fail(string msg)
        {
            w.RecordEvent(c.K8s, svc, "Warning", "SyncLoadBalancerFailed", "Error syncing load balancer: failed to ensure load balancer: " + msg, "service-controller");
            return msg;
        }

        if (!rg.Equals(c.NodeResourceGroup, StringComparison.OrdinalIgnoreCase)
            && !w.HasPermissionLocked(c.PrincipalId, "Microsoft.Network/publicIPAddresses/read", w.ResourceGroupScope(rg) + "/providers/Microsoft.Network"))
        {
            var scope = $"/subscriptions/{w.SubscriptionId}/resourceGroups/{rg}/providers/Microsoft.Network";
            Fail("Retriable: false, RetryAfter: 0s, HTTPStatusCode: 403, RawError: {\"error\":{\"code\":\"AuthorizationFailed\",\"message\":\"The client '" + c.PrincipalId + "' with object id '" + c.PrincipalId +
                 "' does not have authorization to perform action 'Microsoft.Network/publicIPAddresses/read' over scope '" + scope + "' or the scope is invalid. If access was recently granted, please refresh your credentials.\"}}");
            return;
        }
        if (!w.ResourceGroups.ContainsKey(rg))
        {
            Fail($"Retriable: false, RetryAfter: 0s, HTTPStatusCode: 404, RawError: {{\"error\":{{\"code\":\"ResourceGroupNotFound\",\"message\":\"Resource group '{rg}' could not be found.\"}}}}");
            return;
        }
        PublicIp? pip = null;
        var auto = false;
        if (!string.IsNullOrEmpty(pipName))
        {
            pip = w.PublicIps.GetValueOrDefault(EmulatorWorld.RgKey(rg, pipName));
            if (pip?.Address is null) { Fail($"PublicIP from annotation azure-pip-name={pipName} for service {JsonUtil.S(svc, "metadata", "name")} doesn't exist"); return; }
            if (requestedIp is not null && pip.Address != requestedIp) { Fail($"user supplied IP address {requestedIp} does not match the IP address {pip.Address} of public IP {pipName}"); return; }
        }
        else if (requestedIp is not null)
        {
            pip = w.PublicIps.Values.FirstOrDefault(p => p.ResourceGroup.Equals(rg, StringComparison.OrdinalIgnoreCase) && p.Address == requestedIp && p.ProvisioningState == "Succeeded");
            if (pip is null) { Fail($"findMatchedPIPByLoadBalancerIP: cannot find public IP with IP address {requestedIp} in resource group {rg}"); return; }
        }
        var existing = c.Frontends.FirstOrDefault(f => f.ServiceKey == key);
        if (pip is null)
        {
            var existingPip = existing is null ? null : w.FindPublicIpById(existing.PublicIpId);
            if (existing is not null && existing.AutoCreated && existingPip is not null) pip = existingPip;
            else
            {
                var uidHex = "a" + (JsonUtil.S(svc, "metadata", "uid") ?? Guid.NewGuid().ToString()).Replace("-", "");
                pip = new PublicIp
                {
                    ResourceGroup = c.NodeResourceGroup, Name = "kubernetes-" + uidHex, Address = w.AllocateAddress(), ManagedByCluster = c.Name,
                    SkuName = c.LoadBalancerSku.Equals("basic", StringComparison.OrdinalIgnoreCase) ? "Basic" : "Standard",
                    Tags = { ["k8s-azure-cluster-name"] = "kubernetes", ["k8s-azure-service"] = key },
                };
                if (pip.SkuName == "Basic") pip.AllocationMethod = "Static";
                w.PublicIps[EmulatorWorld.RgKey(pip.ResourceGroup, pip.Name)] = pip;
                auto = true;
            }
        }
        var pipId = pip.Id(w.SubscriptionId);
        if (existing is not null && !existing.PublicIpId.Equals(pipId, StringComparison.OrdinalIgnoreCase))
        {
            ReleaseFrontend(c, key);
            existing = null;
        }
        if (existing is null)
        {
            existing = new LbFrontend { ServiceKey = key, ServiceUid = JsonUtil.S(svc, "metadata", "uid")!, PublicIpId = pipId, FrontendName = "a" + JsonUtil.S(svc, "metadata", "uid")!.Replace("-", ""), AutoCreated = auto };
            c.Frontends.Add(existing);
        }
        pip.IpConfigurationId = $"/subscriptions/{w.SubscriptionId}/resourceGroups/{c.NodeResourceGroup}/providers/Microsoft.Network/loadBalancers/{(c.LoadBalancerSku == "basic" ? "kubernetes" : "kubernetes")}/frontendIPConfigurations/{existing.FrontendName}";
        var status = JsonUtil.Obj(svc, "status");
        status["loadBalancer"] = new JsonObject { ["ingress"] = new JsonArray(new JsonObject { ["ip"] = pip.Address, ["ipMode"] = "VIP" }) };
        w.Commit(c.K8s, "Service", "MODIFIED", svc);
        w.RecordEvent(c.K8s, svc, "Normal", "EnsuredLoadBalancer", "Ensured load balancer", "service-controller");
    }

    private static bool HasFinalizer(JsonObject svc) => JsonUtil.Get(svc, "metadata", "finalizers") is JsonArray a && a.Any(x => x?.GetValue<string>() == Finalizer);
    private static void RemoveFinalizer(JsonObject svc)
    {
        if (JsonUtil.Get(svc, "metadata", "finalizers") is JsonArray a)
        {
            foreach (var n in a.Where(x => x?.GetValue<string>() == Finalizer).ToList()) a.Remove(n);
            if (a.Count == 0) ((JsonObject)svc["metadata"]!).Remove("finalizers");
        }
    }

    internal void ReleaseFrontend(Cluster c, string serviceKey)
    {
        foreach (var f in c.Frontends.Where(f => f.ServiceKey == serviceKey).ToList())
        {
            c.Frontends.Remove(f);
            var p = w.FindPublicIpById(f.PublicIpId);
            if (p is null) continue;
            if (f.AutoCreated) { w.PublicIps.Remove(EmulatorWorld.RgKey(p.ResourceGroup, p.Name)); w.UsedAddresses.Remove(p.Address ?? ""); }
            else if (p.IpConfigurationId?.EndsWith("/" + f.FrontendName, StringComparison.OrdinalIgnoreCase) == true) p.IpConfigurationId = null;
        }
    }

    public void ServiceDeleting(Cluster c, JsonObject svc) => Enqueue(c, w.Options.LoadBalancerDelayMilliseconds, () =>
    {
        if (!Alive(c, svc, "Service", out var live)) return;
        w.RecordEvent(c.K8s, live, "Normal", "DeletingLoadBalancer", "Deleting load balancer", "service-controller");
        ReleaseFrontend(c, Key(live));
        w.RecordEvent(c.K8s, live, "Normal", "DeletedLoadBalancer", "Deleted load balancer", "service-controller");
        RemoveFinalizer(live);
        w.Commit(c.K8s, "Service", "DELETED", live);
    });

    // ------------------------------------------------------------------ pods
    public void PodCreated(Cluster c, JsonObject pod)
    {
        Later(w.Options.PodStartDelayMilliseconds, () => Schedule(c, pod));
        if (JsonUtil.Int(JsonUtil.Get(pod, "spec", "activeDeadlineSeconds")) is int deadline and > 0)
            Later(deadline * 1000, () => DeadlineExceeded(c, pod));
    }

    private void DeadlineExceeded(Cluster c, JsonObject snap)
    {
        if (!Alive(c, snap, "Pod", out var pod) || JsonUtil.Get(pod, "metadata", "deletionTimestamp") is not null) return;
        var status = JsonUtil.Obj(pod, "status");
        if (JsonUtil.S(status, "phase") is "Succeeded" or "Failed") return;
        status["phase"] = "Failed";
        status["reason"] = "DeadlineExceeded";
        status["message"] = "Pod was active on the node longer than the specified deadline";
        foreach (var cs in (status["containerStatuses"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
        {
            if (JsonUtil.Get(cs, "state", "running") is not null)
                cs["state"] = new JsonObject { ["terminated"] = new JsonObject { ["exitCode"] = 137, ["reason"] = "Error", ["startedAt"] = JsonUtil.S(cs, "state", "running", "startedAt"), ["finishedAt"] = JsonUtil.Now(), ["containerID"] = JsonUtil.S(cs, "containerID") } };
            cs["ready"] = false;
        }
        w.Commit(c.K8s, "Pod", "MODIFIED", pod);
        w.RecordEvent(c.K8s, pod, "Normal", "DeadlineExceeded", "Pod was active on the node longer than the specified deadline", "kubelet");
    }

    private static IEnumerable<JsonObject> Containers(JsonObject pod) =>
        (JsonUtil.Get(pod, "spec", "containers") as JsonArray ?? new JsonArray()).OfType<JsonObject>();

    /// <summary>
    /// Registries the egress path of a restricted cluster lets through. AKS's required outbound rules (the ones an egress firewall
    /// on a userDefinedRouting cluster must allow) cover mcr.microsoft.com and its data endpoints; network-isolated clusters
    /// (outbound type none/block) get MCR through their bootstrap ACR cache. Every other registry is unreachable there.
    /// </summary>
    internal static bool RegistryReachable(Cluster c, string image)
    {
        if (c.OutboundType is not ("userDefinedRouting" or "none" or "block")) return true;
        var host = RegistryHost(image);
        return host == "mcr.microsoft.com" || host.EndsWith(".data.mcr.microsoft.com", StringComparison.Ordinal);
    }

    private static string RegistryHost(string image)
    {
        var first = image.Split('/')[0].ToLowerInvariant();
        var hasRegistry = image.Contains('/') && (first.Contains('.') || first.Contains(':') || first == "localhost");
        return hasRegistry ? first.Split(':')[0] : "registry-1.docker.io";
    }

    private static bool ImageFails(Cluster c, string image) => ImageFails(image) || !RegistryReachable(c, image);

    private static bool ImageFails(string image)
    {
        var img = image.ToLowerInvariant();
        if (img.Contains("doesnotexist")) return true;
        var first = img.Split('/')[0];
        return img.Contains('/') && (first == "invalid.example" || first.StartsWith("invalid.example:"));
    }

    private void Schedule(Cluster c, JsonObject snap)
    {
        if (!Alive(c, snap, "Pod", out var pod) || JsonUtil.Get(pod, "metadata", "deletionTimestamp") is not null) return;
        var spec = JsonUtil.Obj(pod, "spec");
        var status = JsonUtil.Obj(pod, "status");
        var nodeName = JsonUtil.S(spec, "nodeName");
        var total = c.K8s.NodeNames.Count;
        if (nodeName is not null && !c.K8s.Nodes.ContainsKey(nodeName))
        {
            var msg = $"0/{total} nodes are available: {total} node(s) didn't match Pod's node affinity/selector. preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling.";
            status["conditions"] = new JsonArray(new JsonObject { ["type"] = "PodScheduled", ["status"] = "False", ["lastProbeTime"] = null, ["lastTransitionTime"] = JsonUtil.Now(), ["reason"] = "Unschedulable", ["message"] = msg });
            w.Commit(c.K8s, "Pod", "MODIFIED", pod);
            w.RecordEvent(c.K8s, pod, "Warning", "FailedScheduling", msg, "default-scheduler");
            return;
        }
        if (nodeName is null)
        {
            var selector = spec["nodeSelector"] as JsonObject;
            // The scheduler: the node selector, and never a cordoned, not-Ready or NoSchedule-tainted node the pod does not tolerate.
            var candidates = c.K8s.NodeNames.Where(n => c.K8s.Nodes.ContainsKey(n))
                .Where(n => selector is null || selector.All(kv => JsonUtil.S(c.K8s.Nodes[n], "metadata", "labels", kv.Key) == kv.Value?.ToString()))
                .Where(n => Schedulable(c.K8s.Nodes[n], pod)).ToList();
            if (candidates.Count == 0)
            {
                var msg = $"0/{total} nodes are available: {total} node(s) didn't match Pod's node affinity/selector. preemption: 0/{total} nodes are available: {total} Preemption is not helpful for scheduling.";
                status["conditions"] = new JsonArray(new JsonObject { ["type"] = "PodScheduled", ["status"] = "False", ["lastProbeTime"] = null, ["lastTransitionTime"] = JsonUtil.Now(), ["reason"] = "Unschedulable", ["message"] = msg });
                w.Commit(c.K8s, "Pod", "MODIFIED", pod);
                w.RecordEvent(c.K8s, pod, "Warning", "FailedScheduling", msg, "default-scheduler");
                return;
            }
            nodeName = candidates[c.K8s.NextNode++ % candidates.Count];
            spec["nodeName"] = nodeName;
        }
        var node = c.K8s.Nodes[nodeName];
        // Bound with spec.nodeName the scheduler is bypassed; the node's kubelet decides.
        if (!Ready(node))
        {
            // Nobody runs it: the pod stays Pending, bound to the node, with no container status (kubelet is down).
            status["conditions"] = new JsonArray(Cond("PodScheduled", "True"));
            w.Commit(c.K8s, "Pod", "MODIFIED", pod);
            return;
        }
        var selectorOfPod = spec["nodeSelector"] as JsonObject;
        if (selectorOfPod is not null && !selectorOfPod.All(kv => JsonUtil.S(node, "metadata", "labels", kv.Key) == kv.Value?.ToString()))
        {
            // kubelet admission refuses a pod whose node selector the node does not match (a Linux pod on a Windows node).
            status["phase"] = "Failed";
            status["reason"] = "NodeAffinity";
            status["message"] = "Pod was rejected: Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector";
            w.Commit(c.K8s, "Pod", "MODIFIED", pod);
            w.RecordEvent(c.K8s, pod, "Warning", "NodeAffinity", "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector", "kubelet");
            return;
        }
        var nodeIdx = Math.Max(0, c.K8s.NodeNames.IndexOf(nodeName));
        status["conditions"] = new JsonArray(
            Cond("PodReadyToStartContainers", "False"), Cond("Initialized", "True"),
            Cond("Ready", "False", "ContainersNotReady", $"containers with unready status: [{string.Join(" ", Containers(pod).Select(x => JsonUtil.S(x, "name")))}]"),
            Cond("ContainersReady", "False", "ContainersNotReady", $"containers with unready status: [{string.Join(" ", Containers(pod).Select(x => JsonUtil.S(x, "name")))}]"),
            Cond("PodScheduled", "True"));
        status["hostIP"] = $"10.224.0.{4 + nodeIdx}";
        status["hostIPs"] = new JsonArray(new JsonObject { ["ip"] = $"10.224.0.{4 + nodeIdx}" });
        status["startTime"] = JsonUtil.Now();
        status["containerStatuses"] = new JsonArray(Containers(pod).Select(ct => (JsonNode)new JsonObject
        {
            ["name"] = JsonUtil.S(ct, "name"), ["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ContainerCreating" } },
            ["lastState"] = new JsonObject(), ["ready"] = false, ["restartCount"] = 0, ["image"] = JsonUtil.S(ct, "image"), ["imageID"] = "", ["started"] = false,
        }).ToArray());
        w.Commit(c.K8s, "Pod", "MODIFIED", pod);
        w.RecordEvent(c.K8s, pod, "Normal", "Scheduled", $"Successfully assigned {JsonUtil.S(pod, "metadata", "namespace")}/{JsonUtil.S(pod, "metadata", "name")} to {nodeName}", "default-scheduler");
        Later(w.Options.PodStartDelayMilliseconds, () => Start(c, pod));
    }

    internal static bool Ready(JsonObject node) =>
        (JsonUtil.Get(node, "status", "conditions") as JsonArray)?.OfType<JsonObject>().Any(c => JsonUtil.S(c, "type") == "Ready" && JsonUtil.S(c, "status") == "True") == true;

    private static bool Schedulable(JsonObject node, JsonObject pod)
    {
        if (!Ready(node) || JsonUtil.Bool(JsonUtil.Get(node, "spec", "unschedulable")) == true) return false;
        var tolerations = (JsonUtil.Get(pod, "spec", "tolerations") as JsonArray)?.OfType<JsonObject>().ToList() ?? new List<JsonObject>();
        foreach (var t in (JsonUtil.Get(node, "spec", "taints") as JsonArray)?.OfType<JsonObject>() ?? Enumerable.Empty<JsonObject>())
        {
            if (JsonUtil.S(t, "effect") is not ("NoSchedule" or "NoExecute")) continue;
            var key = JsonUtil.S(t, "key");
            if (!tolerations.Any(x => JsonUtil.S(x, "operator") == "Exists" && (JsonUtil.S(x, "key") is null || JsonUtil.S(x, "key") == key)
                                      || (JsonUtil.S(x, "key") == key && JsonUtil.S(x, "value") == JsonUtil.S(t, "value"))))
                return false;
        }
        return true;
    }

    private static JsonObject Cond(string type, string status, string? reason = null, string? message = null)
    {
        var o = new JsonObject { ["type"] = type, ["status"] = status, ["lastProbeTime"] = null, ["lastTransitionTime"] = JsonUtil.Now() };
        if (reason is not null) o["reason"] = reason;
        if (message is not null) o["message"] = message;
        return o;
    }

    private void Start(Cluster c, JsonObject snap)
    {
        if (!Alive(c, snap, "Pod", out var pod) || JsonUtil.Get(pod, "metadata", "deletionTimestamp") is not null) return;
        var key = Key(pod);
        var rt = c.K8s.PodRuntimes.TryGetValue(key, out var r) ? r : c.K8s.PodRuntimes[key] = new PodRuntime();
        var status = JsonUtil.Obj(pod, "status");
        var statuses = (JsonArray)status["containerStatuses"]!;
        var (gateway, sandboxError) = GatewayOf(c, pod);
        if (sandboxError is not null)
        {
            // The CNI refused the sandbox: the pod stays in ContainerCreating, kubelet retries (facts §2.6).
            w.RecordEvent(c.K8s, pod, "Warning", "FailedCreatePodSandBox", sandboxError, "kubelet");
            return;
        }
        var failing = Containers(pod).Where(ct => ImageFails(c, JsonUtil.S(ct, "image") ?? "")).ToList();
        foreach (var ct in Containers(pod)) w.RecordEvent(c.K8s, pod, "Normal", "Pulling", $"Pulling image \"{JsonUtil.S(ct, "image")}\"", "kubelet");
        if (failing.Count > 0)
        {
            foreach (var ct in failing)
            {
                var image = JsonUtil.S(ct, "image")!;
                var err = PullError(c, image);
                rt.Waiting[JsonUtil.S(ct, "name")!] = "ErrImagePull";
                var cs = statuses.OfType<JsonObject>().First(s => JsonUtil.S(s, "name") == JsonUtil.S(ct, "name"));
                cs["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ErrImagePull", ["message"] = err } };
                w.RecordEvent(c.K8s, pod, "Warning", "Failed", $"Failed to pull image \"{image}\": {err}", "kubelet");
                w.RecordEvent(c.K8s, pod, "Warning", "Failed", "Error: ErrImagePull", "kubelet");
            }
            w.Commit(c.K8s, "Pod", "MODIFIED", pod);
            Later(w.Options.PodStartDelayMilliseconds, () =>
            {
                if (!Alive(c, pod, "Pod", out var p2) || JsonUtil.Get(p2, "metadata", "deletionTimestamp") is not null) return;
                var sts = (JsonArray)JsonUtil.Obj(p2, "status")["containerStatuses"]!;
                foreach (var ct in failing)
                {
                    var image = JsonUtil.S(ct, "image")!;
                    rt.Waiting[JsonUtil.S(ct, "name")!] = "ImagePullBackOff";
                    var cs = sts.OfType<JsonObject>().First(s => JsonUtil.S(s, "name") == JsonUtil.S(ct, "name"));
                    cs["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "ImagePullBackOff", ["message"] = $"Back-off pulling image \"{image}\": ErrImagePull: {PullError(c, image)}" } };
                    w.RecordEvent(c.K8s, p2, "Normal", "BackOff", $"Back-off pulling image \"{image}\"", "kubelet");
                    w.RecordEvent(c.K8s, p2, "Warning", "Failed", "Error: ImagePullBackOff", "kubelet");
                }
                w.Commit(c.K8s, "Pod", "MODIFIED", p2);
            });
            return;
        }
        // All images pull: containers start; the fetch happens now, so the egress decision is taken now.
        var exitCodes = new Dictionary<string, int>();
        var started = JsonUtil.NowFine()[..19] + "Z";
        foreach (var ct in Containers(pod))
        {
            var name = JsonUtil.S(ct, "name")!;
            w.RecordEvent(c.K8s, pod, "Normal", "Pulled", $"Successfully pulled image \"{JsonUtil.S(ct, "image")}\" in 1.204s (1.204s including waiting). Image size: 10871534 bytes.", "kubelet");
            w.RecordEvent(c.K8s, pod, "Normal", "Created", $"Created container: {name}", "kubelet");
            w.RecordEvent(c.K8s, pod, "Normal", "Started", $"Started container {name}", "kubelet");
            var tokens = CommandTokens(ct);
            var url = FindUrl(tokens);
            if (url is null) { rt.Logs[name] = ""; continue; }
            var onAci = JsonUtil.S(c.K8s.Nodes.GetValueOrDefault(JsonUtil.S(pod, "spec", "nodeName") ?? ""), "metadata", "labels", "type") == "virtual-kubelet";
            // Through the cluster's HTTP proxy (the variables AKS injected), the request leaves from the proxy's address.
            var viaProxy = !onAci && c.ProxyEgressAddress is not null && HttpProxyInjection.ProxyOf(ct, tokens, url) is not null;
            var ip = gateway is not null ? GatewayPick(c, gateway) : onAci ? (c.AciEgressAddress ??= w.AllocateAddress()) : viaProxy ? c.ProxyEgressAddress : Egress.Pick(w, c, JsonUtil.S(pod, "spec", "nodeName"));
            if (ip is null)
            {
                var port = url.Scheme == "https" ? 443 : 80;
                rt.Logs[name] = $"curl: (28) Failed to connect to {url.Host} port {port} after 10002 ms: Timeout was reached\n";
                exitCodes[name] = 28;
            }
            else
            {
                var ua = !tokens.Any(t => t.Contains("Mozilla", StringComparison.OrdinalIgnoreCase));
                rt.Logs[name] = Egress.Body(url, ip, ua);
                exitCodes[name] = 0;
            }
        }
        var podIp = $"10.244.{c.K8s.NextPodIp / 250}.{c.K8s.NextPodIp % 250 + 2}";
        c.K8s.NextPodIp++;
        status["phase"] = "Running";
        status["podIP"] = podIp;
        status["podIPs"] = new JsonArray(new JsonObject { ["ip"] = podIp });
        foreach (var cs in statuses.OfType<JsonObject>())
        {
            cs["state"] = new JsonObject { ["running"] = new JsonObject { ["startedAt"] = started } };
            cs["ready"] = true; cs["started"] = true;
            cs["imageID"] = $"{JsonUtil.S(cs, "image")}@sha256:{Det.Hex("img/" + JsonUtil.S(cs, "image"), 64)}";
            cs["containerID"] = "containerd://" + Det.Hex(Guid.NewGuid().ToString(), 64);
        }
        status["conditions"] = new JsonArray(Cond("PodReadyToStartContainers", "True"), Cond("Initialized", "True"), Cond("Ready", "True"), Cond("ContainersReady", "True"), Cond("PodScheduled", "True"));
        w.Commit(c.K8s, "Pod", "MODIFIED", pod);
        if (exitCodes.Count == 0 || exitCodes.Count < Containers(pod).Count()) return;   // long-running container(s)
        Later(w.Options.PodStartDelayMilliseconds, () => Finish(c, pod, exitCodes, started));
    }

    private void Finish(Cluster c, JsonObject snap, Dictionary<string, int> exitCodes, string started)
    {
        if (!Alive(c, snap, "Pod", out var pod) || JsonUtil.Get(pod, "metadata", "deletionTimestamp") is not null) return;
        var status = JsonUtil.Obj(pod, "status");
        var restartPolicy = JsonUtil.S(pod, "spec", "restartPolicy") ?? "Always";
        var allOk = exitCodes.Values.All(x => x == 0);
        foreach (var cs in ((JsonArray)status["containerStatuses"]!).OfType<JsonObject>())
        {
            var code = exitCodes.GetValueOrDefault(JsonUtil.S(cs, "name")!);
            var term = new JsonObject
            {
                ["exitCode"] = code, ["reason"] = code == 0 ? "Completed" : "Error", ["startedAt"] = started, ["finishedAt"] = JsonUtil.Now(),
                ["containerID"] = JsonUtil.S(cs, "containerID"),
            };
            cs["ready"] = false; cs["started"] = false;
            var restart = restartPolicy == "Always" || (restartPolicy == "OnFailure" && code != 0);
            if (restart)
            {
                cs["lastState"] = new JsonObject { ["terminated"] = term };
                cs["restartCount"] = (JsonUtil.Int(cs["restartCount"]) ?? 0) + 1;
                cs["state"] = new JsonObject { ["waiting"] = new JsonObject { ["reason"] = "CrashLoopBackOff", ["message"] = $"back-off 10s restarting failed container={JsonUtil.S(cs, "name")} pod={JsonUtil.S(pod, "metadata", "name")}_{JsonUtil.S(pod, "metadata", "namespace")}({JsonUtil.S(pod, "metadata", "uid")})" } };
            }
            else cs["state"] = new JsonObject { ["terminated"] = term };
        }
        var anyRestart = restartPolicy == "Always" || (restartPolicy == "OnFailure" && !allOk);
        if (!anyRestart) status["phase"] = allOk ? "Succeeded" : "Failed";
        var names = string.Join(" ", Containers(pod).Select(x => JsonUtil.S(x, "name")));
        status["conditions"] = new JsonArray(Cond("PodReadyToStartContainers", anyRestart ? "True" : "False"), Cond("Initialized", "True"),
            Cond("Ready", "False", anyRestart ? "ContainersNotReady" : "PodCompleted", anyRestart ? $"containers with unready status: [{names}]" : null),
            Cond("ContainersReady", "False", anyRestart ? "ContainersNotReady" : "PodCompleted", anyRestart ? $"containers with unready status: [{names}]" : null),
            Cond("PodScheduled", "True"));
        w.Commit(c.K8s, "Pod", "MODIFIED", pod);
        if (anyRestart) w.RecordEvent(c.K8s, pod, "Warning", "BackOff", $"Back-off restarting failed container {Containers(pod).First()["name"]} in pod {JsonUtil.S(pod, "metadata", "name")}_{JsonUtil.S(pod, "metadata", "namespace")}({JsonUtil.S(pod, "metadata", "uid")})", "kubelet");
    }

    public void PodDeleting(Cluster c, JsonObject pod, int delayMs) => Later(delayMs, () =>
    {
        if (!Alive(c, pod, "Pod", out var live)) return;
        var key = Key(live);
        c.K8s.PodRuntimes.Remove(key);
        c.K8s.DeletedPods.Add(key);
        w.Commit(c.K8s, "Pod", "DELETED", live);
        PodRemoved(c, live);
    });

    internal static string PullError(Cluster c, string image)
    {
        if (ImageFails(image) || RegistryReachable(c, image)) return PullError(image);
        var reference = Reference(image);
        var path = string.Join('/', reference.Split('/').Skip(1));
        var repo = path[..path.LastIndexOf(':')];
        var tag = path[(path.LastIndexOf(':') + 1)..];
        var host = RegistryHost(image);
        var b = Convert.FromHexString(Det.Hex("registry/" + host, 10));
        var remote = $"{20 + b[0] % 180}.{b[1]}.{b[2]}.{1 + b[3] % 254}:443";
        // userDefinedRouting: the firewall answers the TLS handshake with a reset (Azure Firewall: no application rule matched);
        // none/block: there is no route out at all, the connection attempt times out.
        var why = c.OutboundType == "userDefinedRouting"
            ? $"read tcp 10.224.0.4:{40000 + b[4] * 70}->{remote}: read: connection reset by peer"
            : $"dial tcp {remote}: i/o timeout";
        return $"rpc error: code = Unknown desc = failed to pull and unpack image \"{reference}\": failed to resolve reference \"{reference}\": failed to do request: Head \"https://{host}/v2/{repo}/manifests/{tag}\": {why}";
    }

    private static string Reference(string image)
    {
        var first = image.Split('/')[0];
        var hasRegistry = image.Contains('/') && (first.Contains('.') || first.Contains(':') || first == "localhost");
        var reference = hasRegistry ? image : image.Contains('/') ? "docker.io/" + image : "docker.io/library/" + image;
        if (!reference.Contains(':', StringComparison.Ordinal) || reference.LastIndexOf(':') < reference.LastIndexOf('/')) reference += ":latest";
        return reference;
    }

    internal static string PullError(string image)
    {
        var reference = Reference(image);
        var host = reference.Split('/')[0];
        if (host.StartsWith("invalid.example"))
            return $"rpc error: code = Unknown desc = failed to pull and unpack image \"{reference}\": failed to resolve reference \"{reference}\": failed to do request: Head \"https://{host}/v2/{string.Join('/', reference.Split('/').Skip(1)).Split(':')[0]}/manifests/{reference.Split(':').Last()}\": dial tcp: lookup {host} on 168.63.129.16:53: no such host";
        return $"rpc error: code = NotFound desc = failed to pull and unpack image \"{reference}\": failed to resolve reference \"{reference}\": {reference}: not found";
    }

    internal static List<string> CommandTokens(JsonObject container)
    {
        var list = new List<string>();
        foreach (var key in new[] { "command", "args" })
            if (container[key] is JsonArray a)
                foreach (var n in a)
                    if (n is JsonValue v && v.TryGetValue<string>(out var s))
                        list.AddRange(s.Split((char[])[' ', '\t', '\n', ';', '&', '|'], StringSplitOptions.RemoveEmptyEntries).Select(t => t.Trim('"', '\'', '(', ')', '`')));
        return list;
    }

    private static readonly HashSet<string> CurlArgOptions = new(StringComparer.Ordinal)
    {
        "-m", "--max-time", "-o", "--output", "-H", "--header", "-A", "--user-agent", "-w", "--write-out", "-X", "--request", "-d", "--data",
        "--connect-timeout", "-u", "--user", "-e", "--referer", "-x", "--proxy", "--retry", "--retry-delay", "--retry-max-time", "-T", "-b", "-c",
        "--resolve", "--interface", "--noproxy", "--proxy-user", "-U", "--cacert", "-E", "--cert", "--key", "-O", "--output-document", "-t", "--tries", "-T", "--timeout", "-Y", "--header",
    };

    internal static Uri? FindUrl(List<string> tokens)
    {
        foreach (var t in tokens)
            if ((t.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || t.StartsWith("https://", StringComparison.OrdinalIgnoreCase)) && Uri.TryCreate(t, UriKind.Absolute, out var u))
                return u;
        for (var i = 0; i < tokens.Count; i++)
        {
            var exe = tokens[i].Split('/').Last();
            if (exe is not ("curl" or "wget")) continue;
            for (var j = i + 1; j < tokens.Count; j++)
            {
                var t = tokens[j];
                if (t.StartsWith('-'))
                {
                    if (CurlArgOptions.Contains(t)) j++;
                    continue;
                }
                if (t.Contains('.') && Uri.TryCreate("http://" + t, UriKind.Absolute, out var u) && !string.IsNullOrEmpty(u.Host)) return u;
                break;
            }
        }
        return null;
    }
}
