using System.Net;

namespace AksEgress.Engine.EgressConfig;

/// <summary>
/// The one Azure Resource Graph query that finds an Azure Firewall by the private address a route points at, when no readable
/// peering leads to it (a Virtual WAN secured hub lives in a Microsoft-managed virtual network). One POST per page to
/// <c>/providers/Microsoft.ResourceGraph/resources</c> (api-version 2024-04-01), scoped to the subscriptions already seen
/// (the cluster's, its subnet's, its peers'), filtering in the service to firewalls whose <c>hubIPAddresses.privateIPAddress</c>
/// or an <c>ipConfigurations[].properties.privateIPAddress</c> is that address, projecting only <c>id</c>; the firewall itself is
/// then read with one GET. Nothing is listed page by page on the client.
/// </summary>
internal static class FirewallGraphQuery
{
    public const string Path = "/providers/Microsoft.ResourceGraph/resources";
    /// <summary>The action Resource Graph needs (Reader has it); named in the warning when it is refused.</summary>
    public const string Action = "Microsoft.ResourceGraph/resources/read";

    /// <summary>
    /// The KQL text for <paramref name="privateIp"/> (a parsed IP address, written back in its canonical form, so nothing but an
    /// address reaches the query). The ipConfigurations test is a substring test on their JSON (compact, quoted, so 10.1.0.4 does
    /// not match 10.1.0.40); the GET that follows checks the address exactly.
    /// </summary>
    public static string Query(string privateIp)
    {
        if (!IPAddress.TryParse(privateIp, out var a)) throw new ArgumentException($"'{privateIp}' is not an IP address.", nameof(privateIp));
        var ip = a.ToString();
        return "resources"
               + " | where type =~ 'microsoft.network/azurefirewalls'"
               + $" | where tostring(properties.hubIPAddresses.privateIPAddress) == '{ip}' or tostring(properties.ipConfigurations) contains '\"privateIPAddress\":\"{ip}\"'"
               + " | project id";
    }

    /// <summary>
    /// The request body: the subscriptions in scope, the query, and the table result format (QueryResponse.data is typed
    /// "object" in the published spec; the table format is that object, the objectArray format is an array).
    /// </summary>
    public static JsonObject Body(IEnumerable<string> subscriptions, string query, string? skipToken)
    {
        var options = new JsonObject { ["resultFormat"] = "table" };
        if (skipToken is not null) options["$skipToken"] = skipToken;
        return new JsonObject
        {
            ["subscriptions"] = new JsonArray(subscriptions.Select(x => (JsonNode)JsonValue.Create(x)!).ToArray()),
            ["query"] = query,
            ["options"] = options,
        };
    }

    /// <summary>One page of the answer: the firewall ids, the continuation token, and whether the service truncated the result.</summary>
    public sealed record Page(IReadOnlyList<string> Ids, string? SkipToken, bool Truncated);

    /// <summary>Reads a QueryResponse in table format (columns/rows) or, defensively, objectArray format.</summary>
    public static Page Parse(JsonNode? response)
    {
        var ids = new List<string>();
        var data = response?["data"];
        if (data is JsonObject table)
        {
            var columns = (table["columns"] as JsonArray ?? new JsonArray()).Select(c => c?["name"]?.GetValue<string>()).ToList();
            var idx = columns.FindIndex(c => string.Equals(c, "id", StringComparison.OrdinalIgnoreCase));
            if (idx >= 0)
                foreach (var row in (table["rows"] as JsonArray ?? new JsonArray()).OfType<JsonArray>())
                    if (idx < row.Count && row[idx] is JsonValue v && v.TryGetValue<string>(out var id)) ids.Add(id);
        }
        else if (data is JsonArray objects)
        {
            foreach (var o in objects.OfType<JsonObject>())
                if (o["id"] is JsonValue v && v.TryGetValue<string>(out var id)) ids.Add(id);
        }
        var token = response?["$skipToken"] is JsonValue t && t.TryGetValue<string>(out var s) && s.Length > 0 ? s : null;
        var truncated = response?["resultTruncated"] is JsonValue r && r.TryGetValue<string>(out var rt) && rt.Equals("true", StringComparison.OrdinalIgnoreCase);
        return new Page(ids, token, truncated);
    }
}
