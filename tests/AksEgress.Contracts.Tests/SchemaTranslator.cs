using System.Text.Json.Nodes;

namespace AksEgress.Contracts.Tests;

/// <summary>
/// Turns the schema objects of a Swagger 2.0 / OpenAPI 3.0 document into JSON Schema 2020-12 for JsonSchema.Net. It does
/// not validate anything itself; it only rewrites what 2020-12 spells differently:
/// <list type="bullet">
/// <item><c>$ref</c>s, including relative file references across the spec set, become pointers into one combined
/// document (<c>#/$defs/&lt;file&gt;.&lt;Definition&gt;</c>); a target outside the set becomes <c>{}</c> and is listed in
/// <see cref="Unresolved"/>.</item>
/// <item>"No property the schema does not define": Azure and Kubernetes schemas leave <c>additionalProperties</c> out,
/// which JSON Schema reads as "anything goes". Each definition gets an open form (used as an <c>allOf</c> base, so
/// inheritance keeps working) and a closed form <c>{ $ref: open, unevaluatedProperties: false }</c> used everywhere
/// else; inline object schemas with <c>properties</c> are closed the same way. An explicit <c>additionalProperties</c>
/// is kept as written, and a bare <c>{ "type": "object" }</c> stays free-form.</item>
/// <item><c>x-nullable: true</c> adds "null" to the type; OpenAPI 3 <c>nullable</c> likewise.</item>
/// <item><c>readOnly</c> is kept: JsonSchema.Net reports it as an annotation, which the request check reads.</item>
/// <item>Extensions (<c>x-ms-*</c>, <c>x-kubernetes-*</c>) and Swagger-only keys (<c>example</c>) are dropped. A Swagger
/// <c>discriminator</c> on a definition (Swagger polymorphism: resourcegraph.json's <c>Facet</c>) is handled by
/// <see cref="PolymorphicClosedWrapper"/>; anywhere else it is refused rather than ignored.</item>
/// </list>
/// </summary>
internal sealed class SchemaTranslator
{
    private readonly Func<string, string, string?> _resolve;
    private readonly bool _dropRequired;
    private readonly bool _caseInsensitiveEnums;

    /// <param name="resolve">(current file key, $ref text) → the $defs key of the target definition, or null if outside the set.</param>
    /// <param name="dropRequired">For JSON merge patches: a patch names only what changes.</param>
    /// <param name="caseInsensitiveEnums">ARM compares enum strings case-insensitively (live AKS answers
    /// "backendPoolType": "nodeIPConfiguration" where the spec lists "NodeIPConfiguration"): string enums become an
    /// equivalent case-insensitive pattern.</param>
    public SchemaTranslator(Func<string, string, string?> resolve, bool dropRequired = false, bool caseInsensitiveEnums = false)
    {
        _resolve = resolve;
        _dropRequired = dropRequired;
        _caseInsensitiveEnums = caseInsensitiveEnums;
    }

    private static string CaseInsensitivePattern(IEnumerable<string> values) =>
        "^(?:" + string.Join("|", values.Select(v => string.Concat(v.Select(ch =>
            char.IsLetter(ch) && char.ToUpperInvariant(ch) != char.ToLowerInvariant(ch) ? $"[{char.ToUpperInvariant(ch)}{char.ToLowerInvariant(ch)}]"
            : System.Text.RegularExpressions.Regex.Escape(ch.ToString()))))) + ")$";

    public List<string> Unresolved { get; } = new();

    public static string Closed(string defKey) => defKey + "__closed";

    /// <summary>The open form of a top-level definition.</summary>
    public JsonObject Definition(string fileKey, JsonObject schema) => Translate(fileKey, schema, topLevel: true);

    /// <summary>The closed form wrapper of a definition.</summary>
    public static JsonObject ClosedWrapper(string defKey, JsonObject openDefinition)
    {
        var o = new JsonObject { ["$ref"] = "#/$defs/" + defKey };
        if (DeclaresProperties(openDefinition) && openDefinition["additionalProperties"] is null) o["unevaluatedProperties"] = false;
        return o;
    }

    /// <summary>
    /// The closed form of a definition with a Swagger <c>discriminator</c> (property P): an object whose P equals a derived
    /// definition's <c>x-ms-discriminator-value</c> must be that derived definition (closed); any other value must be the
    /// base itself (closed). Swagger 2.0 polymorphism, spelled in 2020-12 as if/then per derived type.
    /// </summary>
    public static JsonObject PolymorphicClosedWrapper(string defKey, JsonObject openDefinition, string discriminator, IReadOnlyList<(string Value, string DerivedDefKey)> derived)
    {
        var all = new JsonArray();
        foreach (var (value, d) in derived)
            all.Add(new JsonObject
            {
                ["if"] = new JsonObject { ["properties"] = new JsonObject { [discriminator] = new JsonObject { ["const"] = value } }, ["required"] = new JsonArray(discriminator) },
                ["then"] = new JsonObject { ["$ref"] = "#/$defs/" + Closed(d) },
            });
        all.Add(new JsonObject
        {
            ["if"] = new JsonObject { ["properties"] = new JsonObject { [discriminator] = new JsonObject { ["not"] = new JsonObject { ["enum"] = new JsonArray(derived.Select(x => (JsonNode)JsonValue.Create(x.Value)!).ToArray()) } } } },
            ["then"] = ClosedWrapper(defKey, openDefinition),
        });
        return new JsonObject { ["allOf"] = all };
    }

    /// <summary>A schema in a property, items, body or response position.</summary>
    public JsonObject Inline(string fileKey, JsonNode? schema) =>
        schema is JsonObject o ? Translate(fileKey, o, topLevel: false) : new JsonObject();

    private static bool DeclaresProperties(JsonObject s) => s["properties"] is JsonObject || s["allOf"] is JsonArray;

    private JsonObject Translate(string fileKey, JsonObject s, bool topLevel)
    {
        if (!topLevel && s["discriminator"] is JsonValue)
            throw new NotSupportedException($"{fileKey}: a Swagger 'discriminator' outside a definition is not translated.");
        var o = new JsonObject();
        if (s["$ref"] is JsonValue rv)
        {
            var target = _resolve(fileKey, rv.GetValue<string>());
            if (target is null) { Unresolved.Add(fileKey + " -> " + rv.GetValue<string>()); return new JsonObject(); }
            o["$ref"] = "#/$defs/" + Closed(target);
            return o;
        }
        var ownProperties = s["properties"] is JsonObject;
        foreach (var (key, value) in s)
        {
            switch (key)
            {
                case "properties":
                    var props = new JsonObject();
                    foreach (var (name, sub) in (JsonObject)value!) props[name] = Inline(fileKey, sub);
                    o["properties"] = props;
                    break;
                case "items":
                    o["items"] = value is JsonArray ? throw new NotSupportedException("tuple items") : Inline(fileKey, value);
                    break;
                case "additionalProperties":
                    o["additionalProperties"] = value is JsonValue b ? JsonValue.Create(b.GetValue<bool>()) : Inline(fileKey, value);
                    break;
                case "allOf":
                    var all = new JsonArray();
                    foreach (var sub in (JsonArray)value!)
                    {
                        // Inheritance (a definition, or an inline schema with its own properties): the base stays open so the
                        // derived schema's unevaluatedProperties sees both. A lone wrapper (Kubernetes' allOf:[{$ref}]) is closed.
                        if ((topLevel || ownProperties) && sub is JsonObject so && so["$ref"] is JsonValue r)
                        {
                            var target = _resolve(fileKey, r.GetValue<string>());
                            if (target is null) { Unresolved.Add(fileKey + " -> " + r.GetValue<string>()); all.Add(new JsonObject()); }
                            else all.Add(new JsonObject { ["$ref"] = "#/$defs/" + target });
                        }
                        else all.Add(Inline(fileKey, sub));
                    }
                    o["allOf"] = all;
                    break;
                case "oneOf" or "anyOf":
                    o[key] = new JsonArray(((JsonArray)value!).Select(x => (JsonNode)Inline(fileKey, x)).ToArray());
                    break;
                case "not":
                    o["not"] = Inline(fileKey, value);
                    break;
                case "required":
                    if (!_dropRequired) o["required"] = value!.DeepClone();
                    break;
                case "type" or "enum" or "format" or "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum" or "minLength" or "maxLength"
                    or "pattern" or "minItems" or "maxItems" or "uniqueItems" or "readOnly" or "default" or "multipleOf" or "minProperties" or "maxProperties":
                    o[key] = value?.DeepClone();
                    break;
                default:
                    break; // x-*, example, description-free leftovers: not validation keywords
            }
        }
        // Swagger 2.0's exclusiveMinimum/Maximum are booleans; 2020-12's are numbers.
        if (o["exclusiveMinimum"] is JsonValue emin && emin.TryGetValue<bool>(out var exMin))
        { o.Remove("exclusiveMinimum"); if (exMin && o["minimum"] is JsonNode min) { o["exclusiveMinimum"] = min.DeepClone(); o.Remove("minimum"); } }
        if (o["exclusiveMaximum"] is JsonValue emax && emax.TryGetValue<bool>(out var exMax))
        { o.Remove("exclusiveMaximum"); if (exMax && o["maximum"] is JsonNode max) { o["exclusiveMaximum"] = max.DeepClone(); o.Remove("maximum"); } }
        var nullable = s["x-nullable"] is JsonValue xn && xn.GetValue<bool>() || s["nullable"] is JsonValue n3 && n3.GetValue<bool>();
        if (nullable && o["type"] is JsonValue t)
        {
            o["type"] = new JsonArray(t.GetValue<string>(), "null");
            if (o["enum"] is JsonArray en) en.Add(null);
        }
        if (_caseInsensitiveEnums && o["enum"] is JsonArray values && values.All(v => v is JsonValue jv && jv.TryGetValue<string>(out _)))
        {
            o.Remove("enum");
            o["pattern"] = CaseInsensitivePattern(values.Select(v => v!.GetValue<string>()));
        }
        if (!topLevel && ownProperties && o["additionalProperties"] is null) o["unevaluatedProperties"] = false;
        return o;
    }
}
