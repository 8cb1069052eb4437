namespace AksEgress.Emulator;

internal sealed partial class K8sApi
{
    private static Task BadBody(HttpContext ctx) => WriteStatus(ctx, 400, "BadRequest",
        "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf");

    private async Task Create(HttpContext ctx, Cluster c, string res, string ns)
    {
        var body = await ReadBody(ctx);
        if (body is null) { await BadBody(ctx); return; }
        var kind = KindOf[res];
        var md = JsonUtil.Obj(body, "metadata");
        var name = JsonUtil.S(md, "name");
        if (string.IsNullOrEmpty(name) && JsonUtil.S(md, "generateName") is { } gen)
        {
            name = gen + Det.Hex(Guid.NewGuid().ToString(), 5);
            md["name"] = name;
        }
        name ??= "";
        if (JsonUtil.S(md, "namespace") is { } bodyNs && bodyNs != ns)
        { await WriteStatus(ctx, 400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request"); return; }
        var causes = Validate(kind, name, body);
        if (causes.Count > 0) { await Invalid(ctx, kind, name, causes); return; }
        if (kind == "Pod")
        {
            string? violation;
            lock (W.Sync) violation = c.K8s.Namespaces.TryGetValue(ns, out var nso) && JsonUtil.S(nso, "metadata", "labels", "pod-security.kubernetes.io/enforce") == "restricted" ? PodSecurity.CheckRestricted(body) : null;
            if (violation is not null)
            {
                await WriteStatus(ctx, 403, "Forbidden", $"pods \"{name}\" is forbidden: violates PodSecurity \"restricted:latest\": {violation}", Details(name, "pods"));
                return;
            }
        }
        // validating admission webhooks run after the built-in admission plugins (PodSecurity)
        if (W.Admit(c.K8s, kind, ns, name, body) is { } denied)
        {
            await WriteStatus(ctx, denied.Code, denied.Code == 403 ? "Forbidden" : "BadRequest", denied.Message);
            return;
        }
        JsonObject? created = null;
        var error = 0;
        lock (W.Sync)
        {
            var store = c.K8s.Store(kind);
            if (!c.K8s.Namespaces.ContainsKey(ns)) error = 404;
            else if (store.ContainsKey(ns + "/" + name)) error = 409;
            else
            {
                md["namespace"] = ns;
                md["uid"] = Guid.NewGuid().ToString();
                md["creationTimestamp"] = JsonUtil.Now();
                md.Remove("resourceVersion"); md.Remove("deletionTimestamp");
                if (kind == "Service") ApplyServiceDefaults(c, body, null);
                if (kind == "Pod") { ApplyPodDefaults(body); HttpProxyInjection.Inject(c, body); }
                body["kind"] = kind; body["apiVersion"] = "v1";
                W.Commit(c.K8s, kind, "ADDED", body);
                created = JsonUtil.Clone(body);
                if (kind == "Service" && JsonUtil.S(body, "spec", "type") == "LoadBalancer") Sim.ServiceChanged(c, created);
                if (kind == "Pod") Sim.PodCreated(c, created);
            }
        }
        if (error == 404) { await WriteStatus(ctx, 404, "NotFound", $"namespaces \"{ns}\" not found", Details(ns, "namespaces")); return; }
        if (error == 409) { await WriteStatus(ctx, 409, "AlreadyExists", $"{res} \"{name}\" already exists", Details(name, res)); return; }
        await WriteJson(ctx, 201, created!);
    }

    private static List<(string, string, string)> Validate(string kind, string name, JsonObject body)
    {
        var causes = new List<(string, string, string)>();
        if (kind == "Service")
        {
            if (string.IsNullOrEmpty(name)) causes.Add(("metadata.name", "FieldValueRequired", "Required value: name or generateName is required"));
            else if (name.Length > 63 || !Dns1035.IsMatch(name)) causes.Add(("metadata.name", "FieldValueInvalid", $"Invalid value: \"{name}\": {Dns1035Msg}"));
            var type = JsonUtil.S(body, "spec", "type") ?? "ClusterIP";
            if (type is not ("ClusterIP" or "NodePort" or "LoadBalancer" or "ExternalName"))
                causes.Add(("spec.type", "FieldValueNotSupported", $"Unsupported value: \"{type}\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""));
            var ports = JsonUtil.Get(body, "spec", "ports") as JsonArray;
            if ((ports is null || ports.Count == 0) && type != "ExternalName" && JsonUtil.S(body, "spec", "clusterIP") != "None")
                causes.Add(("spec.ports", "FieldValueRequired", "Required value"));
            if (ports is not null)
                for (var i = 0; i < ports.Count; i++)
                {
                    var p = JsonUtil.Int(JsonUtil.Get(ports[i], "port"));
                    if (p is null or < 1 or > 65535) causes.Add(($"spec.ports[{i}].port", "FieldValueInvalid", $"Invalid value: {p ?? 0}: must be between 1 and 65535, inclusive"));
                    var tp = JsonUtil.Get(ports[i], "targetPort");
                    if (tp is JsonValue tv && JsonUtil.Int(tv) is int t && (t < 1 || t > 65535) && tv.GetValueKind() == System.Text.Json.JsonValueKind.Number)
                        causes.Add(($"spec.ports[{i}].targetPort", "FieldValueInvalid", $"Invalid value: {t}: must be between 1 and 65535, inclusive"));
                    if (ports.Count > 1 && string.IsNullOrEmpty(JsonUtil.S(ports[i], "name")))
                        causes.Add(($"spec.ports[{i}].name", "FieldValueRequired", "Required value"));
                }
        }
        else if (kind == "Pod")
        {
            if (string.IsNullOrEmpty(name)) causes.Add(("metadata.name", "FieldValueRequired", "Required value: name or generateName is required"));
            else if (name.Length > 253 || !Dns1123Sub.IsMatch(name)) causes.Add(("metadata.name", "FieldValueInvalid", $"Invalid value: \"{name}\": {Dns1123Msg}"));
            var containers = JsonUtil.Get(body, "spec", "containers") as JsonArray;
            if (containers is null || containers.Count == 0) causes.Add(("spec.containers", "FieldValueRequired", "Required value"));
            else for (var i = 0; i < containers.Count; i++)
                {
                    if (string.IsNullOrEmpty(JsonUtil.S(containers[i], "name"))) causes.Add(($"spec.containers[{i}].name", "FieldValueRequired", "Required value"));
                    if (string.IsNullOrEmpty(JsonUtil.S(containers[i], "image"))) causes.Add(($"spec.containers[{i}].image", "FieldValueRequired", "Required value"));
                }
        }
        else if (kind == "Event")
        {
            if (string.IsNullOrEmpty(name)) causes.Add(("metadata.name", "FieldValueRequired", "Required value: name or generateName is required"));
        }
        return causes;
    }

    private static void ApplyServiceDefaults(Cluster c, JsonObject svc, JsonObject? previous)
    {
        var spec = JsonUtil.Obj(svc, "spec");
        var type = JsonUtil.S(spec, "type") ?? "ClusterIP";
        spec["type"] = type;
        if (type != "ExternalName")
        {
            var prevIp = JsonUtil.S(previous, "spec", "clusterIP");
            if (prevIp is not null) spec["clusterIP"] = prevIp;
            else if (string.IsNullOrEmpty(JsonUtil.S(spec, "clusterIP")))
            {
                var n = c.K8s.NextClusterIp++;
                spec["clusterIP"] = $"10.0.{n / 250 % 256}.{n % 250 + 2}";
            }
            spec["clusterIPs"] = new JsonArray(JsonUtil.S(spec, "clusterIP"));
            spec["ipFamilies"] ??= new JsonArray("IPv4");
            spec["ipFamilyPolicy"] ??= "SingleStack";
            spec["internalTrafficPolicy"] ??= "Cluster";
        }
        spec["sessionAffinity"] ??= "None";
        if (type is "LoadBalancer" or "NodePort") { spec["externalTrafficPolicy"] ??= "Cluster"; }
        if (type == "LoadBalancer") spec["allocateLoadBalancerNodePorts"] ??= true;
        var prevPorts = JsonUtil.Get(previous, "spec", "ports") as JsonArray;
        if (spec["ports"] is JsonArray ports)
            foreach (var p in ports.OfType<JsonObject>())
            {
                p["protocol"] ??= "TCP";
                p["targetPort"] ??= JsonUtil.Int(p["port"]);
                if (type is "LoadBalancer" or "NodePort" && p["nodePort"] is null)
                {
                    var prev = prevPorts?.OfType<JsonObject>().FirstOrDefault(pp => JsonUtil.Int(pp["port"]) == JsonUtil.Int(p["port"]) && JsonUtil.S(pp, "nodePort") is not null);
                    p["nodePort"] = prev is not null ? JsonUtil.Int(prev["nodePort"]) : c.K8s.NextNodePort++;
                }
                if (type is not ("LoadBalancer" or "NodePort")) p.Remove("nodePort");
            }
        if (previous is not null) svc["status"] = JsonUtil.Get(previous, "status")?.DeepClone() ?? new JsonObject { ["loadBalancer"] = new JsonObject() };
        else svc["status"] = new JsonObject { ["loadBalancer"] = new JsonObject() };
    }

    internal static void ApplyPodDefaults(JsonObject pod)
    {
        var spec = JsonUtil.Obj(pod, "spec");
        spec["restartPolicy"] ??= "Always";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["serviceAccountName"] ??= "default";
        spec["schedulerName"] ??= "default-scheduler";
        spec["securityContext"] ??= new JsonObject();
        spec["enableServiceLinks"] ??= true;
        spec["preemptionPolicy"] ??= "PreemptLowerPriority";
        spec["priority"] ??= 0;
        spec["tolerations"] ??= new JsonArray(
            new JsonObject { ["key"] = "node.kubernetes.io/not-ready", ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 300 },
            new JsonObject { ["key"] = "node.kubernetes.io/unreachable", ["operator"] = "Exists", ["effect"] = "NoExecute", ["tolerationSeconds"] = 300 });
        if (spec["containers"] is JsonArray cs)
            foreach (var ct in cs.OfType<JsonObject>())
            {
                ct["imagePullPolicy"] ??= (JsonUtil.S(ct, "image") ?? "").Contains(':') && !(JsonUtil.S(ct, "image") ?? "").EndsWith(":latest") ? "IfNotPresent" : "Always";
                ct["terminationMessagePath"] ??= "/dev/termination-log";
                ct["terminationMessagePolicy"] ??= "File";
                ct["resources"] ??= new JsonObject();
            }
        pod["status"] = new JsonObject { ["phase"] = "Pending", ["qosClass"] = QosClass(spec) };
    }

    private static string QosClass(JsonObject spec)
    {
        var cs = (spec["containers"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().ToList();
        bool Any(JsonObject c) => (JsonUtil.Get(c, "resources", "requests") as JsonObject)?.Count > 0 || (JsonUtil.Get(c, "resources", "limits") as JsonObject)?.Count > 0;
        if (!cs.Any(Any)) return "BestEffort";
        bool Guaranteed(JsonObject c)
        {
            var lim = JsonUtil.Get(c, "resources", "limits") as JsonObject; var req = JsonUtil.Get(c, "resources", "requests") as JsonObject;
            if (lim is null || JsonUtil.S(lim, "cpu") is null || JsonUtil.S(lim, "memory") is null) return false;
            return req is null || (JsonUtil.S(req, "cpu") ?? JsonUtil.S(lim, "cpu")) == JsonUtil.S(lim, "cpu") && (JsonUtil.S(req, "memory") ?? JsonUtil.S(lim, "memory")) == JsonUtil.S(lim, "memory");
        }
        return cs.All(Guaranteed) ? "Guaranteed" : "Burstable";
    }

    // ------------------------------------------------------------------ replace / patch
    private static string Conflict(string res, string name) =>
        $"Operation cannot be fulfilled on {res} \"{name}\": the object has been modified; please apply your changes to the latest version and try again";

    private async Task Replace(HttpContext ctx, Cluster c, string res, string ns, string name)
    {
        var body = await ReadBody(ctx);
        if (body is null) { await BadBody(ctx); return; }
        if (JsonUtil.S(body, "metadata", "name") is { } bn && bn != name)
        { await WriteStatus(ctx, 400, "BadRequest", $"the name of the object ({bn}) does not match the name on the URL ({name})"); return; }
        await Update(ctx, c, res, ns, name, _ => body, checkRv: true, statusOnly: ctx.Request.Path.Value!.EndsWith("/status"));
    }

    private async Task Patch(HttpContext ctx, Cluster c, string res, string ns, string name)
    {
        var apply = await ReadPatch(ctx);
        if (apply is null) return;
        await Update(ctx, c, res, ns, name, apply, checkRv: true, statusOnly: ctx.Request.Path.Value!.EndsWith("/status"));
    }

    /// <summary>Reads a PATCH body by its content type (JSON patch, strategic merge, merge/apply); null after answering a bad one.</summary>
    internal static async Task<Func<JsonObject, JsonObject?>?> ReadPatch(HttpContext ctx)
    {
        var ct = ctx.Request.ContentType ?? "";
        string text;
        using (var sr = new StreamReader(ctx.Request.Body)) text = await sr.ReadToEndAsync();
        JsonNode? patch;
        try { patch = JsonNode.Parse(text); } catch { await WriteStatus(ctx, 400, "BadRequest", "error decoding patch: invalid character"); return null; }
        if (ct.StartsWith("application/json-patch+json"))
        {
            if (patch is not JsonArray ops) { await WriteStatus(ctx, 400, "BadRequest", "json: cannot unmarshal object into Go value of type jsonpatch.Patch"); return null; }
            return cur => JsonPatch.Apply(cur, ops);
        }
        if (ct.StartsWith("application/strategic-merge-patch+json"))
        {
            if (patch is not JsonObject po) { await WriteStatus(ctx, 400, "BadRequest", "error decoding patch: not an object"); return null; }
            return cur => (JsonObject?)JsonUtil.StrategicMerge(cur, po);
        }
        if (ct.StartsWith("application/merge-patch+json") || ct.StartsWith("application/apply-patch"))
        {
            if (patch is not JsonObject po) { await WriteStatus(ctx, 400, "BadRequest", "error decoding patch: not an object"); return null; }
            return cur => (JsonObject?)JsonUtil.MergePatch(cur, po);
        }
        await WriteStatus(ctx, 415, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json");
        return null;
    }

    private async Task Update(HttpContext ctx, Cluster c, string res, string ns, string name, Func<JsonObject, JsonObject?> produce, bool checkRv, bool statusOnly)
    {
        var kind = KindOf[res];
        JsonObject? result = null; int err = 0; string? errMsg = null; List<(string, string, string)>? causes = null;
        lock (W.Sync)
        {
            if (!c.K8s.Store(kind).TryGetValue(ns + "/" + name, out var cur)) err = 404;
            else
            {
                var next = produce(JsonUtil.Clone(cur));
                if (next is null) { err = 422; errMsg = "invalid patch"; }
                else
                {
                    var sentRv = JsonUtil.S(next, "metadata", "resourceVersion");
                    if (checkRv && !string.IsNullOrEmpty(sentRv) && sentRv != JsonUtil.S(cur, "metadata", "resourceVersion")) err = 409;
                    else
                    {
                        causes = Validate(kind, name, next);
                        if (causes.Count > 0) err = 422;
                        else
                        {
                            var md = JsonUtil.Obj(next, "metadata");
                            foreach (var keep in new[] { "uid", "creationTimestamp", "namespace", "name", "deletionTimestamp", "deletionGracePeriodSeconds" })
                                if (JsonUtil.Get(cur, "metadata", keep) is { } v) md[keep] = v.DeepClone(); else md.Remove(keep);
                            if (JsonUtil.Get(cur, "metadata", "finalizers") is JsonArray fin && md["finalizers"] is null && kind == "Service") md["finalizers"] = fin.DeepClone();
                            next["kind"] = kind; next["apiVersion"] = "v1";
                            if (statusOnly) { var s = next["status"]?.DeepClone(); next = JsonUtil.Clone(cur); next["status"] = s; }
                            else if (kind == "Service")
                            {
                                if (JsonUtil.S(next, "spec", "clusterIP") is { } newIp && newIp != JsonUtil.S(cur, "spec", "clusterIP") && !string.IsNullOrEmpty(newIp))
                                { err = 422; causes = new() { ("spec.clusterIPs[0]", "FieldValueInvalid", $"Invalid value: []string{{\"{newIp}\"}}: may not change once set") }; }
                                else ApplyServiceDefaults(c, next, cur);
                            }
                            else if (kind == "Pod")
                            {
                                var oldSpec = JsonUtil.Str(JsonUtil.Get(cur, "spec")); var newSpecObj = JsonUtil.Get(next, "spec") as JsonObject;
                                // Pod specs are (mostly) immutable: keep the stored spec, allow image changes only.
                                next["spec"] = JsonUtil.Get(cur, "spec")!.DeepClone();
                                next["status"] = JsonUtil.Get(cur, "status")?.DeepClone();
                                _ = oldSpec; _ = newSpecObj;
                            }
                            if (err == 0)
                            {
                                W.Commit(c.K8s, kind, "MODIFIED", next);
                                result = JsonUtil.Clone(next);
                                if (kind == "Service" && !statusOnly && (JsonUtil.S(next, "spec", "type") == "LoadBalancer" || JsonUtil.S(cur, "spec", "type") == "LoadBalancer"))
                                    Sim.ServiceChanged(c, result);
                            }
                        }
                    }
                }
            }
        }
        if (err == 404) { await NotFound(ctx, res, name); return; }
        if (err == 409) { await WriteStatus(ctx, 409, "Conflict", Conflict(res, name), Details(name, res)); return; }
        if (err == 422) { if (causes is { Count: > 0 }) await Invalid(ctx, kind, name, causes); else await WriteStatus(ctx, 422, "Invalid", errMsg ?? "invalid"); return; }
        await WriteJson(ctx, 200, result!);
    }

    // ------------------------------------------------------------------ delete
    private async Task Delete(HttpContext ctx, Cluster c, string res, string ns, string name)
    {
        var kind = KindOf[res];
        var grace = int.TryParse(ctx.Request.Query["gracePeriodSeconds"], out var g) ? g : (int?)null;
        var body = await ReadBody(ctx);
        if (grace is null && JsonUtil.Int(JsonUtil.Get(body, "gracePeriodSeconds")) is int bg) grace = bg;
        JsonObject? result = null;
        lock (W.Sync)
        {
            if (c.K8s.Store(kind).TryGetValue(ns + "/" + name, out var cur))
            {
                if (JsonUtil.Get(cur, "metadata", "deletionTimestamp") is not null) result = JsonUtil.Clone(cur);
                else if (kind == "Pod")
                {
                    if (grace == 0 || JsonUtil.S(cur, "spec", "nodeName") is null || JsonUtil.S(cur, "status", "phase") is "Succeeded" or "Failed" && grace is null && false)
                    {
                        var key = ns + "/" + name;
                        c.K8s.PodRuntimes.Remove(key);
                        c.K8s.DeletedPods.Add(key);
                        W.Commit(c.K8s, "Pod", "DELETED", cur);
                        result = JsonUtil.Clone(cur);
                        Sim.PodRemoved(c, result);
                    }
                    else
                    {
                        var md = JsonUtil.Obj(cur, "metadata");
                        md["deletionTimestamp"] = DateTime.UtcNow.AddSeconds(grace ?? 30).ToString("yyyy-MM-ddTHH:mm:ssZ");
                        md["deletionGracePeriodSeconds"] = grace ?? 30;
                        W.RecordEvent(c.K8s, cur, "Normal", "Killing", $"Stopping container {JsonUtil.S(((JsonArray)JsonUtil.Get(cur, "spec", "containers")!)[0], "name")}", "kubelet");
                        W.Commit(c.K8s, "Pod", "MODIFIED", cur);
                        result = JsonUtil.Clone(cur);
                        Sim.PodDeleting(c, result, W.Options.PodTerminationDelayMilliseconds);
                    }
                }
                else if (kind == "Service" && JsonUtil.Get(cur, "metadata", "finalizers") is JsonArray { Count: > 0 })
                {
                    JsonUtil.Obj(cur, "metadata")["deletionTimestamp"] = JsonUtil.Now();
                    JsonUtil.Obj(cur, "metadata")["deletionGracePeriodSeconds"] = 0;
                    W.Commit(c.K8s, "Service", "MODIFIED", cur);
                    result = JsonUtil.Clone(cur);
                    Sim.ServiceDeleting(c, result);
                }
                else
                {
                    if (kind == "Service") Sim.ReleaseFrontend(c, ns + "/" + name);
                    W.Commit(c.K8s, kind, "DELETED", cur);
                    result = JsonUtil.Clone(cur);
                }
            }
        }
        if (result is null) { await NotFound(ctx, res, name); return; }
        if (kind == "Service" && result["metadata"]?["deletionTimestamp"] is null)
        {
            // real apiserver answers a finished delete of a Service with a Success Status
            await WriteJson(ctx, 200, new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success", ["details"] = Details(name, res), });
            return;
        }
        await WriteJson(ctx, 200, result);
    }

    // ------------------------------------------------------------------ log
    private async Task Log(HttpContext ctx, Cluster c, string ns, string name)
    {
        string? log = null; int code = 200; string? msg = null;
        var container = ctx.Request.Query["container"].ToString();
        lock (W.Sync)
        {
            if (!c.K8s.Pods.TryGetValue(ns + "/" + name, out var pod)) code = 404;
            else
            {
                var names = (JsonUtil.Get(pod, "spec", "containers") as JsonArray ?? new JsonArray()).Select(x => JsonUtil.S(x, "name")!).ToList();
                if (string.IsNullOrEmpty(container))
                {
                    if (names.Count == 1) container = names[0];
                    else { code = 400; msg = $"a container name must be specified for pod {name}, choose one of: [{string.Join(" ", names)}]"; }
                }
                if (code == 200 && !names.Contains(container)) { code = 400; msg = $"container {container} is not valid for pod {name}"; }
                if (code == 200)
                {
                    c.K8s.PodRuntimes.TryGetValue(ns + "/" + name, out var rt);
                    if (rt is not null && rt.Logs.TryGetValue(container, out var l)) log = l;
                    else if (rt is not null && rt.Waiting.ContainsKey(container)) { code = 400; msg = $"container \"{container}\" in pod \"{name}\" is waiting to start: trying and failing to pull image"; }
                    else if (JsonUtil.S(pod, "spec", "nodeName") is null || JsonUtil.Get(pod, "status", "containerStatuses") is null) { code = 400; msg = $"container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating"; }
                    else { code = 400; msg = $"container \"{container}\" in pod \"{name}\" is waiting to start: ContainerCreating"; }
                }
            }
        }
        if (code == 404) { await NotFound(ctx, "pods", name); return; }
        if (code == 400) { await WriteStatus(ctx, 400, "BadRequest", msg!); return; }
        var q = ctx.Request.Query;
        if (q["previous"] == "true")
        {
            await WriteStatus(ctx, 400, "BadRequest", $"previous terminated container \"{container}\" in pod \"{name}\" not found");
            return;
        }
        if (q["timestamps"] == "true" && log!.Length > 0)
            log = string.Join("", log.Split('\n').Where((l, i) => l.Length > 0 || i < log.Split('\n').Length - 1).Select(l => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ") + " " + l + "\n"));
        if (int.TryParse(q["tailLines"], out var tail) && tail >= 0)
        {
            var lines = log!.Split('\n').ToList();
            var trailing = log.EndsWith('\n');
            if (trailing) lines.RemoveAt(lines.Count - 1);
            log = string.Join("\n", lines.Skip(Math.Max(0, lines.Count - tail))) + (trailing && tail > 0 ? "\n" : "");
        }
        if (int.TryParse(q["limitBytes"], out var limit) && limit > 0)
        {
            var bytes = System.Text.Encoding.UTF8.GetBytes(log!);
            if (bytes.Length > limit) log = System.Text.Encoding.UTF8.GetString(bytes, 0, limit);
        }
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/plain";
        await ctx.Response.WriteAsync(log!);
    }
}
