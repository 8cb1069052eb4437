using System.Text;
using System.Text.RegularExpressions;

namespace AksEgress.Emulator;

/// <summary>The per-cluster Kubernetes API server.</summary>
internal sealed partial class K8sApi(AksEmulator emu)
{
    private EmulatorWorld W => emu.World;
    private static readonly bool Debug = Environment.GetEnvironmentVariable("AKSEGRESS_EMULATOR_DEBUG") == "1";
    private static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly string[] NamespaceVerbs = ["create", "delete", "get", "list", "patch", "update", "watch"];
    private static readonly string[] StatusVerbs = ["get", "patch", "update"];
    private static readonly string[] GetVerb = ["get"];
    private static readonly string[] EventColumns = ["Last Seen", "Type", "Reason", "Object", "Message"];
    private static readonly string[] NodeColumns = ["Name", "Status", "Roles", "Age", "Version"];
    private static readonly string[] NamespaceColumns = ["Name", "Status", "Age"];
    private K8sSimulation Sim => emu.Simulation;

    // ------------------------------------------------------------------ helpers
    internal static JsonObject StatusBody(int code, string reason, string message, JsonObject? details = null)
    {
        var o = new JsonObject { ["kind"] = "Status", ["apiVersion"] = "v1", ["metadata"] = new JsonObject(), ["status"] = "Failure", ["message"] = message, ["reason"] = reason };
        if (details is not null) o["details"] = details;
        o["code"] = code;
        return o;
    }

    internal static Task WriteStatus(HttpContext ctx, int code, string reason, string message, JsonObject? details = null) =>
        WriteJson(ctx, code, StatusBody(code, reason, message, details));

    internal static async Task WriteJson(HttpContext ctx, int code, JsonNode body)
    {
        ctx.Response.StatusCode = code;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.WriteAsync(JsonUtil.Str(body));
    }

    private static JsonObject Details(string name, string kind, string? group = null)
    {
        var d = new JsonObject { ["name"] = name };
        if (group is not null) d["group"] = group;
        d["kind"] = kind;
        return d;
    }

    private static Task NotFound(HttpContext ctx, string resource, string name) =>
        WriteStatus(ctx, 404, "NotFound", $"{resource} \"{name}\" not found", Details(name, resource));

    private static Task Invalid(HttpContext ctx, string kind, string name, List<(string Field, string Reason, string Message)> causes)
    {
        var text = causes.Select(c => $"{c.Field}: {c.Message}").ToList();
        var msg = $"{kind} \"{name}\" is invalid: " + (text.Count == 1 ? text[0] : "[" + string.Join(", ", text) + "]");
        var d = Details(name, kind);
        d["causes"] = new JsonArray(causes.Select(c => (JsonNode)new JsonObject { ["reason"] = c.Reason, ["message"] = c.Message, ["field"] = c.Field }).ToArray());
        return WriteStatus(ctx, 422, "Invalid", msg, d);
    }

    private static readonly Regex Dns1035 = new("^[a-z]([-a-z0-9]*[a-z0-9])?$");
    private static readonly Regex Dns1123Sub = new(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
    private const string Dns1035Msg = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
    private const string Dns1123Msg = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    private static readonly Dictionary<string, string> KindOf = new() { ["services"] = "Service", ["pods"] = "Pod", ["events"] = "Event", ["namespaces"] = "Namespace", ["nodes"] = "Node" };

    // ------------------------------------------------------------------ auth
    internal bool Authorized(HttpContext ctx, Cluster c)
    {
        var auth = ctx.Request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return false;
        var token = auth[7..].Trim();
        if (c.Aad) return emu.Tokens.IsEntraToken(token, c.ServerAppId);
        return token == emu.Tokens.UserToken(c.Name) || (!c.DisableLocalAccounts && token == emu.Tokens.AdminToken(c.Name)) || emu.Rbac.IsLimitedToken(c.Name, token);
    }

    // ------------------------------------------------------------------ dispatch
    public async Task Handle(HttpContext ctx, Cluster c, FaultRule? fault)
    {
        if (!Authorized(ctx, c)) { await WriteStatus(ctx, 401, "Unauthorized", "Unauthorized"); return; }
        if (emu.Rbac.IsLimitedToken(c.Name, ctx.Request.Headers.Authorization.ToString()[7..].Trim()) && emu.Rbac.Deny(ctx, c.Name) is { } denied)
        { await WriteStatus(ctx, 403, "Forbidden", denied.Message, denied.Details); return; }
        var path = ctx.Request.Path.Value!.TrimEnd('/');
        var method = ctx.Request.Method;
        var seg = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (path == "/version") { await WriteJson(ctx, 200, VersionBody()); return; }
        if (path == "/api") { await WriteJson(ctx, 200, new JsonObject { ["kind"] = "APIVersions", ["versions"] = new JsonArray("v1"), ["serverAddressByClientCIDRs"] = new JsonArray(new JsonObject { ["clientCIDR"] = "0.0.0.0/0", ["serverAddress"] = $"{JsonUtil.S(c.Body, "properties", "fqdn")}:443" }) }); return; }
        if (path == "/apis") { bool gw; lock (W.Sync) gw = EmulatorWorld.GatewayEnabled(c); await WriteJson(ctx, 200, ApiGroupList(gw)); return; }
        if (path == "/api/v1") { await WriteJson(ctx, 200, ResourceList()); return; }
        if (await HandleGateway(ctx, c, seg, fault)) return;
        if (await HandleApps(ctx, c, seg, fault)) return;
        if (seg.Length >= 1 && (seg[0] == "openapi" || seg[0] == "apis" || seg[0] == "swagger.json"))
        { await WriteStatus(ctx, 404, "NotFound", "the server could not find the requested resource", new JsonObject()); return; }
        if (seg.Length < 3 || seg[0] != "api" || seg[1] != "v1") { await WriteStatus(ctx, 404, "NotFound", "the server could not find the requested resource", new JsonObject()); return; }

        var rest = seg.Skip(2).ToArray();
        // cluster-scoped
        if (rest[0] is "namespaces" && rest.Length <= 2)
        {
            await Namespaces(ctx, c, rest.Length == 2 ? rest[1] : null, fault); return;
        }
        if (rest[0] is "nodes")
        {
            if (rest.Length == 1) { await ListOrWatch(ctx, c, "Node", null, fault); return; }
            if (method == "GET") { await GetOne(ctx, c, "nodes", null, rest[1]); return; }
            await MethodNotAllowed(ctx); return;
        }
        if (rest.Length == 1 && rest[0] is "services" or "pods" or "events")
        {
            if (method != "GET") { await MethodNotAllowed(ctx); return; }
            await ListOrWatch(ctx, c, KindOf[rest[0]], null, fault); return;
        }
        if (rest[0] == "namespaces" && rest.Length >= 3 && rest[2] is "services" or "pods" or "events")
        {
            var ns = rest[1]; var res = rest[2];
            var name = rest.Length >= 4 ? rest[3] : null;
            var sub = rest.Length >= 5 ? rest[4] : null;
            if (name is null)
            {
                if (method == "GET") { await ListOrWatch(ctx, c, KindOf[res], ns, fault); return; }
                if (method == "POST") { await Create(ctx, c, res, ns); return; }
                await MethodNotAllowed(ctx); return;
            }
            if (sub == "log" && res == "pods" && method == "GET") { await Log(ctx, c, ns, name); return; }
            if (sub is not null && sub != "status") { await WriteStatus(ctx, 404, "NotFound", "the server could not find the requested resource", new JsonObject()); return; }
            switch (method)
            {
                case "GET": await GetOne(ctx, c, res, ns, name); return;
                case "PUT": await Replace(ctx, c, res, ns, name); return;
                case "PATCH": await Patch(ctx, c, res, ns, name); return;
                case "DELETE": await Delete(ctx, c, res, ns, name); return;
            }
            await MethodNotAllowed(ctx); return;
        }
        await WriteStatus(ctx, 404, "NotFound", "the server could not find the requested resource", new JsonObject());
    }

    private static Task MethodNotAllowed(HttpContext ctx) =>
        WriteStatus(ctx, 405, "MethodNotAllowed", $"the server does not allow this method on the requested resource", new JsonObject());

    private static JsonObject VersionBody() => new()
    {
        ["major"] = "1", ["minor"] = "32", ["emulationMajor"] = "1", ["emulationMinor"] = "32", ["minCompatibilityMajor"] = "1", ["minCompatibilityMinor"] = "31",
        ["gitVersion"] = "v1.32.7", ["gitCommit"] = "158eee9fac884b429a92465edd0d88a43f81de34", ["gitTreeState"] = "clean",
        ["buildDate"] = "2025-07-15T18:06:15Z", ["goVersion"] = "go1.23.10", ["compiler"] = "gc", ["platform"] = "linux/amd64",
    };

    private static JsonObject ResourceList()
    {
        JsonObject R(string name, string singular, bool namespaced, string kind, string[] verbs, string[]? shortNames = null, bool all = false)
        {
            var o = new JsonObject { ["name"] = name, ["singularName"] = singular, ["namespaced"] = namespaced, ["kind"] = kind, ["verbs"] = new JsonArray(verbs.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()) };
            if (shortNames is not null) o["shortNames"] = new JsonArray(shortNames.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray());
            if (all) o["categories"] = new JsonArray("all");
            return o;
        }
        var full = AllVerbs;
        var svc = R("services", "service", true, "Service", full, ["svc"], true);
        svc["storageVersionHash"] = "0/CO1lhkEBI=";
        return new JsonObject
        {
            ["kind"] = "APIResourceList", ["apiVersion"] = "v1", ["groupVersion"] = "v1",
            ["resources"] = new JsonArray(
                R("events", "event", true, "Event", full, ["ev"]),
                R("namespaces", "namespace", false, "Namespace", NamespaceVerbs, ["ns"]),
                R("nodes", "node", false, "Node", full, ["no"]),
                R("pods", "pod", true, "Pod", full, ["po"], true),
                R("pods/log", "", true, "Pod", GetVerb),
                R("pods/status", "", true, "Pod", StatusVerbs),
                svc,
                R("services/status", "", true, "Service", StatusVerbs)),
        };
    }

    // ------------------------------------------------------------------ selectors
    internal static Func<JsonObject, bool> BuildFilter(string? labelSelector, string? fieldSelector)
    {
        var preds = new List<Func<JsonObject, bool>>();
        if (!string.IsNullOrWhiteSpace(labelSelector))
        {
            foreach (var raw in SplitSelector(labelSelector))
            {
                var term = raw.Trim();
                if (term.Length == 0) continue;
                var m = Regex.Match(term, @"^(?<k>[^\s!=]+)\s+(?<op>in|notin)\s+\((?<v>[^)]*)\)$");
                if (m.Success)
                {
                    var k = m.Groups["k"].Value; var vals = m.Groups["v"].Value.Split(',').Select(v => v.Trim()).ToHashSet();
                    var notin = m.Groups["op"].Value == "notin";
                    preds.Add(o => { var v = JsonUtil.S(o, "metadata", "labels", k); return notin ? v is null || !vals.Contains(v) : v is not null && vals.Contains(v); });
                    continue;
                }
                if (term.Contains("!="))
                {
                    var p = term.Split("!=", 2); var k = p[0].Trim(); var v = p[1].Trim();
                    preds.Add(o => JsonUtil.S(o, "metadata", "labels", k) != v);
                }
                else if (term.Contains('='))
                {
                    var p = term.Split('=', 2); var k = p[0].Trim(); var v = p[1].TrimStart('=').Trim();
                    preds.Add(o => JsonUtil.S(o, "metadata", "labels", k) == v);
                }
                else if (term.StartsWith('!')) { var k = term[1..].Trim(); preds.Add(o => JsonUtil.S(o, "metadata", "labels", k) is null); }
                else { var k = term; preds.Add(o => JsonUtil.S(o, "metadata", "labels", k) is not null); }
            }
        }
        if (!string.IsNullOrWhiteSpace(fieldSelector))
        {
            foreach (var raw in fieldSelector.Split(','))
            {
                var term = raw.Trim();
                if (term.Length == 0) continue;
                bool neg = term.Contains("!=");
                var p = neg ? term.Split("!=", 2) : term.Split('=', 2);
                if (p.Length != 2) continue;
                var path = p[0].Trim().Split('.'); var v = p[1].TrimStart('=').Trim();
                preds.Add(o => { var actual = JsonUtil.S(o, path) ?? ""; return neg ? actual != v : actual == v; });
            }
        }
        return o => preds.All(p => p(o));
    }

    private static IEnumerable<string> SplitSelector(string s)
    {
        var depth = 0; var sb = new StringBuilder();
        foreach (var ch in s)
        {
            if (ch == '(') depth++;
            if (ch == ')') depth--;
            if (ch == ',' && depth == 0) { yield return sb.ToString(); sb.Clear(); continue; }
            sb.Append(ch);
        }
        yield return sb.ToString();
    }

    private static string ListKind(string kind) => kind + "List";

    // ------------------------------------------------------------------ list / watch
    private async Task ListOrWatch(HttpContext ctx, Cluster c, string kind, string? ns, FaultRule? fault)
    {
        var q = ctx.Request.Query;
        var filter = BuildFilter(q["labelSelector"], q["fieldSelector"]);
        var watch = q["watch"].ToString() is "true" or "1" or "True";
        if (ns is not null)
        {
            bool exists; lock (W.Sync) exists = c.K8s.Namespaces.ContainsKey(ns);
            if (!exists && !watch && kind != "Event") { /* real apiserver returns an empty list for a missing namespace */ }
        }
        if (watch) { await Watch(ctx, c, kind, ns, filter, fault); return; }
        JsonArray items; long rv;
        lock (W.Sync)
        {
            items = new JsonArray(c.K8s.Store(kind).Values
                .Where(o => ns is null || JsonUtil.S(o, "metadata", "namespace") == ns)
                .Where(filter)
                .OrderBy(o => JsonUtil.S(o, "metadata", "namespace")).ThenBy(o => JsonUtil.S(o, "metadata", "name"), StringComparer.Ordinal)
                .Select(o => (JsonNode)JsonUtil.Clone(o)).ToArray());
            rv = W.CurrentRv;
        }
        if (Debug) Console.Error.WriteLine($"list {c.Name} {kind} ns={ns} q={ctx.Request.QueryString} rv={rv} items=[{string.Join(",", items.Select(i => JsonUtil.S(i, "metadata", "name") + "@" + JsonUtil.S(i, "metadata", "resourceVersion")))}]");
        foreach (var i in items.OfType<JsonObject>()) { i.Remove("kind"); i.Remove("apiVersion"); }
        var wantsTable = ctx.Request.Headers.Accept.ToString().Contains("as=Table", StringComparison.OrdinalIgnoreCase);
        if (wantsTable && kind == "Service") { await WriteJson(ctx, 200, ServiceTable(items, rv)); return; }
        if (wantsTable && kind == "Pod") { await WriteJson(ctx, 200, PodTable(items, rv)); return; }
        if (wantsTable && kind == "Event") { await WriteJson(ctx, 200, SimpleTable(items, rv, EventColumns, e => new JsonArray(Age(new JsonObject { ["metadata"] = new JsonObject { ["creationTimestamp"] = JsonUtil.S(e, "lastTimestamp") } }), JsonUtil.S(e, "type"), JsonUtil.S(e, "reason"), $"{JsonUtil.S(e, "involvedObject", "kind")?.ToLowerInvariant()}/{JsonUtil.S(e, "involvedObject", "name")}", JsonUtil.S(e, "message")))); return; }
        if (wantsTable && kind == "Node") { await WriteJson(ctx, 200, SimpleTable(items, rv, NodeColumns, n => new JsonArray(JsonUtil.S(n, "metadata", "name"), "Ready", "<none>", Age(n), JsonUtil.S(n, "status", "nodeInfo", "kubeletVersion")))); return; }
        if (wantsTable && kind == "Namespace") { await WriteJson(ctx, 200, SimpleTable(items, rv, NamespaceColumns, n => new JsonArray(JsonUtil.S(n, "metadata", "name"), JsonUtil.S(n, "status", "phase"), Age(n)))); return; }
        await WriteJson(ctx, 200, new JsonObject { ["kind"] = ListKind(kind), ["apiVersion"] = "v1", ["metadata"] = new JsonObject { ["resourceVersion"] = rv.ToString() }, ["items"] = items });
    }

    private static JsonObject ServiceTable(JsonArray items, long rv)
    {
        JsonObject Col(string n, string desc, int prio = 0, string format = "") => new() { ["name"] = n, ["type"] = "string", ["format"] = format, ["description"] = desc, ["priority"] = prio };
        var rows = new JsonArray();
        foreach (var s in items.OfType<JsonObject>())
        {
            var type = JsonUtil.S(s, "spec", "type") ?? "ClusterIP";
            var ingress = (JsonUtil.Get(s, "status", "loadBalancer", "ingress") as JsonArray)?.Select(i => JsonUtil.S(i, "ip")).Where(x => x is not null).ToList() ?? new();
            var ext = type == "LoadBalancer" ? (ingress.Count > 0 ? string.Join(",", ingress) : "<pending>") : "<none>";
            var ports = string.Join(",", (JsonUtil.Get(s, "spec", "ports") as JsonArray ?? new JsonArray()).Select(p => JsonUtil.S(p, "nodePort") is { } np ? $"{JsonUtil.S(p, "port")}:{np}/{JsonUtil.S(p, "protocol")}" : $"{JsonUtil.S(p, "port")}/{JsonUtil.S(p, "protocol")}"));
            var created = DateTime.TryParse(JsonUtil.S(s, "metadata", "creationTimestamp"), null, System.Globalization.DateTimeStyles.AdjustToUniversal, out var t) ? DateTime.UtcNow - t : TimeSpan.Zero;
            var age = created.TotalMinutes >= 1 ? $"{(int)created.TotalMinutes}m" : $"{Math.Max(0, (int)created.TotalSeconds)}s";
            var sel = JsonUtil.Get(s, "spec", "selector") is JsonObject so && so.Count > 0 ? string.Join(",", so.Select(kv => $"{kv.Key}={kv.Value}")) : "<none>";
            rows.Add(new JsonObject
            {
                ["cells"] = new JsonArray(JsonUtil.S(s, "metadata", "name"), type, JsonUtil.S(s, "spec", "clusterIP") ?? "<none>", ext, ports.Length == 0 ? "<none>" : ports, age, sel),
                ["object"] = new JsonObject { ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = JsonUtil.Get(s, "metadata")!.DeepClone() },
            });
        }
        return new JsonObject
        {
            ["kind"] = "Table", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = new JsonObject { ["resourceVersion"] = rv.ToString() },
            ["columnDefinitions"] = new JsonArray(Col("Name", "Name must be unique within a namespace.", 0, "name"), Col("Type", "type determines how the Service is exposed."),
                Col("Cluster-IP", "clusterIP is the IP address of the service."), Col("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
                Col("Port(s)", "The list of ports that are exposed by this service."), Col("Age", "CreationTimestamp is a timestamp representing the server time when this object was created."),
                Col("Selector", "Route service traffic to pods with label keys and values matching this selector.", 1)),
            ["rows"] = rows,
        };
    }

    private static string Age(JsonNode? o)
    {
        var created = DateTime.TryParse(JsonUtil.S(o, "metadata", "creationTimestamp"), null, System.Globalization.DateTimeStyles.AdjustToUniversal, out var t) ? DateTime.UtcNow - t : TimeSpan.Zero;
        return created.TotalHours >= 1 ? $"{(int)created.TotalHours}h" : created.TotalMinutes >= 1 ? $"{(int)created.TotalMinutes}m" : $"{Math.Max(0, (int)created.TotalSeconds)}s";
    }

    internal static string PodStatusText(JsonObject p)
    {
        if (JsonUtil.Get(p, "metadata", "deletionTimestamp") is not null) return "Terminating";
        var reason = JsonUtil.S(p, "status", "phase") ?? "Pending";
        if (JsonUtil.Get(p, "status", "conditions") is JsonArray conds && conds.OfType<JsonObject>().Any(c => JsonUtil.S(c, "reason") == "Unschedulable")) return "Pending";
        foreach (var cs in (JsonUtil.Get(p, "status", "containerStatuses") as JsonArray ?? new JsonArray()).OfType<JsonObject>())
        {
            if (JsonUtil.S(cs, "state", "waiting", "reason") is { } w) return w;
            if (JsonUtil.S(cs, "state", "terminated", "reason") is { } t) reason = t;
        }
        return reason;
    }

    private static JsonObject SimpleTable(JsonArray items, long rv, string[] cols, Func<JsonObject, JsonArray> cells)
    {
        var rows = new JsonArray(items.OfType<JsonObject>().Select(o => (JsonNode)new JsonObject
        {
            ["cells"] = cells(o),
            ["object"] = new JsonObject { ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = JsonUtil.Get(o, "metadata")!.DeepClone() },
        }).ToArray());
        return new JsonObject
        {
            ["kind"] = "Table", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = new JsonObject { ["resourceVersion"] = rv.ToString() },
            ["columnDefinitions"] = new JsonArray(cols.Select((c, i) => (JsonNode)new JsonObject { ["name"] = c, ["type"] = "string", ["format"] = i == 0 && c == "Name" ? "name" : "", ["description"] = c, ["priority"] = 0 }).ToArray()),
            ["rows"] = rows,
        };
    }

    private static JsonObject PodTable(JsonArray items, long rv)
    {
        JsonObject Col(string n, string desc, int prio = 0, string format = "", string type = "string") => new() { ["name"] = n, ["type"] = type, ["format"] = format, ["description"] = desc, ["priority"] = prio };
        var rows = new JsonArray();
        foreach (var p in items.OfType<JsonObject>())
        {
            var cs = (JsonUtil.Get(p, "status", "containerStatuses") as JsonArray ?? new JsonArray()).OfType<JsonObject>().ToList();
            var total = (JsonUtil.Get(p, "spec", "containers") as JsonArray)?.Count ?? 0;
            var ready = cs.Count(c => JsonUtil.Bool(c["ready"]) == true);
            var restarts = cs.Sum(c => JsonUtil.Int(c["restartCount"]) ?? 0);
            rows.Add(new JsonObject
            {
                ["cells"] = new JsonArray(JsonUtil.S(p, "metadata", "name"), $"{ready}/{total}", PodStatusText(p), restarts, Age(p),
                    JsonUtil.S(p, "status", "podIP") ?? "<none>", JsonUtil.S(p, "spec", "nodeName") ?? "<none>", "<none>", "<none>"),
                ["object"] = new JsonObject { ["kind"] = "PartialObjectMetadata", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = JsonUtil.Get(p, "metadata")!.DeepClone() },
            });
        }
        return new JsonObject
        {
            ["kind"] = "Table", ["apiVersion"] = "meta.k8s.io/v1", ["metadata"] = new JsonObject { ["resourceVersion"] = rv.ToString() },
            ["columnDefinitions"] = new JsonArray(Col("Name", "Name must be unique within a namespace.", 0, "name"), Col("Ready", "The aggregate readiness state of this pod for accepting traffic."),
                Col("Status", "The aggregate status of the containers in this pod."), Col("Restarts", "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.", 0, "", "string"),
                Col("Age", "CreationTimestamp is a timestamp representing the server time when this object was created."), Col("IP", "podIP address allocated to the pod.", 1),
                Col("Node", "Name of the node this pod is running on.", 1), Col("Nominated Node", "Name of the node where the pod is nominated.", 1), Col("Readiness Gates", "Pod Readiness Gates.", 1)),
            ["rows"] = rows,
        };
    }

    private async Task Watch(HttpContext ctx, Cluster c, string kind, string? ns, Func<JsonObject, bool> filter, FaultRule? fault)
    {
        var q = ctx.Request.Query;
        var rvText = q["resourceVersion"].ToString();
        var timeout = int.TryParse(q["timeoutSeconds"], out var ts) && ts > 0 ? ts : 1800;
        var bookmarks = q["allowWatchBookmarks"].ToString() == "true";
        var initial = new List<(string, JsonObject)>();
        var sub = new WatchSubscription { Kind = kind, Namespace = ns, Filter = filter };
        var gone = fault?.WatchOutcome == "gone";
        long requestedRv = 0;
        lock (W.Sync)
        {
            if (string.IsNullOrEmpty(rvText) || rvText == "0")
            {
                foreach (var o in c.K8s.Store(kind).Values.Where(o => ns is null || JsonUtil.S(o, "metadata", "namespace") == ns).Where(filter))
                    initial.Add(("ADDED", JsonUtil.Clone(o)));
            }
            else if (long.TryParse(rvText, out requestedRv))
            {
                if (requestedRv < c.K8s.HistoryTruncatedBefore) gone = true;
                else foreach (var h in c.K8s.History.Where(h => h.Rv > requestedRv && h.Kind == kind && (ns is null || h.Namespace == ns) && filter(h.Obj)))
                        initial.Add((h.Type, h.Obj));
            }
            if (!gone) c.K8s.Watchers.Add(sub);
        }
        if (Debug) Console.Error.WriteLine($"watch {c.Name} {kind} ns={ns} rv={rvText} initial={initial.Count} [{string.Join(",", initial.Select(i => i.Item1 + ":" + JsonUtil.S(i.Item2, "metadata", "name") + "@" + JsonUtil.S(i.Item2, "metadata", "resourceVersion")))}] current={W.CurrentRv}");
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        ctx.Response.Headers.CacheControl = "no-cache, private";
        // Like the apiserver's watch handler (WriteHeader + Flush before the first event): put the 200 and its headers on the
        // wire now. StartAsync alone only buffers them, so a watch with nothing to send yet kept client-go inside its Watch()
        // call, where a reflector cannot be stopped. kubectl wait (watchtools.UntilWithSync) waits for its reflector to stop
        // after the condition holds, so whenever the list alone settled the wait it hung: --for=jsonpath/condition past its
        // own --timeout (that watch has no deadline), --for=delete until it (kubectl delete: a week).
        await ctx.Response.StartAsync();
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
        var sent = 0;
        var dropAfter1 = fault?.WatchOutcome == "drop-after-1";
        try
        {
            if (gone)
            {
                var st = StatusBody(410, "Gone", $"too old resource version: {(requestedRv == 0 ? W.CurrentRv - 1 : requestedRv)} ({W.CurrentRv})");
                st.Remove("details");
                await WriteLine(ctx, new JsonObject { ["type"] = "ERROR", ["object"] = st });
                return;
            }
            foreach (var (t, o) in initial)
            {
                await WriteLine(ctx, new JsonObject { ["type"] = t, ["object"] = o.DeepClone() });
                NoteWatchEvent(ctx, o);
                if (dropAfter1 && ++sent >= 1) return;
            }
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted, emu.Stopping);
            cts.CancelAfter(TimeSpan.FromSeconds(timeout));
            while (true)
            {
                (string Type, JsonObject Obj) ev;
                try
                {
                    if (!await sub.Channel.Reader.WaitToReadAsync(cts.Token)) break;
                    if (!sub.Channel.Reader.TryRead(out ev)) continue;
                }
                catch (OperationCanceledException)
                {
                    // like the apiserver, send a final BOOKMARK when the watch times out so the client can resume from it
                    if (bookmarks && !ctx.RequestAborted.IsCancellationRequested && !emu.Stopping.IsCancellationRequested)
                        await WriteLine(ctx, new JsonObject { ["type"] = "BOOKMARK", ["object"] = new JsonObject { ["kind"] = kind, ["apiVersion"] = "v1", ["metadata"] = new JsonObject { ["resourceVersion"] = W.CurrentRv.ToString() } } });
                    break;
                }
                await WriteLine(ctx, new JsonObject { ["type"] = ev.Type, ["object"] = ev.Obj.DeepClone() });
                NoteWatchEvent(ctx, ev.Obj);
                if (dropAfter1 && ++sent >= 1) return;
            }
        }
        catch (Exception) when (ctx.RequestAborted.IsCancellationRequested) { }
        finally
        {
            lock (W.Sync) c.K8s.Watchers.Remove(sub);
        }
    }

    /// <summary>Records the event's resourceVersion on the request log entry (tests check that clients resume from it).</summary>
    private static void NoteWatchEvent(HttpContext ctx, JsonObject obj)
    {
        if (ctx.Features.Get<EmulatorRequest>()?.LogEntry is { } entry)
            entry.LastWatchEventResourceVersion = JsonUtil.S(obj, "metadata", "resourceVersion");
    }

    private static async Task WriteLine(HttpContext ctx, JsonNode ev)
    {
        await ctx.Response.WriteAsync(JsonUtil.Str(ev) + "\n", ctx.RequestAborted);
        await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
    }

    // ------------------------------------------------------------------ get
    private async Task GetOne(HttpContext ctx, Cluster c, string res, string? ns, string name)
    {
        JsonObject? o;
        lock (W.Sync) o = c.K8s.Store(KindOf[res]).TryGetValue(ns is null ? name : ns + "/" + name, out var x) ? JsonUtil.Clone(x) : null;
        if (o is null) { await NotFound(ctx, res, name); return; }
        await WriteJson(ctx, 200, o);
    }

    private async Task Namespaces(HttpContext ctx, Cluster c, string? name, FaultRule? fault)
    {
        var method = ctx.Request.Method;
        if (name is null && method == "GET") { await ListOrWatch(ctx, c, "Namespace", null, fault); return; }
        if (name is not null && method == "GET") { await GetOne(ctx, c, "namespaces", null, name); return; }
        if (name is null && method == "POST")
        {
            var body = await ReadBody(ctx);
            if (body is null) { await WriteStatus(ctx, 400, "BadRequest", "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf"); return; }
            var n = JsonUtil.S(body, "metadata", "name") ?? "";
            if (!Regex.IsMatch(n, "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$") || n.Length > 63)
            { await Invalid(ctx, "Namespace", n, new() { ("metadata.name", "FieldValueInvalid", $"Invalid value: \"{n}\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')") }); return; }
            JsonObject created;
            lock (W.Sync)
            {
                if (c.K8s.Namespaces.ContainsKey(n)) created = null!;
                else
                {
                    var labels = JsonUtil.Get(body, "metadata", "labels") as JsonObject;
                    var l = labels is null ? new JsonObject() : JsonUtil.Clone(labels);
                    l["kubernetes.io/metadata.name"] = n;
                    created = W.NewNamespaceObject(n, l);
                    if (JsonUtil.Get(body, "metadata", "annotations") is JsonObject ann) JsonUtil.Obj(created, "metadata")["annotations"] = ann.DeepClone();
                    W.Commit(c.K8s, "Namespace", "ADDED", created);
                    created = JsonUtil.Clone(created);
                }
            }
            if (created is null) { await WriteStatus(ctx, 409, "AlreadyExists", $"namespaces \"{n}\" already exists", Details(n, "namespaces")); return; }
            await WriteJson(ctx, 201, created);
            return;
        }
        await MethodNotAllowed(ctx);
    }

    internal static async Task<JsonObject?> ReadBody(HttpContext ctx)
    {
        using var sr = new StreamReader(ctx.Request.Body, Encoding.UTF8);
        var text = await sr.ReadToEndAsync();
        if (string.IsNullOrWhiteSpace(text)) return null;
        try { return JsonNode.Parse(text) as JsonObject; } catch { return null; }
    }
}
