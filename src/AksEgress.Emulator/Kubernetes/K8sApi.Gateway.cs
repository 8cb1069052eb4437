namespace AksEgress.Emulator;

/// <summary>
/// The StaticGatewayConfiguration CRD (egressgateway.kubernetes.azure.com/v1alpha1, namespaced, status subresource), served only
/// while the cluster's Static Egress Gateway add-on is enabled. Schema as in Azure/kube-egress-gateway config/crd (facts §2).
/// </summary>
internal sealed partial class K8sApi
{
    private const string GwVersion = "v1alpha1";
    private const string GwPlural = "staticgatewayconfigurations";
    private const string GwKind = "StaticGatewayConfiguration";
    private static string GwApiVersion => EmulatorWorld.GatewayGroup + "/" + GwVersion;
    private static readonly string[] GwSpecFields = { "gatewayNodepoolName", "gatewayVmssProfile", "defaultRoute", "provisionPublicIps", "publicIpPrefixId", "excludeCidrs" };

    private static Task NotServed(HttpContext ctx) =>
        WriteStatus(ctx, 404, "NotFound", "the server could not find the requested resource", new JsonObject());

    private static Task GwNotFound(HttpContext ctx, string name) =>
        WriteStatus(ctx, 404, "NotFound", $"{GwPlural}.{EmulatorWorld.GatewayGroup} \"{name}\" not found",
            new JsonObject { ["name"] = name, ["group"] = EmulatorWorld.GatewayGroup, ["kind"] = GwPlural });

    private static JsonObject ApiGroupList(bool gateway)
    {
        var groups = new JsonArray(AppsGroupEntry());
        if (gateway)
            groups.Add(new JsonObject
            {
                ["name"] = EmulatorWorld.GatewayGroup,
                ["versions"] = new JsonArray(new JsonObject { ["groupVersion"] = GwApiVersion, ["version"] = GwVersion }),
                ["preferredVersion"] = new JsonObject { ["groupVersion"] = GwApiVersion, ["version"] = GwVersion },
            });
        return new JsonObject { ["kind"] = "APIGroupList", ["apiVersion"] = "v1", ["groups"] = groups };
    }

    /// <summary>Handles /apis/egressgateway.kubernetes.azure.com/...; returns false for any other /apis path.</summary>
    private async Task<bool> HandleGateway(HttpContext ctx, Cluster c, string[] seg, FaultRule? fault)
    {
        if (seg.Length < 2 || seg[0] != "apis" || seg[1] != EmulatorWorld.GatewayGroup) return false;
        bool enabled; lock (W.Sync) enabled = EmulatorWorld.GatewayEnabled(c);
        if (!enabled) { await NotServed(ctx); return true; }
        var method = ctx.Request.Method;
        if (seg.Length == 2)
        {
            await WriteJson(ctx, 200, ((JsonArray)ApiGroupList(true)["groups"]!)[0]!.DeepClone().AsObject().Also(o => { o["kind"] = "APIGroup"; o["apiVersion"] = "v1"; }));
            return true;
        }
        if (seg[2] != GwVersion) { await NotServed(ctx); return true; }
        if (seg.Length == 3)
        {
            await WriteJson(ctx, 200, new JsonObject
            {
                ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = GwApiVersion,
                ["resources"] = new JsonArray(
                    new JsonObject { ["name"] = GwPlural, ["singularName"] = "staticgatewayconfiguration", ["namespaced"] = true, ["kind"] = GwKind,
                        ["verbs"] = new JsonArray("delete", "deletecollection", "get", "list", "patch", "create", "update", "watch") },
                    new JsonObject { ["name"] = GwPlural + "/status", ["singularName"] = "", ["namespaced"] = true, ["kind"] = GwKind, ["verbs"] = new JsonArray("get", "patch", "update") }),
            });
            return true;
        }
        // /apis/G/v1alpha1/staticgatewayconfigurations  (all namespaces)
        if (seg.Length == 4 && seg[3] == GwPlural)
        {
            if (method != "GET") { await MethodNotAllowed(ctx); return true; }
            await GwList(ctx, c, null, fault); return true;
        }
        if (seg.Length < 6 || seg[3] != "namespaces" || seg[5] != GwPlural) { await NotServed(ctx); return true; }
        var ns = seg[4];
        var name = seg.Length >= 7 ? seg[6] : null;
        var sub = seg.Length >= 8 ? seg[7] : null;
        if (name is null)
        {
            if (method == "GET") { await GwList(ctx, c, ns, fault); return true; }
            if (method == "POST") { await GwCreate(ctx, c, ns); return true; }
            await MethodNotAllowed(ctx); return true;
        }
        if (sub is not null && sub != "status") { await NotServed(ctx); return true; }
        switch (method)
        {
            case "GET": await GwGet(ctx, c, ns, name); return true;
            case "PUT": await GwReplace(ctx, c, ns, name, sub == "status", null); return true;
            case "PATCH": await GwReplace(ctx, c, ns, name, sub == "status", await ReadBody(ctx)); return true;
            case "DELETE": if (sub is null) { await GwDelete(ctx, c, ns, name); return true; } break;
        }
        await MethodNotAllowed(ctx); return true;
    }

    private async Task GwList(HttpContext ctx, Cluster c, string? ns, FaultRule? fault)
    {
        var q = ctx.Request.Query;
        var filter = BuildFilter(q["labelSelector"], q["fieldSelector"]);
        if (q["watch"].ToString() is "true" or "1" or "True") { await Watch(ctx, c, GwKind, ns, filter, fault); return; }
        JsonArray items; long rv;
        lock (W.Sync)
        {
            items = new JsonArray(c.K8s.Gateways.Values.Where(o => ns is null || JsonUtil.S(o, "metadata", "namespace") == ns).Where(filter)
                .OrderBy(o => JsonUtil.S(o, "metadata", "namespace")).ThenBy(o => JsonUtil.S(o, "metadata", "name"), StringComparer.Ordinal)
                .Select(o => (JsonNode)JsonUtil.Clone(o)).ToArray());
            rv = W.CurrentRv;
        }
        await WriteJson(ctx, 200, new JsonObject
        {
            ["apiVersion"] = GwApiVersion, ["kind"] = GwKind + "List",
            ["metadata"] = new JsonObject { ["continue"] = "", ["resourceVersion"] = rv.ToString() }, ["items"] = items,
        });
    }

    private async Task GwGet(HttpContext ctx, Cluster c, string ns, string name)
    {
        JsonObject? o;
        lock (W.Sync) o = c.K8s.Gateways.TryGetValue(ns + "/" + name, out var x) ? JsonUtil.Clone(x) : null;
        if (o is null) { await GwNotFound(ctx, name); return; }
        await WriteJson(ctx, 200, o);
    }

    /// <summary>The CRD's structural schema: prune unknown spec fields, apply defaults, check the enum. Null when valid.</summary>
    private static List<(string Field, string Reason, string Message)> GwSchema(JsonObject obj)
    {
        var causes = new List<(string, string, string)>();
        var spec = obj["spec"] as JsonObject ?? new JsonObject();
        obj["spec"] = spec;
        foreach (var k in spec.Select(kv => kv.Key).Where(k => !GwSpecFields.Contains(k)).ToList()) spec.Remove(k);   // pruning
        spec["defaultRoute"] ??= "staticEgressGateway";
        spec["provisionPublicIps"] ??= true;
        var route = JsonUtil.S(spec, "defaultRoute");
        if (route is not ("staticEgressGateway" or "azureNetworking"))
            causes.Add(("spec.defaultRoute", "FieldValueNotSupported", $"Unsupported value: \"{route}\": supported values: \"azureNetworking\", \"staticEgressGateway\""));
        if (spec["provisionPublicIps"] is JsonValue pv && pv.GetValueKind() is not (System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False))
            causes.Add(("spec.provisionPublicIps", "FieldValueTypeInvalid", $"Invalid value: \"{JsonUtil.Str(pv)}\": spec.provisionPublicIps in body must be of type boolean: \"{pv.GetValueKind().ToString().ToLowerInvariant()}\""));
        if (spec["excludeCidrs"] is { } ex && ex is not JsonArray)
            causes.Add(("spec.excludeCidrs", "FieldValueTypeInvalid", "Invalid value: \"string\": spec.excludeCidrs in body must be of type array: \"string\""));
        return causes;
    }

    private async Task GwCreate(HttpContext ctx, Cluster c, string ns)
    {
        var body = await ReadBody(ctx);
        if (body is null) { await WriteStatus(ctx, 400, "BadRequest", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml"); return; }
        var name = JsonUtil.S(body, "metadata", "name") ?? "";
        if (name.Length == 0 || name.Length > 253 || !Dns1123Sub.IsMatch(name))
        { await Invalid(ctx, GwKind, name, new() { ("metadata.name", "FieldValueInvalid", $"Invalid value: \"{name}\": {Dns1123Msg}") }); return; }
        var causes = GwSchema(body);
        if (causes.Count > 0) { await Invalid(ctx, GwKind, name, causes); return; }
        int code = 0; JsonObject? created = null;
        lock (W.Sync)
        {
            if (!c.K8s.Namespaces.ContainsKey(ns)) code = 404;
            else if (c.K8s.Gateways.ContainsKey(ns + "/" + name)) code = 409;
            else
            {
                var md = JsonUtil.Obj(body, "metadata");
                md["namespace"] = ns;
                md["uid"] = Guid.NewGuid().ToString();
                md["generation"] = 1;
                md["creationTimestamp"] = JsonUtil.Now();
                md.Remove("deletionTimestamp");
                md.Remove("finalizers");
                body["apiVersion"] = GwApiVersion;
                body["kind"] = GwKind;
                body.Remove("status");
                W.Commit(c.K8s, GwKind, "ADDED", body);
                created = JsonUtil.Clone(body);
                Sim.GatewayChanged(c, created);
            }
        }
        if (code == 404) { await WriteStatus(ctx, 404, "NotFound", $"namespaces \"{ns}\" not found", Details(ns, "namespaces")); return; }
        if (code == 409)
        {
            await WriteStatus(ctx, 409, "AlreadyExists", $"{GwPlural}.{EmulatorWorld.GatewayGroup} \"{name}\" already exists",
                new JsonObject { ["name"] = name, ["group"] = EmulatorWorld.GatewayGroup, ["kind"] = GwPlural });
            return;
        }
        await WriteJson(ctx, 201, created!);
    }

    /// <summary>PUT (whole object) or a JSON merge patch (<paramref name="patch"/>), of the object or of its status.</summary>
    private async Task GwReplace(HttpContext ctx, Cluster c, string ns, string name, bool status, JsonObject? patch)
    {
        var sent = patch is null ? await ReadBody(ctx) : null;
        if (patch is null && sent is null) { await WriteStatus(ctx, 400, "BadRequest", "the body of the request was in an unknown format"); return; }
        int code = 0; JsonObject? result = null; List<(string, string, string)>? causes = null;
        lock (W.Sync)
        {
            if (!c.K8s.Gateways.TryGetValue(ns + "/" + name, out var cur)) code = 404;
            else
            {
                JsonObject next;
                if (patch is not null) { next = JsonUtil.Clone(cur); MergePatch(next, patch); }
                else next = JsonUtil.Clone(sent!);
                var sentRv = patch is null ? JsonUtil.S(next, "metadata", "resourceVersion") : JsonUtil.S(patch, "metadata", "resourceVersion");
                if (!string.IsNullOrEmpty(sentRv) && sentRv != JsonUtil.S(cur, "metadata", "resourceVersion")) code = 409;
                else
                {
                    var updated = JsonUtil.Clone(cur);
                    if (status) updated["status"] = next["status"]?.DeepClone();
                    else
                    {
                        causes = GwSchema(next);
                        if (causes.Count == 0)
                        {
                            var specChanged = JsonUtil.Str(next["spec"]) != JsonUtil.Str(cur["spec"]);
                            updated["spec"] = next["spec"]!.DeepClone();
                            var md = JsonUtil.Obj(updated, "metadata");
                            foreach (var f in new[] { "labels", "annotations", "finalizers" })
                                if (JsonUtil.Get(next, "metadata", f) is { } v) md[f] = v.DeepClone(); else md.Remove(f);
                            if (specChanged) md["generation"] = (JsonUtil.Int(md["generation"]) ?? 1) + 1;
                        }
                    }
                    if (causes is { Count: > 0 }) code = 422;
                    else
                    {
                        var deleting = JsonUtil.Get(updated, "metadata", "deletionTimestamp") is not null;
                        var noFinalizers = JsonUtil.Get(updated, "metadata", "finalizers") is not JsonArray { Count: > 0 };
                        W.Commit(c.K8s, GwKind, deleting && noFinalizers ? "DELETED" : "MODIFIED", updated);
                        result = JsonUtil.Clone(updated);
                        if (!status && !(deleting && noFinalizers)) Sim.GatewayChanged(c, result);
                    }
                }
            }
        }
        if (code == 404) { await GwNotFound(ctx, name); return; }
        if (code == 409)
        {
            await WriteStatus(ctx, 409, "Conflict", $"Operation cannot be fulfilled on {GwPlural}.{EmulatorWorld.GatewayGroup} \"{name}\": the object has been modified; please apply your changes to the latest version and try again",
                new JsonObject { ["name"] = name, ["group"] = EmulatorWorld.GatewayGroup, ["kind"] = GwPlural });
            return;
        }
        if (code == 422) { await Invalid(ctx, GwKind, name, causes!); return; }
        await WriteJson(ctx, 200, result!);
    }

    private static void MergePatch(JsonObject target, JsonObject patch)
    {
        foreach (var (k, v) in patch.ToList())
        {
            if (v is null) target.Remove(k);
            else if (v is JsonObject po && target[k] is JsonObject to) MergePatch(to, po);
            else target[k] = v.DeepClone();
        }
    }

    private async Task GwDelete(HttpContext ctx, Cluster c, string ns, string name)
    {
        JsonObject? result = null;
        lock (W.Sync)
        {
            if (c.K8s.Gateways.TryGetValue(ns + "/" + name, out var cur))
            {
                if (JsonUtil.Get(cur, "metadata", "deletionTimestamp") is not null) result = JsonUtil.Clone(cur);
                else if (JsonUtil.Get(cur, "metadata", "finalizers") is JsonArray { Count: > 0 })
                {
                    var md = JsonUtil.Obj(cur, "metadata");
                    md["deletionTimestamp"] = JsonUtil.Now();
                    md["deletionGracePeriodSeconds"] = 0;
                    W.Commit(c.K8s, GwKind, "MODIFIED", cur);
                    result = JsonUtil.Clone(cur);
                    Sim.GatewayChanged(c, result);
                }
                else
                {
                    W.Commit(c.K8s, GwKind, "DELETED", cur);
                    result = JsonUtil.Clone(cur);
                }
            }
        }
        if (result is null) { await GwNotFound(ctx, name); return; }
        await WriteJson(ctx, 200, result);
    }
}

internal static class JsonObjectExtensions
{
    public static JsonObject Also(this JsonObject o, Action<JsonObject> change) { change(o); return o; }
}
