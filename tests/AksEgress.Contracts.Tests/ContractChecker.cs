using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace AksEgress.Contracts.Tests;

/// <summary>One request/response pair recorded by the emulator's ContractRecorder.</summary>
internal sealed record TrafficRecord(string Target, string Method, string Path, string? ApiVersion, int Status, bool FaultInjected,
    string? RequestContentType, JsonNode? Request, string? ResponseContentType, bool ResponseTruncated, JsonNode? Response, string Source, string? UserAgent = null)
{
    /// <summary>Sent by the module's engine (Azure.Core with ApplicationId "AksEgress", or KubernetesClient), not by a test's own HTTP client or kubectl.</summary>
    public bool FromModule => UserAgent is not null && (UserAgent.StartsWith("AksEgress", StringComparison.Ordinal) || UserAgent.Contains("KubernetesClient", StringComparison.OrdinalIgnoreCase));

    public string Describe() => $"{Method} {Path}{(ApiVersion is null ? "" : "?api-version=" + ApiVersion)} -> {Status}";

    public static TrafficRecord FromJson(JsonObject o, string source) => new(
        o["target"]!.GetValue<string>(), o["method"]!.GetValue<string>(), o["path"]!.GetValue<string>(), o["apiVersion"]?.GetValue<string>(),
        o["status"]!.GetValue<int>(), o["faultInjected"]?.GetValue<bool>() ?? false, o["requestContentType"]?.GetValue<string>(), o["request"]?.DeepClone(),
        o["responseContentType"]?.GetValue<string>(), o["responseTruncated"]?.GetValue<bool>() ?? false, o["response"]?.DeepClone(), source,
        o["userAgent"]?.GetValue<string>());

    public static IReadOnlyList<TrafficRecord> ReadDirectory(string directory)
    {
        var list = new List<TrafficRecord>();
        if (!Directory.Exists(directory)) return list;
        foreach (var file in Directory.GetFiles(directory, "traffic-*.jsonl").OrderBy(f => f, StringComparer.Ordinal))
        {
            using var fs = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var sr = new StreamReader(fs);
            var n = 0;
            while (sr.ReadLine() is { } line)
            {
                n++;
                if (string.IsNullOrWhiteSpace(line)) continue;
                JsonObject? o;
                try { o = JsonNode.Parse(line) as JsonObject; } catch (JsonException) { o = null; } // a line cut by a killed process
                if (o is not null) list.Add(FromJson(o, $"{System.IO.Path.GetFileName(file)}:{n}"));
            }
        }
        return list;
    }
}

/// <summary>A contract finding: which request, where in the JSON, which rule.</summary>
internal sealed record Violation(string Operation, string Request, string Direction, string JsonPath, string Rule, string Message)
{
    public override string ToString() => $"{Direction} of {Request} [{Operation}] at {JsonPath}: {Rule}: {Message}";
}

/// <summary>What a check covered; the traffic tests group and count by it.</summary>
internal sealed record CheckOutcome(string Group, string Operation, string Direction, bool Covered, string? NotCoveredReason, IReadOnlyList<Violation> Violations);

/// <summary>Checks recorded traffic against the <see cref="SpecSet"/>: operation exists, bodies validate (JsonSchema.Net), readOnly not sent.</summary>
internal sealed class ContractChecker(SpecSet specs)
{
    private static readonly EvaluationOptions Options = new() { OutputFormat = OutputFormat.Hierarchical };

    /// <summary>How many contract checks ran (operation lookups and body validations), and what they covered.</summary>
    public int Checks { get; private set; }
    public SortedSet<string> OperationsCovered { get; } = new(StringComparer.Ordinal);
    public SortedSet<string> KindsCovered { get; } = new(StringComparer.Ordinal);

    private const string Undefined = "additionalProperties (property not defined by the schema)";
    /// <summary>ARM string enums are checked case-insensitively through a pattern (SchemaTranslator), so both report as one rule.</summary>
    public const string EnumRule = "enum/pattern";

    /// <summary>
    /// Validates <paramref name="instance"/> with JsonSchema.Net; returns (rule, JSON path, message) per failure and the JSON
    /// paths of readOnly properties present. Two passes, because a failing subschema drops its annotations and then
    /// <c>unevaluatedProperties</c> reports its valid siblings too: pass 1 (<paramref name="strict"/>) takes every finding
    /// except undefined properties; pass 2 (<paramref name="loose"/>: the same schemas without "required") runs on the body
    /// with pass 1's findings removed and takes the deepest undefined properties, removes them and runs again until the body
    /// is valid; its annotations then give the readOnly properties.
    /// </summary>
    public static (List<(string Rule, string Path, string Message)> Errors, List<string> ReadOnly) Validate(JsonSchema strict, JsonSchema loose, JsonNode? instance)
    {
        var errors = new List<(string Rule, string Path, string Message)>();
        var first = strict.Evaluate(SpecSet.Element(instance), Options);
        if (!first.IsValid)
            errors.AddRange(Leaves(first).Where(e => e.Rule != Undefined).Distinct());
        var work = instance?.DeepClone();
        foreach (var p in errors.Where(e => e.Rule != "required").Select(e => e.Path).Distinct().OrderByDescending(Depth))
            work = Remove(work, p);
        var readOnly = new List<string>();
        for (var round = 0; round < 50 && work is not null; round++)
        {
            var r = loose.Evaluate(SpecSet.Element(work), Options);
            if (r.IsValid)
            {
                foreach (var d in Flatten(r))
                    if (d.IsValid && d.Annotations is not null && d.Annotations.TryGetValue("readOnly", out var ro) && ro.ValueKind == JsonValueKind.True)
                        readOnly.Add(d.InstanceLocation.ToString());
                break;
            }
            var undefined = Leaves(r).Where(e => e.Rule == Undefined).Distinct().ToList();
            if (undefined.Count == 0) break; // nothing more this pass can name (pass 1 has the findings)
            var deepest = undefined.Max(e => Depth(e.Path));
            foreach (var e in undefined.Where(e => Depth(e.Path) == deepest).OrderByDescending(e => e.Path, StringComparer.Ordinal))
            {
                errors.Add(e);
                work = Remove(work, e.Path);
            }
        }
        return (errors.Distinct().ToList(), readOnly.Distinct().ToList());
    }

    private static IEnumerable<(string Rule, string Path, string Message)> Leaves(EvaluationResults result)
    {
        // Walk only failed nodes: a failed branch inside a passing oneOf/anyOf is not a finding.
        var all = new List<(string Rule, string Path, string Message)>();
        Collect(result);
        // The $ref/allOf nodes above a leaf repeat its failure: keep the leaves unless they are all there is.
        return all.Any(e => e.Rule is not ("allOf" or "$ref" or "oneOf" or "anyOf")) ? all.Where(e => e.Rule is not ("allOf" or "$ref")) : all;

        void Collect(EvaluationResults d)
        {
            if (d.IsValid) return;
            if (d.Errors is { Count: > 0 })
                foreach (var (keyword, message) in d.Errors)
                    all.Add((RuleOf(keyword, d.EvaluationPath.ToString(), message), d.InstanceLocation.ToString() is { Length: > 0 } p ? p : "/", message));
            if (d.Details is not null) foreach (var c in d.Details) Collect(c);
        }
    }

    private static int Depth(string pointer) => pointer == "/" ? 0 : pointer.Count(c => c == '/');

    /// <summary>The instance with the value at a JSON pointer removed (the root cannot be removed).</summary>
    private static JsonNode? Remove(JsonNode? root, string pointer)
    {
        if (root is null || pointer is "/" or "") return root;
        var parts = pointer.Split('/').Skip(1).Select(p => p.Replace("~1", "/").Replace("~0", "~")).ToArray();
        JsonNode? node = root;
        for (var i = 0; i < parts.Length - 1 && node is not null; i++)
            node = node is JsonObject o ? o[parts[i]] : node is JsonArray a && int.TryParse(parts[i], out var ix) && ix < a.Count ? a[ix] : null;
        var last = parts[^1];
        if (node is JsonObject po) po.Remove(last);
        else if (node is JsonArray pa && int.TryParse(last, out var li) && li < pa.Count) pa[li] = null; // keep later indexes stable
        return root;
    }

    private static IEnumerable<EvaluationResults> Flatten(EvaluationResults r)
    {
        yield return r;
        if (r.Details is null) yield break;
        foreach (var d in r.Details) foreach (var x in Flatten(d)) yield return x;
    }

    private static string RuleOf(string keyword, string evaluationPath, string message) => keyword switch
    {
        "pattern" or "enum" => EnumRule,
        "unevaluatedProperties" or "additionalProperties" or "falseSchema" or "" => Undefined,
        _ when evaluationPath.EndsWith("/unevaluatedProperties", StringComparison.Ordinal) => Undefined,
        _ => keyword,
    };

    public CheckOutcome Check(TrafficRecord r, Func<Violation, bool> allowed)
    {
        return r.Target == "arm" ? CheckArm(r, allowed) : CheckK8s(r, allowed);
    }

    // ------------------------------------------------------------------ ARM

    private static readonly Regex AsyncOperation = new(@"/providers/[^/]+/locations/[^/]+/(operations|operationresults)/[^/]+$", RegexOptions.IgnoreCase);

    private CheckOutcome CheckArm(TrafficRecord r, Func<Violation, bool> allowed)
    {
        // ARM paths are case-insensitive (the regexes ignore case) and ARM ignores a trailing slash.
        var path = r.Path.Length > 1 ? r.Path.TrimEnd('/') : r.Path;
        var candidates = specs.Match(r.Method, path).ToList();
        string group;
        if (candidates.Count == 0)
        {
            string? reason = null;
            // A test's own malformed request (not the module's User-Agent) that the emulator refused: nothing to judge.
            if (!r.FromModule && r.Status is >= 400 and < 500) reason = "a test's own request to an undefined path, refused by the emulator with " + r.Status;
            else if (Regex.IsMatch(r.Path, "/providers/Microsoft\\.Authorization/", RegexOptions.IgnoreCase))
                reason = "Microsoft.Authorization (role assignments, role definitions: Set-AksOutboundIp's cluster identity check): not in the spec set";
            else if (Regex.IsMatch(r.Path, "/providers/Microsoft\\.Compute/virtualMachineScaleSets$", RegexOptions.IgnoreCase))
                reason = "Microsoft.Compute scale set list (finding a node pool's scale set for its node public IPs): the Compute spec is not in the set";
            else if (AsyncOperation.IsMatch(r.Path)) reason = "ARM async-operation status (Azure-AsyncOperation / Location polling): defined by the ARM RPC, not by the resource specs";
            else if (!Regex.IsMatch(r.Path, "/providers/Microsoft\\.(ContainerService|Network)/", RegexOptions.IgnoreCase))
                reason = "Microsoft.Resources (subscriptions, resource groups) and provider metadata: not in the spec set";
            if (reason is not null) return new CheckOutcome("arm: " + Generalise(r.Method, r.Path), Generalise(r.Method, r.Path), "request", false, reason, []);
            var v = new Violation("(none)", r.Describe(), "request", "(path)", "operation exists", $"no operation '{r.Method} {r.Path}' in the spec set");
            return new CheckOutcome("arm: " + Generalise(r.Method, r.Path), "(none)", "request", true, null, allowed(v) ? [] : [v]);
        }
        var op = candidates.FirstOrDefault(o => string.Equals(o.ApiVersion, r.ApiVersion, StringComparison.OrdinalIgnoreCase));
        var violations = new List<Violation>();
        if (op is null)
        {
            var v = new Violation(candidates[0].Key, r.Describe(), "request", "?api-version", "operation exists for the api-version",
                $"api-version '{r.ApiVersion}' is not defined for {candidates[0].OperationId}; the spec set defines '{string.Join(", ", candidates.Select(c => c.ApiVersion))}'");
            // A refusal by the emulator (400 NoRegisteredProviderFound) is the expected answer to a test that sends such a version on purpose.
            if (r.Status == 400 && r.Response?["error"]?["code"]?.GetValue<string>() is "NoRegisteredProviderFound" or "MissingApiVersionParameter")
                return new CheckOutcome("arm: " + candidates[0].Key, candidates[0].Key, "request", false, "api-version refused by the emulator (a test's deliberate wrong version)", []);
            if (!allowed(v)) violations.Add(v);
            return new CheckOutcome("arm: " + candidates[0].Key, candidates[0].Key, "request", true, null, violations);
        }
        group = "arm: " + op.Key;
        if (!r.FromModule && r.Status is 400 or 422)
            return new CheckOutcome(group, op.Key, "request", false, "a test's own deliberately invalid request, refused by the emulator with " + r.Status, []);
        Checks++;
        OperationsCovered.Add("arm " + op.Key);
        // Request body: only what the module sends is judged (a test's own raw request, e.g. an emulator test that PUTs back a
        // GET body with its eTag, says nothing about the module); every response is judged whoever asked.
        if (op.RequestSchema is not null && r.Request is not null && !r.FaultInjected && r.FromModule)
        {
            Checks++;
            var (errors, readOnly) = Validate(specs.ArmSchema(op.RequestSchema), specs.ArmSchemaLoose(op.RequestSchema), r.Request);
            foreach (var e in errors) Add(new Violation(op.Key, r.Describe(), "request", e.Path, e.Rule, e.Message));
            foreach (var p in readOnly) Add(new Violation(op.Key, r.Describe(), "request", p, "readOnly", "a readOnly property is sent"));
        }
        else if (op.RequestSchema is null && r.Request is not null && r.FromModule && r.Method is "PUT" or "PATCH" or "POST")
            Add(new Violation(op.Key, r.Describe(), "request", "/", "no body defined", "the operation defines no request body"));
        // Response body (the emulator's, not a test-injected fault body)
        if (!r.FaultInjected && r.Response is not null && !r.ResponseTruncated)
        {
            var code = r.Status.ToString(CultureInfo.InvariantCulture);
            string? schemaKey;
            if (!op.ResponseSchemas.TryGetValue(code, out schemaKey) && !op.ResponseSchemas.TryGetValue("default", out schemaKey))
                Add(new Violation(op.Key, r.Describe(), "response", "(status)", "status code defined", $"HTTP {code} is not a response of {op.OperationId}"));
            else if (r.Status >= 400 && schemaKey is not null)
            {
                Checks++;
                var (errors, _) = Validate(specs.ArmSchema(op.ResponseSchemas.GetValueOrDefault("default") ?? schemaKey), specs.ArmSchemaLoose(op.ResponseSchemas.GetValueOrDefault("default") ?? schemaKey), r.Response);
                foreach (var e in errors) Add(new Violation(op.Key, r.Describe(), "response", e.Path, e.Rule, e.Message));
            }
            else if (schemaKey is not null)
            {
                Checks++;
                var (errors, _) = Validate(specs.ArmSchema(schemaKey), specs.ArmSchemaLoose(schemaKey), r.Response);
                foreach (var e in errors) Add(new Violation(op.Key, r.Describe(), "response", e.Path, e.Rule, e.Message));
            }
        }
        return new CheckOutcome(group, op.Key, "request+response", true, null, violations);

        void Add(Violation v) { if (!allowed(v)) violations.Add(v); }
    }

    private static string Generalise(string method, string path)
    {
        var p = Regex.Replace(path, "/subscriptions/[^/]+", "/subscriptions/{sub}", RegexOptions.IgnoreCase);
        p = Regex.Replace(p, "/resourcegroups/[^/]+", "/resourceGroups/{rg}", RegexOptions.IgnoreCase);
        p = Regex.Replace(p, "/(operations|operationresults)/[^/]+$", "/$1/{id}", RegexOptions.IgnoreCase);
        p = Regex.Replace(p, "/locations/[^/]+", "/locations/{loc}", RegexOptions.IgnoreCase);
        return method + " " + p;
    }

    // ------------------------------------------------------------------ Kubernetes

    private static readonly Regex CoreResource = new(@"^/api/v1(/namespaces/[^/]+)?/(?<res>[a-z]+)(/(?<name>[^/]+))?(/(?<sub>[a-z]+))?$");

    private static readonly Dictionary<string, string> KindOfResource = new(StringComparer.Ordinal)
    {
        ["pods"] = "Pod", ["services"] = "Service", ["namespaces"] = "Namespace", ["nodes"] = "Node", ["events"] = "Event",
        ["configmaps"] = "ConfigMap", ["secrets"] = "Secret", ["serviceaccounts"] = "ServiceAccount", ["endpoints"] = "Endpoints",
    };

    private CheckOutcome CheckK8s(TrafficRecord r, Func<Violation, bool> allowed)
    {
        var m = CoreResource.Match(r.Path);
        var op = m.Success
            ? $"{r.Method} core/v1 {m.Groups["res"].Value}{(m.Groups["name"].Success && !m.Groups["sub"].Success ? "/{name}" : m.Groups["sub"].Success ? "/{name}/" + m.Groups["sub"].Value : "")}"
            : $"{r.Method} {r.Path}";
        var violations = new List<Violation>();
        var covered = false;
        string? notCovered = null;
        // Request body: an object of core/v1 (or a merge patch of one, or DeleteOptions).
        if (r.Request is JsonObject req)
        {
            var patch = r.Method == "PATCH";
            var kind = req["kind"]?.GetValue<string>();
            if (kind is null && m.Success && KindOfResource.TryGetValue(m.Groups["res"].Value, out var pathKind)) kind = r.Method == "DELETE" ? "DeleteOptions" : pathKind;
            var schema = SchemaName(kind, req["apiVersion"]?.GetValue<string>() ?? "v1");
            var strategic = r.RequestContentType?.Contains("strategic-merge-patch", StringComparison.OrdinalIgnoreCase) == true;
            if (patch && r.RequestContentType?.Contains("merge-patch", StringComparison.OrdinalIgnoreCase) != true)
                notCovered = $"PATCH with content type '{r.RequestContentType}' (only merge patches are checked)";
            else if (schema is null) notCovered = $"request kind '{kind}' is not in core/v1";
            else
            {
                covered = true;
                Checks++;
                KindsCovered.Add(schema + (patch ? " (merge patch)" : ""));
                var (errors, _) = Validate(specs.K8sKind(schema, patch), specs.K8sKind(schema, true), WithoutNulls(req, strategic));
                foreach (var e in errors) Add(new Violation(op, r.Describe(), "request", e.Path, e.Rule, e.Message));
            }
        }
        // Response body: by its kind.
        if (r.Response is JsonObject resp && !r.FaultInjected && !r.ResponseTruncated)
        {
            var kind = resp["kind"]?.GetValue<string>();
            var schema = SchemaName(kind, resp["apiVersion"]?.GetValue<string>() ?? "v1");
            if (schema is null) notCovered ??= $"response kind '{kind ?? "(none)"}' ({resp["apiVersion"]}) is not in core/v1";
            else
            {
                covered = true;
                Checks++;
                KindsCovered.Add(schema);
                var (errors, _) = Validate(specs.K8sKind(schema), specs.K8sKind(schema, true), WithoutNulls(resp, false));
                foreach (var e in errors) Add(new Violation(op, r.Describe(), "response", e.Path, e.Rule, e.Message));
            }
        }
        else if (r.Response is not null && r.Response is not JsonObject && !r.FaultInjected) notCovered ??= "non-object response body";
        if (covered) OperationsCovered.Add("k8s " + op);
        return new CheckOutcome("k8s: " + op, op, "request+response", covered, covered ? null : notCovered ?? "no body", violations);

        void Add(Violation v) { if (!allowed(v)) violations.Add(v); }
    }

    /// <summary>The components/schemas name for a kind: core/v1 kinds, and the meta/v1 kinds the core API serves (Status, DeleteOptions, APIResourceList).</summary>
    public string? SchemaName(string? kind, string apiVersion)
    {
        if (kind is null) return null;
        if (apiVersion == "v1" && specs.K8sDefinitions.Contains("io.k8s.api.core.v1." + kind)) return "io.k8s.api.core.v1." + kind;
        if (apiVersion is "v1" or "meta.k8s.io/v1" && specs.K8sDefinitions.Contains("io.k8s.apimachinery.pkg.apis.meta.v1." + kind)) return "io.k8s.apimachinery.pkg.apis.meta.v1." + kind;
        return null;
    }

    /// <summary>
    /// Kubernetes decodes a JSON null as "unset" (the API server itself writes "lastProbeTime": null and clients send
    /// "creationTimestamp": null), and in a merge patch null deletes a field: nulls are removed before validation. In a
    /// strategic merge patch the "$..." directives ($setElementOrder/ports, $patch, $retainKeys) are removed too.
    /// </summary>
    private static JsonNode WithoutNulls(JsonNode node, bool strategicDirectives)
    {
        var clone = node.DeepClone();
        Strip(clone);
        return clone;
        void Strip(JsonNode? n)
        {
            if (n is JsonObject o)
            {
                foreach (var k in o.Where(kv => kv.Value is null || strategicDirectives && kv.Key.StartsWith('$')).Select(kv => kv.Key).ToList()) o.Remove(k);
                foreach (var kv in o) Strip(kv.Value);
            }
            else if (n is JsonArray a) foreach (var x in a) Strip(x);
        }
    }
}
