using System.Text;
using System.Text.RegularExpressions;

namespace AksEgress.Emulator;

/// <summary>
/// Azure Resource Graph (POST /providers/Microsoft.ResourceGraph/resources, resourcegraph.json 2024-04-01), for the one query
/// the module sends: the Azure Firewalls whose hubIPAddresses.privateIPAddress or ipConfigurations private address is a given
/// address, projecting id. This is not a KQL engine: the query is recognised by its shape and its parameter (the address)
/// evaluated over the emulator's firewalls; any other query gets Resource Graph's BadRequest / InvalidQuery answer. Scope: the
/// emulator's subscription when it is among "subscriptions" (or none is given, tenant scope). Paging: options $top / $skip /
/// $skipToken, default page size <see cref="EmulatorWorld.ResourceGraphPageSize"/>; resultFormat table or objectArray.
/// </summary>
internal sealed partial class ArmApi
{
    private const string GraphPath = "/providers/Microsoft.ResourceGraph/resources";

    private static readonly Regex FirewallByPrivateIpQuery = new(
        @"^\s*resources\s*\|\s*where\s+type\s*=~\s*'microsoft\.network/azurefirewalls'\s*" +
        @"\|\s*where\s+tostring\(properties\.hubIPAddresses\.privateIPAddress\)\s*==\s*'(?<ip>[0-9A-Fa-f.:]+)'\s+or\s+" +
        @"tostring\(properties\.ipConfigurations\)\s+contains\s+'""privateIPAddress"":""(?<ip2>[0-9A-Fa-f.:]+)""'\s*" +
        @"\|\s*project\s+id\s*$", RegexOptions.CultureInvariant);

    /// <summary>Resource Graph's answer to a query it cannot run (its real shape: BadRequest carrying an InvalidQuery detail).</summary>
    private static JsonObject GraphBadRequest() => new()
    {
        ["error"] = new JsonObject
        {
            ["code"] = "BadRequest",
            ["message"] = $"Please provide below info when asking for support: timestamp = {DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffffffZ}, correlationId = {Guid.NewGuid()}.",
            ["details"] = new JsonArray(new JsonObject
            {
                ["code"] = "InvalidQuery",
                ["message"] = "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.",
            }),
        },
    };

    /// <summary>Handles the Resource Graph path; false for any other path.</summary>
    private async Task<bool> ResourceGraph(HttpContext ctx, string method, string path)
    {
        if (!path.Equals(GraphPath, StringComparison.OrdinalIgnoreCase)) return false;
        if (await RefuseApiVersion(ctx, "resources", SpecApiVersions["Microsoft.ResourceGraph/resources"], location: null)) return true;
        if (method != "POST") { await MethodNotAllowed(ctx); return true; }
        var req = await K8sApi.ReadBody(ctx);
        var query = JsonUtil.S(req, "query");
        var m = query is null ? Match.Empty : FirewallByPrivateIpQuery.Match(query);
        if (!m.Success || m.Groups["ip"].Value != m.Groups["ip2"].Value || !System.Net.IPAddress.TryParse(m.Groups["ip"].Value, out _))
        {
            await Write(ctx, 400, GraphBadRequest());
            return true;
        }
        var subs = (req?["subscriptions"] as JsonArray)?.Select(x => x?.ToString()).ToList();
        var options = req?["options"] as JsonObject;
        var table = string.Equals(JsonUtil.S(options, "resultFormat"), "table", StringComparison.OrdinalIgnoreCase);
        List<string> ids; int pageSize;
        lock (W.Sync)
        {
            var inScope = subs is null || subs.Count == 0 || subs.Contains(Sub, StringComparer.OrdinalIgnoreCase);
            ids = inScope ? W.FirewallIdsWithPrivateIp(m.Groups["ip"].Value) : new List<string>();
            pageSize = W.ResourceGraphPageSize;
        }
        var skip = options?["$skip"] is JsonValue sv && sv.TryGetValue<int>(out var sk) ? Math.Max(0, sk) : 0;
        if (JsonUtil.S(options, "$skipToken") is { Length: > 0 } token)
        {
            try { skip = int.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split(':')[1], System.Globalization.CultureInfo.InvariantCulture); }
            catch (Exception e) when (e is FormatException or IndexOutOfRangeException) { await Write(ctx, 400, GraphBadRequest()); return true; }
        }
        var top = options?["$top"] is JsonValue tv && tv.TryGetValue<int>(out var t) ? Math.Clamp(t, 1, 1000) : pageSize;
        var page = ids.Skip(skip).Take(Math.Min(top, pageSize)).ToList();
        var body = new JsonObject
        {
            ["totalRecords"] = ids.Count,
            ["count"] = page.Count,
            ["resultTruncated"] = "false",
        };
        if (skip + page.Count < ids.Count) body["$skipToken"] = Convert.ToBase64String(Encoding.UTF8.GetBytes($"offset:{skip + page.Count}"));
        body["data"] = table
            ? new JsonObject
            {
                ["columns"] = new JsonArray(new JsonObject { ["name"] = "id", ["type"] = "string" }),
                ["rows"] = new JsonArray(page.Select(id => (JsonNode)new JsonArray(id)).ToArray()),
            }
            : new JsonArray(page.Select(id => (JsonNode)new JsonObject { ["id"] = id }).ToArray());
        body["facets"] = new JsonArray();
        await Write(ctx, 200, body, "application/json; charset=utf-8");
        return true;
    }
}
