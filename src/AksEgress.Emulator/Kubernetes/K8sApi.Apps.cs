namespace AksEgress.Emulator;

/// <summary>
/// apps/v1 Deployments, StatefulSets and DaemonSets: create, get, list, watch, replace, patch (JSON, merge and strategic merge),
/// the status subresource, and delete (with the owned pods, as background cascading deletion does). The workload controller
/// (pods from the template, status) is K8sSimulation.Workloads.cs. ReplicaSets and ControllerRevisions are not served.
/// </summary>
internal sealed partial class K8sApi
{
    internal const string AppsGroup = "apps";
    private static readonly Dictionary<string, string> AppsKindOf = new() { ["deployments"] = "Deployment", ["statefulsets"] = "StatefulSet", ["daemonsets"] = "DaemonSet" };

    private static JsonObject AppsGroupEntry() => new()
    {
        ["name"] = AppsGroup,
        ["versions"] = new JsonArray(new JsonObject { ["groupVersion"] = "apps/v1", ["version"] = "v1" }),
        ["preferredVersion"] = new JsonObject { ["groupVersion"] = "apps/v1", ["version"] = "v1" },
    };

    private static JsonObject AppsResourceList()
    {
        JsonObject R(string name, string singular, string kind, string[] verbs, string[]? shortNames)
        {
            var o = new JsonObject { ["name"] = name, ["singularName"] = singular, ["namespaced"] = true, ["kind"] = kind, ["verbs"] = new JsonArray(verbs.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()) };
            if (shortNames is not null) { o["shortNames"] = new JsonArray(shortNames.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()); o["categories"] = new JsonArray("all"); }
            return o;
        }
        return new JsonObject
        {
            ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = "apps/v1",
            ["resources"] = new JsonArray(
                R("daemonsets", "daemonset", "DaemonSet", AllVerbs, ["ds"]), R("daemonsets/status", "", "DaemonSet", StatusVerbs, null),
                R("deployments", "deployment", "Deployment", AllVerbs, ["deploy"]), R("deployments/status", "", "Deployment", StatusVerbs, null),
                R("statefulsets", "statefulset", "StatefulSet", AllVerbs, ["sts"]), R("statefulsets/status", "", "StatefulSet", StatusVerbs, null)),
        };
    }

    private static Task AppsNotFound(HttpContext ctx, string res, string name) =>
        WriteStatus(ctx, 404, "NotFound", $"{res}.apps \"{name}\" not found", new JsonObject { ["name"] = name, ["group"] = AppsGroup, ["kind"] = res });

    /// <summary>Handles /apis/apps/...; false for any other path.</summary>
    private async Task<bool> HandleApps(HttpContext ctx, Cluster c, string[] seg, FaultRule? fault)
    {
        if (seg.Length < 2 || seg[0] != "apis" || seg[1] != AppsGroup) return false;
        var method = ctx.Request.Method;
        if (seg.Length == 2) { await WriteJson(ctx, 200, AppsGroupEntry().Also(o => { o["kind"] = "APIGroup"; o["apiVersion"] = "v1"; })); return true; }
        if (seg[2] != "v1") { await NotServed(ctx); return true; }
        if (seg.Length == 3) { await WriteJson(ctx, 200, AppsResourceList()); return true; }
        if (seg.Length == 4 && AppsKindOf.TryGetValue(seg[3], out var allKind))
        {
            if (method != "GET") { await MethodNotAllowed(ctx); return true; }
            await AppsList(ctx, c, allKind, null, fault); return true;
        }
        if (seg.Length < 6 || seg[3] != "namespaces" || !AppsKindOf.TryGetValue(seg[5], out var kind)) { await NotServed(ctx); return true; }
        var res = seg[5]; var ns = seg[4];
        var name = seg.Length >= 7 ? seg[6] : null;
        var sub = seg.Length >= 8 ? seg[7] : null;
        if (name is null)
        {
            if (method == "GET") { await AppsList(ctx, c, kind, ns, fault); return true; }
            if (method == "POST") { await AppsCreate(ctx, c, kind, res, ns, await ReadBody(ctx)); return true; }
            await MethodNotAllowed(ctx); return true;
        }
        if (sub is not null && sub != "status" || seg.Length > 8) { await NotServed(ctx); return true; }
        var statusOnly = sub == "status";
        switch (method)
        {
            case "GET":
            {
                JsonObject? o;
                lock (W.Sync) o = c.K8s.Store(kind).TryGetValue(ns + "/" + name, out var x) ? JsonUtil.Clone(x) : null;
                if (o is null) await AppsNotFound(ctx, res, name); else await WriteJson(ctx, 200, o);
                return true;
            }
            case "PUT":
            {
                var body = await ReadBody(ctx);
                if (body is null) { await BadBody(ctx); return true; }
                if (JsonUtil.S(body, "metadata", "name") is { } bn && bn != name)
                { await WriteStatus(ctx, 400, "BadRequest", $"the name of the object ({bn}) does not match the name on the URL ({name})"); return true; }
                await AppsUpdate(ctx, c, kind, res, ns, name, _ => body, statusOnly); return true;
            }
            case "PATCH":
            {
                var apply = await ReadPatch(ctx);
                if (apply is not null) await AppsUpdate(ctx, c, kind, res, ns, name, apply, statusOnly);
                return true;
            }
            case "DELETE" when !statusOnly: await AppsDelete(ctx, c, kind, res, ns, name); return true;
        }
        await MethodNotAllowed(ctx); return true;
    }

    private async Task AppsList(HttpContext ctx, Cluster c, string kind, string? ns, FaultRule? fault)
    {
        var q = ctx.Request.Query;
        var filter = BuildFilter(q["labelSelector"], q["fieldSelector"]);
        if (q["watch"].ToString() is "true" or "1" or "True") { await Watch(ctx, c, kind, ns, filter, fault); return; }
        JsonArray items; long rv;
        lock (W.Sync)
        {
            items = new JsonArray(c.K8s.Store(kind).Values.Where(o => ns is null || JsonUtil.S(o, "metadata", "namespace") == ns).Where(filter)
                .OrderBy(o => JsonUtil.S(o, "metadata", "namespace")).ThenBy(o => JsonUtil.S(o, "metadata", "name"), StringComparer.Ordinal)
                .Select(o => (JsonNode)JsonUtil.Clone(o)).ToArray());
            rv = W.CurrentRv;
        }
        await WriteJson(ctx, 200, new JsonObject
        {
            ["kind"] = kind + "List", ["apiVersion"] = "apps/v1",
            ["metadata"] = new JsonObject { ["resourceVersion"] = rv.ToString() }, ["items"] = items,
        });
    }

    /// <summary>The apiserver's validation of an apps/v1 workload (the subset the emulator models).</summary>
    internal static List<(string Field, string Reason, string Message)> ValidateWorkload(string kind, string name, JsonObject body)
    {
        var causes = new List<(string, string, string)>();
        if (string.IsNullOrEmpty(name)) causes.Add(("metadata.name", "FieldValueRequired", "Required value: name or generateName is required"));
        else if (name.Length > 253 || !Dns1123Sub.IsMatch(name)) causes.Add(("metadata.name", "FieldValueInvalid", $"Invalid value: \"{name}\": {Dns1123Msg}"));
        var selector = JsonUtil.Get(body, "spec", "selector", "matchLabels") as JsonObject;
        var labels = JsonUtil.Get(body, "spec", "template", "metadata", "labels") as JsonObject;
        if (selector is null || selector.Count == 0) causes.Add(("spec.selector", "FieldValueRequired", "Required value"));
        else if (labels is null || selector.Any(kv => JsonUtil.S(labels, kv.Key) != kv.Value?.ToString()))
            causes.Add(("spec.template.metadata.labels", "FieldValueInvalid",
                $"Invalid value: map[string]string{{{string.Join(", ", (labels ?? new JsonObject()).Select(kv => $"\"{kv.Key}\":\"{kv.Value}\""))}}}: `selector` does not match template `labels`"));
        var containers = JsonUtil.Get(body, "spec", "template", "spec", "containers") as JsonArray;
        if (containers is null || containers.Count == 0) causes.Add(("spec.template.spec.containers", "FieldValueRequired", "Required value"));
        else for (var i = 0; i < containers.Count; i++)
            {
                if (string.IsNullOrEmpty(JsonUtil.S(containers[i], "name"))) causes.Add(($"spec.template.spec.containers[{i}].name", "FieldValueRequired", "Required value"));
                if (string.IsNullOrEmpty(JsonUtil.S(containers[i], "image"))) causes.Add(($"spec.template.spec.containers[{i}].image", "FieldValueRequired", "Required value"));
            }
        if (kind != "DaemonSet" && JsonUtil.Int(JsonUtil.Get(body, "spec", "replicas")) is < 0)
            causes.Add(("spec.replicas", "FieldValueInvalid", $"Invalid value: {JsonUtil.Int(JsonUtil.Get(body, "spec", "replicas"))}: must be greater than or equal to 0"));
        return causes;
    }

    /// <summary>The defaults the apiserver fills in (strategy, replicas, the pod template's spec defaults).</summary>
    internal static void ApplyWorkloadDefaults(string kind, JsonObject body)
    {
        var spec = JsonUtil.Obj(body, "spec");
        if (kind != "DaemonSet") spec["replicas"] ??= 1;
        spec["revisionHistoryLimit"] ??= 10;
        switch (kind)
        {
            case "Deployment":
                spec["strategy"] ??= new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = "25%", ["maxSurge"] = "25%" } };
                spec["progressDeadlineSeconds"] ??= 600;
                break;
            case "StatefulSet":
                spec["updateStrategy"] ??= new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["partition"] = 0 } };
                spec["podManagementPolicy"] ??= "OrderedReady";
                spec["serviceName"] ??= "";
                break;
            case "DaemonSet":
                spec["updateStrategy"] ??= new JsonObject { ["type"] = "RollingUpdate", ["rollingUpdate"] = new JsonObject { ["maxUnavailable"] = 1, ["maxSurge"] = 0 } };
                break;
        }
        var template = JsonUtil.Obj(spec, "template");
        JsonUtil.Obj(template, "metadata").Remove("creationTimestamp");
        var holder = new JsonObject { ["spec"] = JsonUtil.Obj(template, "spec").DeepClone() };
        ApplyPodDefaults(holder);
        template["spec"] = holder["spec"]!.DeepClone();
    }

    internal async Task AppsCreate(HttpContext ctx, Cluster c, string kind, string res, string ns, JsonObject? body)
    {
        if (body is null) { await BadBody(ctx); return; }
        var (code, result, causes) = CreateWorkload(c, kind, ns, body);
        var name = JsonUtil.S(body, "metadata", "name") ?? "";
        switch (code)
        {
            case 400: await WriteStatus(ctx, 400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request"); return;
            case 422: await Invalid(ctx, kind, name, causes!); return;
            case 404: await WriteStatus(ctx, 404, "NotFound", $"namespaces \"{ns}\" not found", Details(ns, "namespaces")); return;
            case 409: await WriteStatus(ctx, 409, "AlreadyExists", $"{res}.apps \"{name}\" already exists", new JsonObject { ["name"] = name, ["group"] = AppsGroup, ["kind"] = res }); return;
        }
        await WriteJson(ctx, 201, result!);
    }

    /// <summary>Creates a workload (the API's POST, and the admin API's seeding). Takes Sync itself.</summary>
    internal (int Code, JsonObject? Created, List<(string, string, string)>? Causes) CreateWorkload(Cluster c, string kind, string ns, JsonObject body)
    {
        var md = JsonUtil.Obj(body, "metadata");
        if (JsonUtil.S(md, "namespace") is { } bodyNs && bodyNs != ns) return (400, null, null);
        var name = JsonUtil.S(md, "name") ?? "";
        var causes = ValidateWorkload(kind, name, body);
        if (causes.Count > 0) return (422, null, causes);
        lock (W.Sync)
        {
            if (!c.K8s.Namespaces.ContainsKey(ns)) return (404, null, null);
            var store = c.K8s.Store(kind);
            if (store.ContainsKey(ns + "/" + name)) return (409, null, null);
            md["namespace"] = ns;
            md["uid"] = Guid.NewGuid().ToString();
            md["generation"] = 1;
            md["creationTimestamp"] = JsonUtil.Now();
            md.Remove("resourceVersion"); md.Remove("deletionTimestamp");
            ApplyWorkloadDefaults(kind, body);
            body["kind"] = kind; body["apiVersion"] = "apps/v1";
            body["status"] = new JsonObject();
            W.Commit(c.K8s, kind, "ADDED", body);
            var created = JsonUtil.Clone(body);
            Sim.WorkloadChanged(c, kind, created);
            return (201, created, null);
        }
    }

    private async Task AppsUpdate(HttpContext ctx, Cluster c, string kind, string res, string ns, string name, Func<JsonObject, JsonObject?> produce, bool statusOnly)
    {
        JsonObject? result = null; int err = 0; List<(string, string, string)>? causes = null;
        lock (W.Sync)
        {
            if (!c.K8s.Store(kind).TryGetValue(ns + "/" + name, out var cur)) err = 404;
            else
            {
                var next = produce(JsonUtil.Clone(cur));
                var sentRv = JsonUtil.S(next, "metadata", "resourceVersion");
                if (next is null) { err = 422; causes = new() { ("", "FieldValueInvalid", "invalid patch") }; }
                else if (!string.IsNullOrEmpty(sentRv) && sentRv != JsonUtil.S(cur, "metadata", "resourceVersion")) err = 409;
                else if (statusOnly)
                {
                    var updated = JsonUtil.Clone(cur);
                    updated["status"] = next["status"]?.DeepClone() ?? new JsonObject();
                    W.Commit(c.K8s, kind, "MODIFIED", updated);
                    result = JsonUtil.Clone(updated);
                }
                else if ((causes = ValidateWorkload(kind, name, next)).Count > 0) err = 422;
                else if (JsonUtil.Str(JsonUtil.Get(next, "spec", "selector")) != JsonUtil.Str(JsonUtil.Get(cur, "spec", "selector")))
                {
                    err = 422;
                    causes = new() { ("spec.selector", "FieldValueInvalid", $"Invalid value: {JsonUtil.Str(JsonUtil.Get(next, "spec", "selector"))}: field is immutable") };
                }
                else
                {
                    ApplyWorkloadDefaults(kind, next);
                    var md = JsonUtil.Obj(next, "metadata");
                    foreach (var keep in new[] { "uid", "creationTimestamp", "namespace", "name", "generation", "deletionTimestamp" })
                        if (JsonUtil.Get(cur, "metadata", keep) is { } v) md[keep] = v.DeepClone(); else md.Remove(keep);
                    // metadata.generation counts changes of the spec (status and metadata do not count).
                    if (JsonUtil.Str(next["spec"]) != JsonUtil.Str(cur["spec"])) md["generation"] = (JsonUtil.Int(md["generation"]) ?? 1) + 1;
                    next["status"] = cur["status"]?.DeepClone() ?? new JsonObject();
                    next["kind"] = kind; next["apiVersion"] = "apps/v1";
                    W.Commit(c.K8s, kind, "MODIFIED", next);
                    result = JsonUtil.Clone(next);
                    Sim.WorkloadChanged(c, kind, result);
                }
            }
        }
        if (err == 404) { await AppsNotFound(ctx, res, name); return; }
        if (err == 409)
        {
            await WriteStatus(ctx, 409, "Conflict", $"Operation cannot be fulfilled on {res}.apps \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                new JsonObject { ["name"] = name, ["group"] = AppsGroup, ["kind"] = res });
            return;
        }
        if (err == 422) { await Invalid(ctx, kind, name, causes!); return; }
        await WriteJson(ctx, 200, result!);
    }

    private async Task AppsDelete(HttpContext ctx, Cluster c, string kind, string res, string ns, string name)
    {
        _ = await ReadBody(ctx);
        JsonObject? result = null;
        lock (W.Sync)
        {
            if (c.K8s.Store(kind).TryGetValue(ns + "/" + name, out var cur))
            {
                W.Commit(c.K8s, kind, "DELETED", cur);
                result = JsonUtil.Clone(cur);
                Sim.WorkloadDeleted(c, kind, result);   // background cascading deletion of its pods
            }
        }
        if (result is null) { await AppsNotFound(ctx, res, name); return; }
        await WriteJson(ctx, 200, new JsonObject
        {
            ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Success",
            ["details"] = new JsonObject { ["name"] = name, ["group"] = AppsGroup, ["kind"] = res, ["uid"] = JsonUtil.S(result, "metadata", "uid") },
        });
    }
}
