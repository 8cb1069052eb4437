using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AksEgress.Contract;

/// <summary>CIDR parsing and membership for allowlists (IPv4 and IPv6): the one helper Get-AksEgressConfiguration and Test-AksEgressIp share.</summary>
public static class Cidr
{
    /// <summary>Parses "a.b.c.d/n", "x::/n" or a bare address (taken as /32 or /128).</summary>
    public static bool TryParse(string? text, out IPAddress network, out int prefixLength)
    {
        network = IPAddress.None; prefixLength = -1;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var t = text.Trim();
        var slash = t.IndexOf('/');
        if (!IPAddress.TryParse(slash < 0 ? t : t[..slash], out var addr)) return false;
        if (addr.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)) return false;
        var max = addr.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        var len = max;
        if (slash >= 0 && (!int.TryParse(t[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out len) || len < 0 || len > max)) return false;
        network = addr; prefixLength = len;
        return true;
    }

    /// <summary>True when <paramref name="address"/> lies inside <paramref name="cidr"/> (same address family only).</summary>
    public static bool Contains(string cidr, string address)
    {
        if (!TryParse(cidr, out var net, out var len) || !IPAddress.TryParse(address.Trim(), out var a)) return false;
        if (a.IsIPv4MappedToIPv6 && net.AddressFamily == AddressFamily.InterNetwork) a = a.MapToIPv4();
        if (a.AddressFamily != net.AddressFamily) return false;
        var x = net.GetAddressBytes(); var y = a.GetAddressBytes();
        for (var i = 0; i < x.Length && len > 0; i++, len -= 8)
        {
            var mask = len >= 8 ? 0xff : (0xff << (8 - len)) & 0xff;
            if ((x[i] & mask) != (y[i] & mask)) return false;
        }
        return true;
    }

    /// <summary>The allowlist entry for one address: /32 for IPv4, /128 for IPv6.</summary>
    public static string ForAddress(string address) =>
        IPAddress.TryParse(address, out var a) && a.AddressFamily == AddressFamily.InterNetworkV6 ? a + "/128" : address + "/32";

    /// <summary>The first entry of <paramref name="allowList"/> that contains <paramref name="address"/>, or null.</summary>
    public static string? Match(IEnumerable<string> allowList, string address) => allowList.FirstOrDefault(c => Contains(c, address));
}
