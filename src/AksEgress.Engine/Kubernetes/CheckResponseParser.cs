using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace AksEgress.Engine.Kubernetes;

/// <summary>The outcome of parsing a "what is my IP" body: an address, or why the body is unusable.</summary>
internal sealed record CheckParseResult(string? IpAddress, string? Problem)
{
    public bool Success => IpAddress is not null;
}

/// <summary>
/// Parses the bodies of public "what is my IP" endpoints (api-payloads §5): bare IP (with or without newline), dyndns HTML
/// ("Current IP Address: X"), ipify JSON {"ip":...} (also JSONP), ifconfig.me all.json {"ip_addr":...}, checkip.amazonaws
/// comma lists (last value). Anything else (HTML, curl error text, empty) is unusable. Pure, no I/O.
/// </summary>
internal static partial class CheckResponseParser
{
    [GeneratedRegex(@"Current IP Address:\s*([0-9a-fA-F:.]+)")]
    private static partial Regex DynDnsRegex();
    [GeneratedRegex(@"^\d{1,3}(\.\d{1,3}){3}$")]
    private static partial Regex Ipv4Regex();
    [GeneratedRegex(@"^curl:\s*\(\d+\)", RegexOptions.Multiline)]
    private static partial Regex CurlErrorRegex();

    public static CheckParseResult Parse(string? body)
    {
        var text = body?.Trim();
        if (string.IsNullOrEmpty(text)) return new(null, "the endpoint returned an empty response");
        if (CurlErrorRegex().IsMatch(text)) return new(null, "curl failed: " + FirstLine(text));

        var dyn = DynDnsRegex().Match(text);
        if (dyn.Success)
            return TryAddress(dyn.Groups[1].Value.TrimEnd('.'), out var a) ? new(a, null) : new(null, "the dyndns page did not contain a valid IP address");

        var json = text;
        var open = text.IndexOf('{');
        if (open > 0 && text.EndsWith(");", StringComparison.Ordinal) || open > 0 && text.EndsWith(')'))
            json = text[open..(text.LastIndexOf('}') + 1)];   // JSONP: callback({...});
        if (json.StartsWith('{'))
        {
            try
            {
                using var doc = JsonDocument.Parse(json);
                foreach (var key in new[] { "ip", "ip_addr" })
                    if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String)
                        return TryAddress(v.GetString(), out var a) ? new(a, null) : new(null, $"the JSON field '{key}' is not a valid IP address");
                return new(null, "the JSON response has no 'ip' or 'ip_addr' field");
            }
            catch (JsonException) { return new(null, "the response looks like JSON but could not be parsed"); }
        }
        if (text.Contains('<')) return new(null, "the endpoint returned an HTML page instead of an address");

        // checkip.amazonaws.com may return "client, proxy1, proxy2": the last value is canonical.
        var candidate = text.Contains(',') ? text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).LastOrDefault() ?? "" : text;
        if (TryAddress(candidate, out var addr)) return new(addr, null);
        return new(null, "the response is not an IP address");
    }

    /// <summary>Strict: dotted-quad IPv4 or an IPv6 literal; normalised text.</summary>
    public static bool TryAddress(string? s, out string? normalized)
    {
        normalized = null;
        s = s?.Trim().Trim('[', ']');
        if (string.IsNullOrEmpty(s) || s.Any(char.IsWhiteSpace)) return false;
        if (!IPAddress.TryParse(s, out var ip)) return false;
        if (ip.AddressFamily == AddressFamily.InterNetwork && !Ipv4Regex().IsMatch(s)) return false;
        if (ip.AddressFamily == AddressFamily.InterNetworkV6 && !s.Contains(':')) return false;
        normalized = ip.ToString();
        return true;
    }

    private static string FirstLine(string s)
    {
        var i = s.IndexOfAny(['\r', '\n']);
        return i < 0 ? s : s[..i];
    }
}
