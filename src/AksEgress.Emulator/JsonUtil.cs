using System.Text.Encodings.Web;
using System.Text.Json;

namespace AksEgress.Emulator;

/// <summary>JsonNode helpers (path lookup, typed reads, cloning, serialization) shared by the ARM and Kubernetes handlers.</summary>
internal static class JsonUtil
{
    public static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    public static readonly JsonSerializerOptions Indented = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true };

    public static string Str(JsonNode? n) => n is null ? "null" : n.ToJsonString(Options);
    public static JsonObject Clone(JsonObject o) => (JsonObject)o.DeepClone();
    public static JsonNode? Parse(string s) => JsonNode.Parse(s);

    public static string? S(JsonNode? n, params string[] path)
    {
        var cur = n;
        foreach (var p in path)
        {
            if (cur is JsonObject o && o.TryGetPropertyValue(p, out var next)) cur = next; else return null;
        }
        if (cur is JsonValue v)
        {
            if (v.TryGetValue<string>(out var s)) return s;
            return v.ToJsonString();
        }
        return null;
    }

    public static JsonNode? Get(JsonNode? n, params string[] path)
    {
        var cur = n;
        foreach (var p in path)
        {
            if (cur is JsonObject o && o.TryGetPropertyValue(p, out var next)) cur = next; else return null;
        }
        return cur;
    }

    public static JsonObject Obj(JsonObject parent, string key)
    {
        if (parent[key] is JsonObject o) return o;
        var n = new JsonObject();
        parent[key] = n;
        return n;
    }

    public static JsonArray Arr(JsonObject parent, string key)
    {
        if (parent[key] is JsonArray a) return a;
        var n = new JsonArray();
        parent[key] = n;
        return n;
    }

    public static int? Int(JsonNode? n)
    {
        if (n is JsonValue v)
        {
            if (v.TryGetValue<int>(out var i)) return i;
            if (v.TryGetValue<long>(out var l)) return (int)l;
            if (v.TryGetValue<double>(out var d)) return (int)d;
            if (v.TryGetValue<string>(out var s) && int.TryParse(s, out var p)) return p;
            if (v.GetValueKind() == JsonValueKind.Number && int.TryParse(v.ToJsonString(), out var q)) return q;
        }
        return null;
    }

    public static bool? Bool(JsonNode? n)
    {
        if (n is JsonValue v)
        {
            if (v.GetValueKind() == JsonValueKind.True) return true;
            if (v.GetValueKind() == JsonValueKind.False) return false;
        }
        return null;
    }

    /// <summary>RFC 7386 JSON merge patch; keys starting with '$' (strategic-merge directives) are ignored.</summary>
    public static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject po) return patch?.DeepClone();
        var to = target as JsonObject ?? new JsonObject();
        foreach (var (k, v) in po)
        {
            if (k.StartsWith('$')) continue;
            if (v is null) { to.Remove(k); continue; }
            var existing = to.TryGetPropertyValue(k, out var e) ? e : null;
            var merged = MergePatch(existing, v);
            to[k] = merged is null ? null : (merged.Parent is null ? merged : merged.DeepClone());
        }
        return to;
    }

    private static readonly Dictionary<string, string> MergeKeys = new()
    {
        ["spec/ports"] = "port", ["spec/containers"] = "name", ["spec/initContainers"] = "name", ["spec/volumes"] = "name",
        ["spec/containers/env"] = "name", ["spec/containers/ports"] = "containerPort",
        // apps/v1 pod templates
        ["spec/template/spec/containers"] = "name", ["spec/template/spec/initContainers"] = "name", ["spec/template/spec/volumes"] = "name",
        ["spec/template/spec/containers/env"] = "name", ["spec/template/spec/containers/ports"] = "containerPort",
    };
    private static readonly HashSet<string> MergePrimitiveLists = new() { "metadata/finalizers" };

    /// <summary>Strategic merge patch for the core/v1 fields the emulator serves (merge keys for ports/containers/volumes, finalizers merged).</summary>
    public static JsonNode? StrategicMerge(JsonNode? target, JsonNode? patch, string path = "")
    {
        if (patch is not JsonObject po) return patch?.DeepClone();
        if (JsonUtil.S(po, "$patch") == "replace")
        {
            var clean = (JsonObject)po.DeepClone(); clean.Remove("$patch");
            return clean;
        }
        var to = target as JsonObject ?? new JsonObject();
        foreach (var (k, v) in po)
        {
            if (k.StartsWith('$'))
            {
                if (k.StartsWith("$deleteFromPrimitiveList/") && v is JsonArray del && to[k["$deleteFromPrimitiveList/".Length..]] is JsonArray prim)
                    foreach (var d in del) foreach (var e in prim.Where(e => Str(e) == Str(d)).ToList()) prim.Remove(e);
                continue;
            }
            var childPath = path.Length == 0 ? k : path + "/" + k;
            var normPath = System.Text.RegularExpressions.Regex.Replace(childPath, "/[0-9]+", "");
            if (v is null) { to.Remove(k); continue; }
            if (v is JsonArray pa && MergeKeys.TryGetValue(normPath, out var mk) && to[k] is JsonArray existing)
            {
                var result = new JsonArray(existing.Select(e => e?.DeepClone()).ToArray());
                foreach (var pe in pa.OfType<JsonObject>())
                {
                    var keyVal = Str(pe[mk]);
                    var match = result.OfType<JsonObject>().FirstOrDefault(e => Str(e[mk]) == keyVal);
                    if (S(pe, "$patch") == "delete") { if (match is not null) result.Remove(match); continue; }
                    if (match is null) { var add = (JsonObject)pe.DeepClone(); add.Remove("$patch"); result.Add(add); }
                    else StrategicMerge(match, pe, childPath);
                }
                if (po["$setElementOrder/" + k] is JsonArray order)
                {
                    var keys = order.Select(o => Str(o?[mk])).ToList();
                    var sorted = result.OfType<JsonObject>().OrderBy(e => { var i = keys.IndexOf(Str(e[mk])); return i < 0 ? int.MaxValue : i; }).Select(e => (JsonNode)e.DeepClone()).ToArray();
                    result = new JsonArray(sorted);
                }
                to[k] = result;
                continue;
            }
            if (v is JsonArray prims && MergePrimitiveLists.Contains(normPath) && to[k] is JsonArray cur)
            {
                foreach (var p in prims) if (!cur.Any(c => Str(c) == Str(p))) cur.Add(p?.DeepClone());
                continue;
            }
            var existingChild = to.TryGetPropertyValue(k, out var e0) ? e0 : null;
            var merged = StrategicMerge(existingChild, v, childPath);
            to[k] = merged is null ? null : (merged.Parent is null ? merged : merged.DeepClone());
        }
        return to;
    }

    /// <summary>Deep merge used for ARM partial bodies: objects merge, everything else replaces.</summary>
    public static void DeepMerge(JsonObject target, JsonObject source)
    {
        foreach (var (k, v) in source)
        {
            if (v is JsonObject so && target[k] is JsonObject to) DeepMerge(to, so);
            else target[k] = v?.DeepClone();
        }
    }

    public static string Now() => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ");
    public static string NowFine() => DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ");
}
