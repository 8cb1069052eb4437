using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace AksEgress.Contract;

/// <summary>
/// The naming and value rules of Azure and Kubernetes, checked before any request is sent. Each Validate* throws
/// <see cref="AksEgressException"/> with a specific ErrorId and says what the rule is.
/// </summary>
public static partial class InputValidation
{
    // Microsoft.Network public IP: 1-80 chars, starts with a word char, ends with a word char or '_', may contain word chars . - _
    [GeneratedRegex(@"^[A-Za-z0-9](?:[A-Za-z0-9_.\-]{0,78}[A-Za-z0-9_])?$")]
    private static partial Regex PublicIpNameRegex();
    // Resource group: 1-90 chars, alnum, underscore, parentheses, hyphen, period (not ending in period).
    [GeneratedRegex(@"^[-\w\._\(\)]{0,89}[-\w_\(\)]$")]
    private static partial Regex ResourceGroupNameRegex();
    // AKS cluster resourceName: ^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$
    [GeneratedRegex(@"^(?:[a-zA-Z0-9]|[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9])$")]
    private static partial Regex ClusterNameRegex();
    // Kubernetes DNS-1035 label (Service names) and DNS-1123 label (namespaces).
    [GeneratedRegex(@"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex Dns1035Regex();
    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex Dns1123LabelRegex();
    [GeneratedRegex(@"^[a-z][a-z0-9]{0,11}$")]
    private static partial Regex AgentPoolNameRegex();
    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex Dns1123SubdomainRegex();
    [GeneratedRegex(@"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")]
    private static partial Regex GuidRegex();

    public static bool IsPublicIpName(string? name) => name is not null && PublicIpNameRegex().IsMatch(name);
    public static bool IsResourceGroupName(string? name) => name is not null && name.Length <= 90 && ResourceGroupNameRegex().IsMatch(name);
    public static bool IsClusterName(string? name) => name is not null && ClusterNameRegex().IsMatch(name);
    public static bool IsSubscriptionId(string? id) => id is not null && GuidRegex().IsMatch(id);

    /// <summary>The Azure environments AksEgress knows (any casing); a custom endpoint goes through -ArmEndpoint.</summary>
    public static bool IsKnownEnvironment(string? name) => (name ?? "AzureCloud").ToLowerInvariant() is "" or "azurecloud" or "azurepubliccloud" or "azurechinacloud" or "azureusgovernment";

    public static void ValidatePublicIpName(string? name)
    {
        if (!IsPublicIpName(name))
            throw Invalid(ErrorIds.InvalidPublicIpName, name,
                $"'{name}' is not a valid public IP name. It must be 1-80 characters, begin with a letter or digit, end with a letter, digit or '_', and contain only letters, digits, '_', '.' and '-'.",
                "Choose a name such as 'aks-egress-ip'.");
    }

    public static void ValidateResourceGroupName(string? name)
    {
        if (!IsResourceGroupName(name))
            throw Invalid(ErrorIds.InvalidResourceGroupName, name,
                $"'{name}' is not a valid resource group name. It must be 1-90 characters of letters, digits, '_', '-', '.', '(' or ')', and must not end with '.'.",
                "Check the resource group name (Get-AzResourceGroup or az group list).");
    }

    public static void ValidateClusterName(string? name)
    {
        if (!IsClusterName(name))
            throw Invalid(ErrorIds.InvalidClusterName, name,
                $"'{name}' is not a valid AKS cluster name. It must be 1-63 characters of letters, digits, '-' and '_', beginning and ending with a letter or digit.",
                "Check the cluster name (Get-AksNodeResourceGroup -ResourceGroupName <group> lists them).");
    }

    public static void ValidateSubscriptionId(string? id)
    {
        if (!IsSubscriptionId(id))
            throw Invalid(ErrorIds.InvalidSubscriptionId, id,
                $"'{id}' is not a subscription id. Azure subscription ids are GUIDs such as 00000000-0000-0000-0000-000000000000.",
                "Pass the subscription's GUID, not its display name.");
    }

    /// <summary>A Service name: DNS-1035 label (lower-case letters, digits, '-', starting with a letter, at most 63).</summary>
    public static void ValidateServiceName(string? name)
    {
        if (name is null || !Dns1035Regex().IsMatch(name))
            throw Invalid(ErrorIds.InvalidKubernetesName, name,
                $"'{name}' is not a valid Kubernetes Service name. It must be a DNS-1035 label: at most 63 lower-case letters, digits or '-', starting with a letter and ending with a letter or digit.",
                "Use a name such as 'aks-egress'.");
    }

    /// <summary>A namespace name: DNS-1123 label.</summary>
    public static void ValidateNamespace(string? name)
    {
        if (name is null || !Dns1123LabelRegex().IsMatch(name))
            throw Invalid(ErrorIds.InvalidKubernetesName, name,
                $"'{name}' is not a valid Kubernetes namespace. It must be a DNS-1123 label: at most 63 lower-case letters, digits or '-', starting and ending with a letter or digit.",
                "Use an existing namespace such as 'default'.");
    }

    /// <summary>A Linux agent pool name as AKS accepts it: a lower-case letter, then lower-case letters or digits, at most 12.</summary>
    public static void ValidateAgentPoolName(string? name)
    {
        if (name is null || !AgentPoolNameRegex().IsMatch(name))
            throw Invalid(ErrorIds.InvalidAgentPoolName, name,
                $"'{name}' is not a valid agent pool name: AKS needs a lower-case letter followed by lower-case letters or digits, at most 12 characters.",
                "Use a name such as 'gwpool'.");
    }

    /// <summary>A custom resource name: DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253).</summary>
    public static void ValidateResourceName(string? name, string what)
    {
        if (name is null || name.Length > 253 || !Dns1123SubdomainRegex().IsMatch(name))
            throw Invalid(ErrorIds.InvalidKubernetesName, name,
                $"'{name}' is not a valid {what} name. It must be a DNS-1123 subdomain: lower-case letters, digits, '-' or '.', starting and ending with a letter or digit, at most 253.",
                "Use a name such as 'app-egress'.");
    }

    /// <summary>An IPv4 CIDR such as 10.0.0.0/8 (the gateway is IPv4 only).</summary>
    public static void ValidateIPv4Cidr(string? cidr)
    {
        var parts = cidr?.Split('/');
        if (parts is not { Length: 2 } || !IPAddress.TryParse(parts[0], out var ip) || ip.AddressFamily != AddressFamily.InterNetwork
            || parts[0].Count(c => c == '.') != 3 || !int.TryParse(parts[1], out var len) || len is < 0 or > 32 || parts[1] != len.ToString(System.Globalization.CultureInfo.InvariantCulture))
            throw Invalid(ErrorIds.InvalidCidr, cidr, $"'{cidr}' is not an IPv4 CIDR (the Static Egress Gateway is IPv4 only).", "Pass CIDRs such as 10.0.0.0/8 or 169.254.169.254/32.");
    }

    public static void ValidatePort(int port)
    {
        if (port is < 1 or > 65535)
            throw Invalid(ErrorIds.InvalidPort, port, $"Port {port} is out of range: a Service port must be between 1 and 65535.", "Use a port such as 8080.");
    }

    /// <summary>Parses an IPv4 address that can be a public Azure IP: not private, loopback, link-local, multicast, CGNAT or reserved.</summary>
    public static IPAddress ValidatePublicIPv4(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || !IPAddress.TryParse(text.Trim(), out var ip) || text.Trim().Count(c => c == '.') != 3 && ip.AddressFamily == AddressFamily.InterNetwork)
            throw Invalid(ErrorIds.InvalidIpAddress, text, $"'{text}' is not an IP address.", "Pass the IpAddress of a public IP (New-AksEgressIp output).");
        if (ip.AddressFamily == AddressFamily.InterNetworkV6)
            throw Invalid(ErrorIds.InvalidIpAddress, text,
                $"'{text}' is an IPv6 address; this cmdlet expects the IPv4 address of a Standard public IP (the egress address of an IPv4 cluster).",
                "Pass the IPv4 address. IPv6 egress needs a dual-stack cluster and is not handled here.");
        var why = NonPublicReason(ip);
        if (why is not null)
            throw Invalid(ErrorIds.NonPublicIpAddress, text,
                $"'{text}' is {why}; an egress address must be a public IP address allocated by Azure.",
                "Pass the IpAddress of an Azure public IP resource.");
        return ip;
    }

    /// <summary>Null when the IPv4 address is public; else a short reason.</summary>
    /// <summary>
    /// An expected egress address: a public IPv4 address (<see cref="ValidatePublicIPv4"/>), or a public IPv6 address, as a
    /// dual-stack cluster's configuration carries (its IPv6 outbound IPs): not loopback, link-local, unique-local or multicast.
    /// </summary>
    public static IPAddress ValidatePublicIp(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || !IPAddress.TryParse(text.Trim(), out var ip) || ip.AddressFamily != AddressFamily.InterNetworkV6 || ip.IsIPv4MappedToIPv6)
            return ValidatePublicIPv4(text);   // IPv4, or not an address / IPv4-mapped: its errors
        string? why = ip.IsIPv6LinkLocal ? "a link-local address (fe80::/10)"
            : IPAddress.IPv6Loopback.Equals(ip) || IPAddress.IPv6None.Equals(ip) ? "a loopback or unspecified address"
            : ip.IsIPv6Multicast ? "a multicast address"
            : (ip.GetAddressBytes()[0] & 0xfe) == 0xfc ? "a unique local address (fc00::/7)" : null;
        if (why is not null)
            throw Invalid(ErrorIds.NonPublicIpAddress, text,
                $"'{text}' is {why}; an egress address must be a public IP address allocated by Azure.",
                "Pass the IpAddress of an Azure public IP resource.");
        return ip;
    }

    public static string? NonPublicReason(IPAddress ip)
    {
        if (ip.AddressFamily != AddressFamily.InterNetwork) return null;
        var b = ip.GetAddressBytes();
        return b switch
        {
            [10, ..] => "a private address (10.0.0.0/8)",
            [172, >= 16 and <= 31, ..] => "a private address (172.16.0.0/12)",
            [192, 168, ..] => "a private address (192.168.0.0/16)",
            [127, ..] => "a loopback address",
            [169, 254, ..] => "a link-local address",
            [100, >= 64 and <= 127, ..] => "a shared (CGNAT) address (100.64.0.0/10)",
            [0, ..] => "a reserved address (0.0.0.0/8)",
            [>= 224 and <= 239, ..] => "a multicast address",
            [>= 240, ..] => "a reserved address (240.0.0.0/4)",
            _ => null,
        };
    }

    public static Uri ValidateCheckUri(string? text)
    {
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text, UriKind.Absolute, out var uri) ||
            (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || string.IsNullOrEmpty(uri.Host))
            throw Invalid(ErrorIds.InvalidCheckUri, text, $"'{text}' is not an absolute http(s) URI.",
                "Use an endpoint such as https://api.ipify.org or http://checkip.dyndns.org.");
        return uri;
    }

    /// <summary>Allocated outbound ports per node: 0 (automatic) to 64000, a multiple of 8.</summary>
    public static void ValidateAllocatedOutboundPorts(int ports)
    {
        if (ports is < 0 or > 64000 || ports % 8 != 0)
            throw Invalid(ErrorIds.InvalidOutboundPorts, ports,
                $"AllocatedOutboundPorts {ports} is invalid: it must be 0 (automatic) or a multiple of 8 up to 64000.", "Use a value such as 1024.");
    }

    public static void ValidateIdleTimeout(int minutes)
    {
        if (minutes is < 4 or > 120)
            throw Invalid(ErrorIds.InvalidIdleTimeout, minutes, $"IdleTimeoutInMinutes {minutes} is invalid: it must be between 4 and 120.", "Use a value such as 30.");
    }

    public static AksEgressException Invalid(string errorId, object? target, string message, string? recommendedAction = null) =>
        new(errorId, EgressErrorCategory.InvalidArgument, message, target, recommendedAction);
}
