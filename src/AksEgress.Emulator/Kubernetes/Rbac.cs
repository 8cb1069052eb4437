using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace AksEgress.Emulator;

/// <summary>One RBAC rule of the limited user: verbs on resources ("pods/log" for a subresource) in a namespace (null = cluster-wide).</summary>
public sealed record RbacRule(IReadOnlyCollection<string> Resources, IReadOnlyCollection<string> Verbs, string? Namespace);

/// <summary>
/// Optional Kubernetes RBAC for a per-cluster "limited" user. Off by default: the normal kubeconfig tokens stay all-powerful.
/// <see cref="Apply"/> (or <c>PUT /_emulator/rbac</c>) binds Role/ClusterRole rules to the cluster's limited user and writes
/// <c>StateDir/&lt;cluster&gt;-limited.kubeconfig</c>; requests with that token are then authorised rule by rule and refused with the
/// apiserver's 403 Status (<c>services "x" is forbidden: User "u" cannot create resource "services" in API group "" in the namespace "default"</c>).
/// Discovery (/version, /api, /apis, /api/v1) is open to every authenticated user, as with system:discovery.
/// </summary>
public sealed class RbacEnforcer
{
    private readonly AksEmulator _emu;
    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, IReadOnlyList<RbacRule>> _rules = new(StringComparer.OrdinalIgnoreCase);

    internal RbacEnforcer(AksEmulator emu) => _emu = emu;

    /// <summary>The limited user's name as the apiserver reports it.</summary>
    public static string UserName(string cluster) => $"aksegress-limited@{cluster}";

    internal string Token(string cluster) => _tokens.GetOrAdd(cluster, _ => Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant());

    internal bool IsLimitedToken(string cluster, string token) =>
        _rules.ContainsKey(cluster) && _tokens.TryGetValue(cluster, out var t) && CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(t), System.Text.Encoding.ASCII.GetBytes(token));

    /// <summary>Binds the rules to the cluster's limited user (replacing earlier ones) and returns the path of its kubeconfig.</summary>
    public string Apply(string cluster, IEnumerable<RbacRule> rules)
    {
        if (!_emu.World.ClusterNames.Contains(cluster, StringComparer.OrdinalIgnoreCase)) throw new ArgumentException($"unknown cluster '{cluster}'", nameof(cluster));
        _rules[cluster] = rules.ToArray();
        var path = Path.Combine(_emu.StateDir, cluster + "-limited.kubeconfig");
        File.WriteAllText(path, _emu.BuildKubeconfig(cluster, UserName(cluster), cluster + "-limited", Token(cluster), exec: false));
        return path;
    }

    /// <summary>Binds Role/ClusterRole YAML (the subset kubectl users write: see <see cref="ParseRoles"/>).</summary>
    public string ApplyYaml(string cluster, string yaml) => Apply(cluster, ParseRoles(yaml));

    public IReadOnlyList<RbacRule> Rules(string cluster) => _rules.TryGetValue(cluster, out var r) ? r : Array.Empty<RbacRule>();

    /// <summary>Removes every binding: limited tokens are then refused (401).</summary>
    public void Clear() => _rules.Clear();

    /// <summary>Null when allowed; otherwise the 403 message.</summary>
    internal (string Message, JsonObject Details)? Deny(HttpContext ctx, string cluster)
    {
        var path = ctx.Request.Path.Value!.TrimEnd('/');
        if (path is "/version" or "/api" or "/apis" or "/api/v1" || path.StartsWith("/openapi", StringComparison.Ordinal)) return null;
        var seg = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (seg.Length < 3 || seg[0] != "api" || seg[1] != "v1") return null;   // unknown routes answer 404 as before
        var rest = seg.Skip(2).ToArray();
        string? ns = null, resource, name = null, sub = null;
        if (rest[0] == "namespaces" && rest.Length >= 3) { ns = rest[1]; resource = rest[2]; name = rest.ElementAtOrDefault(3); sub = rest.ElementAtOrDefault(4); }
        else if (rest[0] == "namespaces") { resource = "namespaces"; name = rest.ElementAtOrDefault(1); }
        else { resource = rest[0]; name = rest.ElementAtOrDefault(1); sub = rest.ElementAtOrDefault(2); }
        var method = ctx.Request.Method;
        var watch = ctx.Request.Query["watch"] is var w && (w == "true" || w == "1");
        var verb = method switch
        {
            "GET" or "HEAD" => name is null ? (watch ? "watch" : "list") : "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => name is null ? "deletecollection" : "delete",
            _ => method.ToLowerInvariant(),
        };
        var fullResource = sub is null or "" ? resource : resource + "/" + sub;
        foreach (var r in Rules(cluster))
        {
            if (r.Namespace is not null && !string.Equals(r.Namespace, ns, StringComparison.Ordinal)) continue;
            if (!r.Resources.Contains(fullResource) && !r.Resources.Contains("*")) continue;
            if (!r.Verbs.Contains(verb) && !r.Verbs.Contains("*")) continue;
            return null;
        }
        var who = name is not null && verb != "create" ? $"{resource} \"{name}\"" : resource;
        var where = ns is not null ? $" in the namespace \"{ns}\"" : " at the cluster scope";
        var details = new JsonObject { ["kind"] = resource };
        if (name is not null) details["name"] = name;
        return ($"{who} is forbidden: User \"{UserName(cluster)}\" cannot {verb} resource \"{fullResource}\" in API group \"\"{where}", details);
    }

    /// <summary>
    /// Reads Role/ClusterRole documents (separated by ---): kind, metadata.namespace, and rules with apiGroups/resources/verbs as
    /// flow lists (["get", "list"]) or block lists. Only the core API group ("") is modelled; other rules are ignored. A Role
    /// without metadata.namespace applies to "default". RoleBindings and other kinds in the text are skipped.
    /// </summary>
    public static IReadOnlyList<RbacRule> ParseRoles(string yaml)
    {
        var result = new List<RbacRule>();
        foreach (var doc in yaml.Replace("\r\n", "\n").Split("\n---"))
        {
            string? kind = null, ns = null, listKey = null;
            var section = "";
            var ruleIndent = -1;
            var rules = new List<Dictionary<string, List<string>>>();
            Dictionary<string, List<string>>? rule = null;
            foreach (var raw in doc.Split('\n'))
            {
                var line = raw.Split(" #")[0].TrimEnd();
                var t = line.Trim();
                if (t.Length == 0 || t.StartsWith('#') || t == "---") continue;
                var indent = line.Length - line.TrimStart().Length;
                if (indent == 0 && !t.StartsWith("- "))
                {
                    section = t.TrimEnd(':'); listKey = null;
                    if (t.StartsWith("kind:")) kind = Scalar(t[5..]);
                    continue;
                }
                if (section == "metadata" && t.StartsWith("namespace:")) { ns = Scalar(t[10..]); continue; }
                if (section != "rules") continue;
                if (t.StartsWith("- ") && (ruleIndent < 0 || indent == ruleIndent))
                {
                    ruleIndent = indent;
                    rule = new Dictionary<string, List<string>>(); rules.Add(rule); listKey = null;
                    t = t[2..].Trim();
                }
                if (rule is null) continue;
                if (t.StartsWith("- ")) { if (listKey is not null) rule[listKey].Add(Scalar(t[2..])); continue; }
                var colon = t.IndexOf(':');
                if (colon < 0) continue;
                var key = t[..colon].Trim();
                var value = t[(colon + 1)..].Trim();
                rule[key] = new List<string>();
                listKey = null;
                if (value.StartsWith('['))
                    foreach (var v in value.Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries)) rule[key].Add(Scalar(v));
                else if (value.Length > 0) rule[key].Add(Scalar(value));
                else listKey = key;
            }
            if (kind is not ("Role" or "ClusterRole")) continue;
            foreach (var r in rules)
            {
                var groups = r.GetValueOrDefault("apiGroups") ?? new List<string> { "" };
                if (!groups.Contains("") && !groups.Contains("*")) continue;
                result.Add(new RbacRule(r.GetValueOrDefault("resources") ?? new List<string>(), r.GetValueOrDefault("verbs") ?? new List<string>(),
                    kind == "ClusterRole" ? null : ns ?? "default"));
            }
        }
        return result;

        static string Scalar(string s) => s.Trim().Trim('"', '\'');
    }

    /// <summary>Admin API: PUT {cluster, role (YAML text) | rules [{resources, verbs, namespace}]} → {kubeconfigPath, user}; GET → rules; DELETE → all cleared.</summary>
    internal async Task HandleAdmin(HttpContext ctx)
    {
        switch (ctx.Request.Method)
        {
            case "DELETE": Clear(); ctx.Response.StatusCode = 204; return;
            case "GET":
                var all = new JsonObject();
                foreach (var (c, rs) in _rules)
                    all[c] = new JsonArray(rs.Select(r => (JsonNode)new JsonObject
                    {
                        ["resources"] = new JsonArray(r.Resources.Select(x => (JsonNode)x).ToArray()),
                        ["verbs"] = new JsonArray(r.Verbs.Select(x => (JsonNode)x).ToArray()),
                        ["namespace"] = r.Namespace,
                    }).ToArray());
                await ArmApi.Write(ctx, 200, all, "application/json");
                return;
            case "PUT" or "POST":
                var b = await K8sApi.ReadBody(ctx);
                var cluster = JsonUtil.S(b, "cluster");
                if (string.IsNullOrEmpty(cluster) || !_emu.World.ClusterNames.Contains(cluster, StringComparer.OrdinalIgnoreCase))
                { await ArmApi.Write(ctx, 400, Error("an existing cluster is required")); return; }
                IReadOnlyList<RbacRule> rules;
                if (JsonUtil.S(b, "role") is { } yaml) rules = ParseRoles(yaml);
                else if (JsonUtil.Get(b, "rules") is JsonArray arr)
                    rules = arr.Select(n => new RbacRule(
                        (n?["resources"] as JsonArray)?.Select(x => x!.ToString()).ToArray() ?? Array.Empty<string>(),
                        (n?["verbs"] as JsonArray)?.Select(x => x!.ToString()).ToArray() ?? Array.Empty<string>(),
                        (string?)n?["namespace"])).ToArray();
                else { await ArmApi.Write(ctx, 400, Error("give 'role' (Role/ClusterRole YAML) or 'rules'")); return; }
                var path = Apply(cluster, rules);
                await ArmApi.Write(ctx, 200, new JsonObject { ["kubeconfigPath"] = path, ["user"] = UserName(cluster), ["rules"] = rules.Count }, "application/json");
                return;
        }
        await ArmApi.Write(ctx, 405, Error("use GET, PUT or DELETE"));

        static JsonObject Error(string m) => new() { ["error"] = new JsonObject { ["code"] = "InvalidRequest", ["message"] = m } };
    }
}
