using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AksEgress.Emulator;

internal static class J
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
