using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Json.Schema;

namespace AksEgress.Contracts.Tests;

/// <summary>One ARM operation of the spec set: path template + method + api-version, with its body and response schemas.</summary>
internal sealed record ArmOperation(string OperationId, string Method, string PathTemplate, string ApiVersion, string File, Regex PathRegex,
    string? RequestSchema, IReadOnlyDictionary<string, string?> ResponseSchemas)
{
    public string Key => $"{Method} {OperationId} ({ApiVersion})";
}

/// <summary>
/// The published specifications in tests/contracts, loaded once: the Azure Swagger 2.0 files (with relative references
/// across files) and the Kubernetes core/v1 OpenAPI v3 document, translated by <see cref="SchemaTranslator"/> and built
/// into JsonSchema.Net schemas. Validation itself is JsonSchema.Net's.
/// </summary>
internal sealed class SpecSet
{
    public const string ArmDocumentId = "urn:aksegress:contracts:arm";
    public const string K8sDocumentId = "urn:aksegress:contracts:k8s";
    public const string K8sPatchDocumentId = "urn:aksegress:contracts:k8s-patch";
    /// <summary>The ARM schemas without "required": the second pass that finds undefined properties (see ContractChecker.Validate).</summary>
    public const string ArmLooseDocumentId = "urn:aksegress:contracts:arm-loose";

    private static readonly Lazy<SpecSet> Shared = new(() => Load(ContractPaths.ContractsRoot));
    public static SpecSet Instance => Shared.Value;

    private readonly BuildOptions _build;
    private readonly Dictionary<string, JsonSchema> _targets = new(StringComparer.Ordinal);
    private int _next;

    public string Root { get; }
    public IReadOnlyList<ArmOperation> Operations { get; }
    public IReadOnlyList<string> Unresolved { get; }
    public IReadOnlySet<string> ArmDefinitions { get; }
    public IReadOnlySet<string> K8sDefinitions { get; }
    /// <summary>api-versions per resource type ("Microsoft.Network/publicIPAddresses"), from the spec files.</summary>
    public IReadOnlyDictionary<string, SortedSet<string>> ApiVersionsByType { get; }

    private SpecSet(string root, BuildOptions build, List<ArmOperation> ops, List<string> unresolved, HashSet<string> armDefs, HashSet<string> k8sDefs,
        Dictionary<string, SortedSet<string>> versions)
    {
        Root = root; _build = build; Operations = ops; Unresolved = unresolved; ArmDefinitions = armDefs; K8sDefinitions = k8sDefs; ApiVersionsByType = versions;
    }

    /// <summary>"managedClusters@2025-10-01" for .../2025-10-01/managedClusters.json.</summary>
    public static string FileKey(string relativePath)
    {
        var parts = relativePath.Replace('\\', '/').Split('/');
        return Path.GetFileNameWithoutExtension(parts[^1]) + "@" + parts[^2];
    }

    public static SpecSet Load(string root)
    {
        var azureRoot = Path.Combine(root, "azure");
        var files = Directory.GetFiles(azureRoot, "*.json", SearchOption.AllDirectories)
            .Where(f => !f.Replace('\\', '/').Contains("/examples/", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(root, f).Replace('\\', '/'))
            .OrderBy(f => f, StringComparer.Ordinal).ToList();
        var docs = files.ToDictionary(f => f, f => JsonNode.Parse(File.ReadAllText(Path.Combine(root, f)))!.AsObject());
        var keyOf = files.ToDictionary(FileKey, f => f);
        var fileOfKey = files.ToDictionary(f => f, FileKey);

        string? Resolve(string fromKey, string reference)
        {
            var hash = reference.IndexOf('#');
            var filePart = hash < 0 ? reference : reference[..hash];
            var pointer = hash < 0 ? "" : reference[(hash + 1)..];
            if (!pointer.StartsWith("/definitions/", StringComparison.Ordinal)) return null;
            var name = pointer["/definitions/".Length..];
            string targetFile;
            if (filePart.Length == 0) targetFile = keyOf[fromKey];
            else
            {
                var dir = Path.GetDirectoryName(keyOf[fromKey])!.Replace('\\', '/');
                targetFile = NormalisePath(dir + "/" + filePart);
            }
            if (!docs.TryGetValue(targetFile, out var doc) || doc["definitions"]?[name] is null) return null;
            return fileOfKey[targetFile] + "." + name;
        }

        var translator = new SchemaTranslator(Resolve, caseInsensitiveEnums: true);
        var (defs, armDefs, ops, versions) = BuildArm(files, docs, fileOfKey, translator);
        var build = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        JsonSchema.FromText(new JsonObject { ["$schema"] = "https://json-schema.org/draft/2020-12/schema", ["$id"] = ArmDocumentId, ["$defs"] = defs }.ToJsonString(), build);
        var (looseDefs, _, _, _) = BuildArm(files, docs, fileOfKey, new SchemaTranslator(Resolve, dropRequired: true, caseInsensitiveEnums: true));
        JsonSchema.FromText(new JsonObject { ["$schema"] = "https://json-schema.org/draft/2020-12/schema", ["$id"] = ArmLooseDocumentId, ["$defs"] = looseDefs }.ToJsonString(), build);

        // Kubernetes core/v1 (OpenAPI 3.0): components/schemas, refs "#/components/schemas/X".
        var k8sFile = Path.Combine(root, "kubernetes/api/openapi-spec/v3/api__v1_openapi.json");
        var k8s = JsonNode.Parse(File.ReadAllText(k8sFile))!.AsObject();
        var schemas = k8s["components"]!["schemas"]!.AsObject();
        string? ResolveK8s(string _, string reference) =>
            reference.StartsWith("#/components/schemas/", StringComparison.Ordinal) && schemas[reference["#/components/schemas/".Length..]] is not null
                ? reference["#/components/schemas/".Length..] : null;
        var k8sDefs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (docId, dropRequired) in new[] { (K8sDocumentId, false), (K8sPatchDocumentId, true) })
        {
            var kt = new SchemaTranslator(ResolveK8s, dropRequired);
            var kdefs = new JsonObject();
            foreach (var (name, schema) in schemas)
            {
                var open = kt.Definition("core/v1", (JsonObject)schema!);
                kdefs[name] = open;
                kdefs[SchemaTranslator.Closed(name)] = SchemaTranslator.ClosedWrapper(name, open);
                k8sDefs.Add(name);
            }
            translator.Unresolved.AddRange(kt.Unresolved);
            var kdoc = new JsonObject { ["$schema"] = "https://json-schema.org/draft/2020-12/schema", ["$id"] = docId, ["$defs"] = kdefs };
            JsonSchema.FromText(kdoc.ToJsonString(), build);
        }

        return new SpecSet(root, build, ops, translator.Unresolved.Distinct().ToList(), armDefs, k8sDefs, versions);
    }

    private static (JsonObject Defs, HashSet<string> ArmDefs, List<ArmOperation> Ops, Dictionary<string, SortedSet<string>> Versions) BuildArm(
        List<string> files, Dictionary<string, JsonObject> docs, Dictionary<string, string> fileOfKey, SchemaTranslator translator)
    {
        var defs = new JsonObject();
        var armDefs = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in files)
        {
            var key = fileOfKey[f];
            if (docs[f]["definitions"] is not JsonObject definitions) continue;
            foreach (var (name, schema) in definitions)
            {
                var defKey = key + "." + name;
                var open = translator.Definition(key, (JsonObject)schema!);
                defs[defKey] = open;
                defs[SchemaTranslator.Closed(defKey)] = schema!["discriminator"] is JsonValue disc
                    ? SchemaTranslator.PolymorphicClosedWrapper(defKey, open, disc.GetValue<string>(), DerivedOf(definitions, name).Select(d => (d.Value, key + "." + d.Name)).ToList())
                    : SchemaTranslator.ClosedWrapper(defKey, open);
                armDefs.Add(defKey);
            }
        }

        // Operations: body and response schemas become $defs too, so every check is a $ref into one document.
        var ops = new List<ArmOperation>();
        var versions = new Dictionary<string, SortedSet<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var f in files)
        {
            var key = fileOfKey[f];
            var doc = docs[f];
            var apiVersion = doc["info"]?["version"]?.GetValue<string>() ?? "";
            if (doc["paths"] is not JsonObject paths) continue;
            foreach (var (template, item) in paths)
            {
                var typeMatch = Regex.Match(template, @"/providers/(?<ns>Microsoft\.[A-Za-z]+)/(?<type>[A-Za-z]+)");
                foreach (var (method, opNode) in (JsonObject)item!)
                {
                    if (method == "parameters" || opNode is not JsonObject op) continue;
                    // An operation whose api-version parameter has a single enum value is served only at that version, whatever the
                    // file's info.version (vmssPublicIpAddress.json: network.json's ApiVersionVmssParameter pins 2017-03-30).
                    var opApiVersion = PinnedApiVersion(f, op, docs) ?? apiVersion;
                    if (typeMatch.Success && !template.Contains("/locations/", StringComparison.OrdinalIgnoreCase))
                    {
                        var type = typeMatch.Groups["ns"].Value + "/" + typeMatch.Groups["type"].Value;
                        if (!versions.TryGetValue(type, out var set)) versions[type] = set = new SortedSet<string>(StringComparer.Ordinal);
                        set.Add(opApiVersion);
                    }
                    var opId = op["operationId"]?.GetValue<string>() ?? method + " " + template;
                    string? request = null;
                    foreach (var p in (op["parameters"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
                    {
                        if (p["in"]?.GetValue<string>() != "body") continue;
                        request = $"{key}.op.{opId}.request";
                        defs[request] = translator.Inline(key, p["schema"]);
                    }
                    var responses = new Dictionary<string, string?>(StringComparer.Ordinal);
                    foreach (var (code, resp) in (op["responses"] as JsonObject ?? new JsonObject()))
                    {
                        if (resp?["schema"] is JsonObject rs)
                        {
                            var rk = $"{key}.op.{opId}.{code}";
                            defs[rk] = translator.Inline(key, rs);
                            responses[code] = rk;
                        }
                        else responses[code] = null;
                    }
                    var rx = new Regex("^" + Regex.Replace(Regex.Escape(template), @"\\\{[^}]+}", "[^/]+") + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
                    ops.Add(new ArmOperation(opId, method.ToUpperInvariant(), template, opApiVersion, f, rx, request, responses));
                }
            }
        }

        return (defs, armDefs, ops, versions);

    }

    /// <summary>The single enum value of the operation's api-version parameter (inline or a $ref into a file of the set), or null.</summary>
    private static string? PinnedApiVersion(string file, JsonObject op, Dictionary<string, JsonObject> docs)
    {
        foreach (var p in (op["parameters"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
        {
            var param = p;
            if (p["$ref"] is JsonValue rv)
            {
                var reference = rv.GetValue<string>();
                var hash = reference.IndexOf('#');
                var filePart = hash < 0 ? reference : reference[..hash];
                var pointer = hash < 0 ? "" : reference[(hash + 1)..];
                if (!pointer.StartsWith("/parameters/", StringComparison.Ordinal)) continue;
                var target = filePart.Length == 0 ? file : NormalisePath(Path.GetDirectoryName(file)!.Replace('\\', '/') + "/" + filePart);
                if (!docs.TryGetValue(target, out var doc) || doc["parameters"]?[pointer["/parameters/".Length..]] is not JsonObject resolved) continue;
                param = resolved;
            }
            if (param["name"]?.GetValue<string>() == "api-version" && param["enum"] is JsonArray { Count: 1 } one) return one[0]!.GetValue<string>();
        }
        return null;
    }

    /// <summary>The definitions of the same file that derive from <paramref name="baseName"/> (allOf its $ref) with an x-ms-discriminator-value.</summary>
    private static IEnumerable<(string Name, string Value)> DerivedOf(JsonObject definitions, string baseName)
    {
        foreach (var (name, schema) in definitions)
            if (schema?["x-ms-discriminator-value"] is JsonValue v
                && (schema["allOf"] as JsonArray ?? new JsonArray()).Any(a => a?["$ref"]?.GetValue<string>() == "#/definitions/" + baseName))
                yield return (name, v.GetValue<string>());
    }

    private static string NormalisePath(string path)
    {
        var stack = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part is "" or ".") continue;
            if (part == "..") { if (stack.Count > 0) stack.RemoveAt(stack.Count - 1); }
            else stack.Add(part);
        }
        return string.Join('/', stack);
    }

    /// <summary>A schema that is "$ref: document#/$defs/key" (built once per target).</summary>
    public JsonSchema Target(string documentId, string defKey)
    {
        var id = documentId + "#/$defs/" + defKey;
        lock (_targets)
        {
            if (_targets.TryGetValue(id, out var s)) return s;
            var text = new JsonObject
            {
                ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
                ["$id"] = $"urn:aksegress:contracts:target:{++_next}",
                ["$ref"] = id,
            }.ToJsonString();
            s = JsonSchema.FromText(text, _build);
            _targets[id] = s;
            return s;
        }
    }

    public JsonSchema ArmDefinition(string defKey) => Target(ArmDocumentId, SchemaTranslator.Closed(defKey));
    public JsonSchema ArmSchema(string opSchemaKey) => Target(ArmDocumentId, opSchemaKey);
    public JsonSchema ArmSchemaLoose(string opSchemaKey) => Target(ArmLooseDocumentId, opSchemaKey);
    public JsonSchema ArmDefinitionLoose(string defKey) => Target(ArmLooseDocumentId, SchemaTranslator.Closed(defKey));
    public JsonSchema K8sKind(string schemaName, bool patch = false) => Target(patch ? K8sPatchDocumentId : K8sDocumentId, SchemaTranslator.Closed(schemaName));

    /// <summary>Operations whose template and method match (any api-version).</summary>
    public IEnumerable<ArmOperation> Match(string method, string path) =>
        Operations.Where(o => o.Method.Equals(method, StringComparison.OrdinalIgnoreCase) && o.PathRegex.IsMatch(path));

    public static JsonElement Element(JsonNode? node) => JsonDocument.Parse(node?.ToJsonString() ?? "null").RootElement.Clone();
}

internal static class ContractPaths
{
    /// <summary>The repository root (the folder holding AksEgress.sln), found from the test assembly's location.</summary>
    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AksEgress.sln"))) dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("AksEgress.sln not found above " + AppContext.BaseDirectory);
        }
    }

    public static string ContractsRoot => Path.Combine(RepoRoot, "tests", "contracts");

    /// <summary>Where the emulators of the run append traffic (build.ps1 sets AKSEGRESS_CONTRACT_TRAFFIC; default out/contracts/traffic).</summary>
    public static string TrafficDirectory =>
        Environment.GetEnvironmentVariable("AKSEGRESS_CONTRACT_TRAFFIC") is { Length: > 0 } d ? d : Path.Combine(RepoRoot, "out", "contracts", "traffic");
}
