using AksEgress.Engine.PublicIps;

namespace AksEgress.Engine.NatGateways;

/// <summary>The fields of a NAT gateway we read and write (Microsoft.Network 2025-07-01 natGateway.json).</summary>
internal sealed class NatGatewayModel : NetworkResourceModel
{
    private NatGatewayModel(NetworkResourceHead h) : base(h) { }

    public required JsonObject Raw { get; init; }
    public string? Etag { get; init; }
    public IReadOnlyList<string> PublicIpIds { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> PublicIpPrefixIds { get; init; } = Array.Empty<string>();
    /// <summary>IPv6 lists (StandardV2 only): kept as they are on a write.</summary>
    public IReadOnlyList<string> PublicIpV6Ids { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> PublicIpPrefixV6Ids { get; init; } = Array.Empty<string>();
    /// <summary>Every subnet the NAT gateway serves (readOnly).</summary>
    public IReadOnlyList<string> SubnetIds { get; init; } = Array.Empty<string>();

    public bool IsStandardV2 => string.Equals(SkuName, "StandardV2", StringComparison.OrdinalIgnoreCase);

    public static NatGatewayModel Parse(JsonObject body)
    {
        var h = NetworkResourceHead.Of(body);
        var props = h.Properties;
        return new NatGatewayModel(h)
        {
            Raw = body,
            Etag = ManagedClusterModel.Str(body, "etag"),
            PublicIpIds = ManagedClusterModel.Ids(props?["publicIpAddresses"]),
            PublicIpPrefixIds = ManagedClusterModel.Ids(props?["publicIpPrefixes"]),
            PublicIpV6Ids = ManagedClusterModel.Ids(props?["publicIpAddressesV6"]),
            PublicIpPrefixV6Ids = ManagedClusterModel.Ids(props?["publicIpPrefixesV6"]),
            SubnetIds = ManagedClusterModel.Ids(props?["subnets"]),
        };
    }

    /// <summary>The properties a NAT gateway PUT must not send back (readOnly in natGateway.json and the common Resource).</summary>
    private static readonly string[] ReadOnlyProperties = { "provisioningState", "resourceGuid", "subnets" };

    /// <summary>The PUT body: the NAT gateway as read (sku, zones, tags, idle timeout, IPv6 lists, source virtual network kept),
    /// read-only fields removed, publicIpAddresses / publicIpPrefixes set to the given sets.</summary>
    public JsonObject PutBody(IEnumerable<string> ipIds, IEnumerable<string> prefixIds)
    {
        var body = (JsonObject)Raw.DeepClone();
        foreach (var ro in new[] { "etag", "id", "name", "type" }) body.Remove(ro);
        var props = body["properties"] as JsonObject ?? new JsonObject();
        body["properties"] = props;
        foreach (var ro in ReadOnlyProperties) props.Remove(ro);
        props["publicIpAddresses"] = Refs(ipIds);
        var prefixes = prefixIds.ToList();
        if (prefixes.Count > 0) props["publicIpPrefixes"] = Refs(prefixes); else props.Remove("publicIpPrefixes");
        return body;
    }

    private static JsonArray Refs(IEnumerable<string> ids) => new(ids.Select(id => (JsonNode)new JsonObject { ["id"] = id }).ToArray());

    /// <summary>
    /// Why <paramref name="ip"/> cannot be attached, before any write (Azure's NAT gateway rules): Standard-family SKU matching the NAT
    /// gateway's (a Standard NAT gateway takes Standard IPs, a StandardV2 one StandardV2), static with an address, IPv4 on a Standard
    /// NAT gateway, the NAT gateway's region, Regional tier, not AKS-managed, and zone compatible (a zonal NAT gateway takes IPs of
    /// its zone or zone-redundant ones). Empty when it can.
    /// </summary>
    public List<string> ProblemsWith(PublicIpModel ip)
    {
        var problems = new List<string>();
        if (!string.Equals(ip.SkuName, SkuName ?? "Standard", StringComparison.OrdinalIgnoreCase))
            problems.Add($"its SKU is {ip.SkuName ?? "Basic"}; a {SkuName ?? "Standard"} NAT gateway takes {SkuName ?? "Standard"} public IPs only");
        if (!ip.IsStatic) problems.Add($"its allocation is {ip.AllocationMethod ?? "Dynamic"}, not Static");
        if (string.IsNullOrEmpty(ip.IpAddress)) problems.Add("it has no address yet");
        if (string.Equals(ip.IpVersion, "IPv6", StringComparison.OrdinalIgnoreCase) && !IsStandardV2) problems.Add("it is IPv6, which only a StandardV2 NAT gateway takes");
        if (ip.IsGlobalTier) problems.Add("it is a Global (cross-region) tier IP");
        if (ip.AksManaged) problems.Add("it is an AKS-managed outbound IP (tag type=aks-slb-managed-outbound-ip)");
        if (PublicIpModel.NormaliseLocation(ip.Location) != PublicIpModel.NormaliseLocation(Location)) problems.Add($"it is in {ip.Location}, the NAT gateway in {Location}");
        if (ZoneProblem(ip.Zones) is { } z) problems.Add(z);
        return problems;
    }

    /// <summary>The same rules for a prefix (no allocation method; an unallocated prefix has no range yet).</summary>
    public List<string> ProblemsWith(PublicIpPrefixModel p)
    {
        var problems = new List<string>();
        if (!string.Equals(p.SkuName, SkuName ?? "Standard", StringComparison.OrdinalIgnoreCase))
            problems.Add($"its SKU is {p.SkuName ?? "none"}; a {SkuName ?? "Standard"} NAT gateway takes {SkuName ?? "Standard"} prefixes only");
        if (p.IpPrefix is null || !p.Succeeded) problems.Add($"it has no allocated range yet (provisioningState {p.ProvisioningState ?? "unknown"})");
        if (p.IsIpv6 && !IsStandardV2) problems.Add("it is IPv6, which only a StandardV2 NAT gateway takes");
        if (p.IsGlobalTier) problems.Add("it is a Global (cross-region) tier prefix");
        if (PublicIpModel.NormaliseLocation(p.Location) != PublicIpModel.NormaliseLocation(Location)) problems.Add($"it is in {p.Location}, the NAT gateway in {Location}");
        if (ZoneProblem(p.Zones) is { } z) problems.Add(z);
        return problems;
    }

    private string? ZoneProblem(string[] zones) =>
        Zones.Length > 0 && zones.Length > 0 && !Zones.All(zones.Contains)
            ? $"it is in zone(s) {string.Join(",", zones)} and the NAT gateway in zone {string.Join(",", Zones)}: a zonal NAT gateway takes IPs of its own zone or zone-redundant ones"
            : null;

    /// <summary>Addresses a prefix holds: 2^(32-length) for IPv4, 2^(128-length) for IPv6 (capped).</summary>
    public static int AddressCount(PublicIpPrefixModel p) =>
        p.PrefixLength is int len ? (int)Math.Min(int.MaxValue, 1L << Math.Min(62, (p.IsIpv6 ? 128 : 32) - len)) : 1;
}
