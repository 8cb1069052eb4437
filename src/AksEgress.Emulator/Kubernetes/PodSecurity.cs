namespace AksEgress.Emulator;

/// <summary>The Pod Security Standards "restricted" profile (subset of checks with the real message texts).</summary>
internal static class PodSecurity
{
    public static string? CheckRestricted(JsonObject pod)
    {
        var spec = JsonUtil.Get(pod, "spec") as JsonObject ?? new JsonObject();
        var podSc = spec["securityContext"] as JsonObject;
        var containers = new List<JsonObject>();
        foreach (var key in new[] { "initContainers", "containers" })
            if (spec[key] is JsonArray a) containers.AddRange(a.OfType<JsonObject>());
        var problems = new List<string>();
        string Quote(IEnumerable<string> names) => string.Join(", ", names.Select(n => $"\"{n}\""));
        string Plural(List<string> names, string one, string many) => names.Count == 1 ? one : many;

        var hostNs = new List<string>();
        if (JsonUtil.Bool(spec["hostNetwork"]) == true) hostNs.Add("hostNetwork=true");
        if (JsonUtil.Bool(spec["hostPID"]) == true) hostNs.Add("hostPID=true");
        if (JsonUtil.Bool(spec["hostIPC"]) == true) hostNs.Add("hostIPC=true");
        if (hostNs.Count > 0) problems.Add($"host namespaces ({string.Join(", ", hostNs)})");

        var privileged = containers.Where(c => JsonUtil.Bool(JsonUtil.Get(c, "securityContext", "privileged")) == true).Select(c => JsonUtil.S(c, "name")!).ToList();
        if (privileged.Count > 0) problems.Add($"privileged ({Plural(privileged, "container", "containers")} {Quote(privileged)} must not set securityContext.privileged=true)");

        if (spec["volumes"] is JsonArray vols)
        {
            var hostPath = vols.OfType<JsonObject>().Where(v => v["hostPath"] is not null).Select(v => JsonUtil.S(v, "name")!).ToList();
            if (hostPath.Count > 0) problems.Add($"hostPath volumes ({Plural(hostPath, "volume", "volumes")} {Quote(hostPath)})");
            var allowed = new HashSet<string> { "name", "configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret" };
            var restricted = new List<string>();
            foreach (var v in vols.OfType<JsonObject>())
                foreach (var (k, _) in v)
                    if (!allowed.Contains(k)) restricted.Add($"\"{JsonUtil.S(v, "name")}\" uses restricted volume type \"{k}\"");
            if (restricted.Count > 0) problems.Add($"restricted volume types (volume {string.Join(", ", restricted)})");
        }

        var ape = containers.Where(c => JsonUtil.Bool(JsonUtil.Get(c, "securityContext", "allowPrivilegeEscalation")) != false).Select(c => JsonUtil.S(c, "name")!).ToList();
        if (ape.Count > 0) problems.Add($"allowPrivilegeEscalation != false ({Plural(ape, "container", "containers")} {Quote(ape)} must set securityContext.allowPrivilegeEscalation=false)");

        var dropMissing = new List<string>(); var badAdd = new List<string>();
        foreach (var c in containers)
        {
            var caps = JsonUtil.Get(c, "securityContext", "capabilities") as JsonObject;
            var drop = (caps?["drop"] as JsonArray)?.Select(x => x?.ToString()).ToList() ?? new();
            if (!drop.Contains("ALL")) dropMissing.Add(JsonUtil.S(c, "name")!);
            var add = (caps?["add"] as JsonArray)?.Select(x => x?.ToString()!).Where(x => x != "NET_BIND_SERVICE").ToList() ?? new();
            if (add.Count > 0) badAdd.Add(JsonUtil.S(c, "name")!);
        }
        if (dropMissing.Count > 0 || badAdd.Count > 0)
        {
            var parts = new List<string>();
            if (dropMissing.Count > 0) parts.Add($"{Plural(dropMissing, "container", "containers")} {Quote(dropMissing)} must set securityContext.capabilities.drop=[\"ALL\"]");
            if (badAdd.Count > 0) parts.Add($"{Plural(badAdd, "container", "containers")} {Quote(badAdd)} must not include capabilities other than \"NET_BIND_SERVICE\" in securityContext.capabilities.add");
            problems.Add($"unrestricted capabilities ({string.Join("; ", parts)})");
        }

        var podNonRoot = JsonUtil.Bool(podSc?["runAsNonRoot"]);
        var nonRoot = containers.Where(c => { var v = JsonUtil.Bool(JsonUtil.Get(c, "securityContext", "runAsNonRoot")); return v == false || (v is null && podNonRoot != true); }).Select(c => JsonUtil.S(c, "name")!).ToList();
        if (podNonRoot == false || nonRoot.Count > 0)
        {
            problems.Add(podNonRoot == false
                ? "runAsNonRoot != true (pod must not set securityContext.runAsNonRoot=false)"
                : $"runAsNonRoot != true (pod or {Plural(nonRoot, "container", "containers")} {Quote(nonRoot)} must set securityContext.runAsNonRoot=true)");
        }
        var runAsRoot = containers.Where(c => JsonUtil.Int(JsonUtil.Get(c, "securityContext", "runAsUser")) == 0).Select(c => JsonUtil.S(c, "name")!).ToList();
        if (JsonUtil.Int(podSc?["runAsUser"]) == 0 || runAsRoot.Count > 0)
            problems.Add(JsonUtil.Int(podSc?["runAsUser"]) == 0 ? "runAsUser=0 (pod must not set runAsUser=0)" : $"runAsUser=0 ({Plural(runAsRoot, "container", "containers")} {Quote(runAsRoot)} must not set runAsUser=0)");

        static bool OkSeccomp(string? t) => t is "RuntimeDefault" or "Localhost";
        var podSeccomp = JsonUtil.S(podSc, "seccompProfile", "type");
        var noSeccomp = containers.Where(c => { var t = JsonUtil.S(c, "securityContext", "seccompProfile", "type"); return t is null ? !OkSeccomp(podSeccomp) : !OkSeccomp(t); }).Select(c => JsonUtil.S(c, "name")!).ToList();
        if (noSeccomp.Count > 0)
            problems.Add(podSeccomp is not null && !OkSeccomp(podSeccomp)
                ? $"seccompProfile (pod must not set securityContext.seccompProfile.type to \"{podSeccomp}\")"
                : $"seccompProfile (pod or {Plural(noSeccomp, "container", "containers")} {Quote(noSeccomp)} must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")");
        return problems.Count == 0 ? null : string.Join(", ", problems);
    }
}

internal static class JsonPatch
{
    public static JsonObject? Apply(JsonObject doc, JsonArray ops)
    {
        foreach (var op in ops.OfType<JsonObject>())
        {
            var kind = JsonUtil.S(op, "op"); var path = JsonUtil.S(op, "path") ?? "";
            var parts = path.Split('/').Skip(1).Select(p => p.Replace("~1", "/").Replace("~0", "~")).ToArray();
            if (parts.Length == 0) return null;
            JsonNode? parent = doc;
            foreach (var p in parts[..^1])
            {
                parent = parent switch
                {
                    JsonObject o => o[p] ?? (kind == "add" ? (o[p] = new JsonObject()) : null),
                    JsonArray a when int.TryParse(p, out var i) && i < a.Count => a[i],
                    _ => null,
                };
                if (parent is null) return null;
            }
            var last = parts[^1];
            var value = op["value"]?.DeepClone();
            switch (kind)
            {
                case "add" or "replace":
                    if (parent is JsonObject po) po[last] = value;
                    else if (parent is JsonArray pa)
                    {
                        if (last == "-") pa.Add(value);
                        else if (int.TryParse(last, out var i) && i <= pa.Count) { if (kind == "replace") pa[i] = value; else pa.Insert(i, value); }
                        else return null;
                    }
                    break;
                case "remove":
                    if (parent is JsonObject ro) { if (!ro.Remove(last)) return null; }
                    else if (parent is JsonArray ra && int.TryParse(last, out var ri) && ri < ra.Count) ra.RemoveAt(ri);
                    else return null;
                    break;
                case "test":
                    var cur = parent is JsonObject to ? to[last] : parent is JsonArray ta && int.TryParse(last, out var ti) && ti < ta.Count ? ta[ti] : null;
                    if (JsonUtil.Str(cur) != JsonUtil.Str(value)) return null;
                    break;
                default: return null;
            }
        }
        return doc;
    }
}
