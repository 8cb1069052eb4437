using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AksEgress.Engine.StaticEgressGateway;

/// <summary>
/// status.egressIpPrefix of a StaticGatewayConfiguration: a CIDR in public mode, a comma-separated list of private IPs in private
/// mode (facts §2.2). Pure functions.
/// </summary>
internal static class GatewayPrefix
{
    /// <summary>Every address the gateway's pods can leave from (the CIDR expanded, or the list), empty when unreadable.</summary>
    public static IReadOnlyList<string> AllowList(string? prefix)
    {
        if (string.IsNullOrWhiteSpace(prefix)) return Array.Empty<string>();
        if (!prefix.Contains('/', StringComparison.Ordinal))
            return prefix.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Where(a => IPAddress.TryParse(a, out _)).ToArray();
        if (!TryParse(prefix, out var network, out var length) || length < 24) return Array.Empty<string>();
        var count = 1u << (32 - length);
        return Enumerable.Range(0, (int)count).Select(i => ToText(network + (uint)i)).ToArray();
    }

    /// <summary>Whether <paramref name="address"/> is one the gateway can egress from.</summary>
    public static bool Contains(string? prefix, string? address)
    {
        if (string.IsNullOrWhiteSpace(prefix) || address is null || !IPAddress.TryParse(address, out var ip) || ip.AddressFamily != AddressFamily.InterNetwork) return false;
        if (!prefix.Contains('/', StringComparison.Ordinal)) return AllowList(prefix).Contains(ip.ToString());
        if (!TryParse(prefix, out var network, out var length)) return false;
        var mask = length == 0 ? 0u : uint.MaxValue << (32 - length);
        return (ToUInt(ip) & mask) == (network & mask);
    }

    private static bool TryParse(string cidr, out uint network, out int length)
    {
        network = 0; length = 0;
        var parts = cidr.Trim().Split('/');
        if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var ip) || ip.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out length) || length is < 0 or > 32) return false;
        var mask = length == 0 ? 0u : uint.MaxValue << (32 - length);
        network = ToUInt(ip) & mask;
        return true;
    }

    private static uint ToUInt(IPAddress ip)
    {
        var b = ip.GetAddressBytes();
        return (uint)b[0] << 24 | (uint)b[1] << 16 | (uint)b[2] << 8 | b[3];
    }

    private static string ToText(uint v) => $"{v >> 24}.{(v >> 16) & 255}.{(v >> 8) & 255}.{v & 255}";
}
