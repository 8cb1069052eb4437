using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace AksEgress.Emulator;

// Network RP resources that decide egress beyond the load balancer (issue 11 section 4). Shapes follow the published
// 2025-07-01 specs in tests/contracts (virtualNetwork.json, routeTable.json, azureFirewall.json, publicIpPrefix.json):
// references are { "id" } only, so a client must GET every public IP / prefix for its address.

internal static class NetIds
{
    public static string Rid(string sub, string rg, string type, string name) =>
        $"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/{type}/{name}";

    private static JsonNode Ref(string id) => new JsonObject { ["id"] = id };
    public static JsonArray Refs(IEnumerable<string> ids) => new(ids.Select(Ref).ToArray());
}

internal sealed class Subnet
{
    public required string Name { get; init; }
    public required string AddressPrefix { get; init; }
    public string? NatGatewayId { get; set; }
    public string? RouteTableId { get; set; }
    /// <summary>ipConfigurations that use the subnet (readOnly in ARM), e.g. a firewall's azureFirewallIpConfigurations.</summary>
    public List<string> IpConfigurationIds { get; } = new();
}

internal sealed class VirtualNetwork
{
    public required string ResourceGroup { get; init; }
    public required string Name { get; init; }
    public required string AddressPrefix { get; init; }
    public List<Subnet> Subnets { get; } = new();
    /// <summary>Remote virtual network ids (one peering each).</summary>
    public List<string> PeeredVnetIds { get; } = new();
    public string ResourceGuid { get; } = Guid.NewGuid().ToString();
    public string Etag { get; } = $"W/\"{Guid.NewGuid()}\"";

    public string Id(string sub) => NetIds.Rid(sub, ResourceGroup, "virtualNetworks", Name);
    public string SubnetId(string sub, string subnet) => Id(sub) + "/subnets/" + subnet;

    public JsonObject SubnetJson(string sub, Subnet s)
    {
        var props = new JsonObject { ["provisioningState"] = "Succeeded", ["addressPrefix"] = s.AddressPrefix };
        if (s.NatGatewayId is not null) props["natGateway"] = new JsonObject { ["id"] = s.NatGatewayId };
        if (s.RouteTableId is not null) props["routeTable"] = new JsonObject { ["id"] = s.RouteTableId };
        if (s.IpConfigurationIds.Count > 0) props["ipConfigurations"] = NetIds.Refs(s.IpConfigurationIds);
        props["delegations"] = new JsonArray();
        props["privateEndpointNetworkPolicies"] = "Disabled";
        props["privateLinkServiceNetworkPolicies"] = "Enabled";
        return new JsonObject
        {
            ["name"] = s.Name,
            ["id"] = SubnetId(sub, s.Name),
            ["etag"] = Etag,
            ["properties"] = props,
            ["type"] = "Microsoft.Network/virtualNetworks/subnets",
        };
    }

    public JsonObject ToJson(string sub, string location) => new()
    {
        ["name"] = Name,
        ["id"] = Id(sub),
        ["etag"] = Etag,
        ["type"] = "Microsoft.Network/virtualNetworks",
        ["location"] = location,
        ["properties"] = new JsonObject
        {
            ["provisioningState"] = "Succeeded",
            ["resourceGuid"] = ResourceGuid,
            ["addressSpace"] = new JsonObject { ["addressPrefixes"] = new JsonArray(AddressPrefix) },
            ["subnets"] = new JsonArray(Subnets.Select(s => (JsonNode)SubnetJson(sub, s)).ToArray()),
            ["virtualNetworkPeerings"] = new JsonArray(PeeredVnetIds.Select((remote, i) => (JsonNode)new JsonObject
            {
                ["name"] = "peer-" + remote.Split('/')[^1],
                ["id"] = Id(sub) + "/virtualNetworkPeerings/peer-" + remote.Split('/')[^1],
                ["etag"] = Etag,
                ["properties"] = new JsonObject
                {
                    ["provisioningState"] = "Succeeded",
                    ["peeringState"] = "Connected",
                    ["remoteVirtualNetwork"] = new JsonObject { ["id"] = remote },
                    ["allowVirtualNetworkAccess"] = true,
                    ["allowForwardedTraffic"] = true,
                    ["allowGatewayTransit"] = false,
                    ["useRemoteGateways"] = false,
                },
                ["type"] = "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
            }).ToArray()),
            ["enableDdosProtection"] = false,
        },
    };
}

internal sealed record RouteEntry(string Name, string AddressPrefix, string NextHopType, string? NextHopIpAddress = null);

internal sealed class RouteTable
{
    public required string ResourceGroup { get; init; }
    public required string Name { get; init; }
    public List<RouteEntry> Routes { get; } = new();
    public List<string> SubnetIds { get; } = new();
    public string Etag { get; } = $"W/\"{Guid.NewGuid()}\"";
    public string ResourceGuid { get; } = Guid.NewGuid().ToString();

    public string Id(string sub) => NetIds.Rid(sub, ResourceGroup, "routeTables", Name);

    public JsonObject ToJson(string sub, string location) => new()
    {
        ["name"] = Name,
        ["id"] = Id(sub),
        ["etag"] = Etag,
        ["type"] = "Microsoft.Network/routeTables",
        ["location"] = location,
        ["properties"] = new JsonObject
        {
            ["provisioningState"] = "Succeeded",
            ["resourceGuid"] = ResourceGuid,
            ["disableBgpRoutePropagation"] = false,
            ["routes"] = new JsonArray(Routes.Select(r =>
            {
                var p = new JsonObject { ["provisioningState"] = "Succeeded", ["addressPrefix"] = r.AddressPrefix, ["nextHopType"] = r.NextHopType };
                if (r.NextHopIpAddress is not null) p["nextHopIpAddress"] = r.NextHopIpAddress;
                p["hasBgpOverride"] = false;
                return (JsonNode)new JsonObject
                {
                    ["name"] = r.Name, ["id"] = Id(sub) + "/routes/" + r.Name, ["etag"] = Etag, ["properties"] = p,
                    ["type"] = "Microsoft.Network/routeTables/routes",
                };
            }).ToArray()),
            ["subnets"] = NetIds.Refs(SubnetIds),
        },
    };
}

internal sealed record FirewallIpConfiguration(string Name, string? PrivateIpAddress, string? SubnetId, string PublicIpId);

/// <summary>An Azure Firewall: classic (AZFW_VNet, ipConfigurations) or in a Virtual WAN secured hub (AZFW_Hub, hubIPAddresses).</summary>
internal sealed class AzureFirewall
{
    public required string ResourceGroup { get; init; }
    public required string Name { get; init; }
    public bool Hub { get; init; }
    public List<FirewallIpConfiguration> IpConfigurations { get; } = new();
    /// <summary>Management ipConfiguration (forced tunnelling): its public IP is not a SNAT address of workload traffic.</summary>
    public FirewallIpConfiguration? Management { get; set; }
    public string? HubPrivateIpAddress { get; set; }
    public List<string> HubPublicAddresses { get; } = new();
    public string? VirtualHubId { get; set; }
    public string Etag { get; } = $"W/\"{Guid.NewGuid()}\"";

    public string Id(string sub) => NetIds.Rid(sub, ResourceGroup, "azureFirewalls", Name);
    // The real form (Get-AzFirewall output, ARM exports); the spec example writes .../ipConfigurations/{name}.
    public string IpConfigId(string sub, string name) => Id(sub) + "/azureFirewallIpConfigurations/" + name;

    /// <summary>The private address UDRs point at (the first ipConfiguration's, or the hub's).</summary>
    public string? PrivateIpAddress => Hub ? HubPrivateIpAddress : IpConfigurations.FirstOrDefault(c => c.PrivateIpAddress is not null)?.PrivateIpAddress;

    private JsonObject IpConfigJson(string sub, FirewallIpConfiguration c)
    {
        var p = new JsonObject { ["provisioningState"] = "Succeeded" };
        if (c.PrivateIpAddress is not null) p["privateIPAddress"] = c.PrivateIpAddress;
        if (c.SubnetId is not null) p["subnet"] = new JsonObject { ["id"] = c.SubnetId };
        p["publicIPAddress"] = new JsonObject { ["id"] = c.PublicIpId };
        return new JsonObject { ["name"] = c.Name, ["id"] = IpConfigId(sub, c.Name), ["etag"] = Etag, ["type"] = "Microsoft.Network/azureFirewalls/azureFirewallIpConfigurations", ["properties"] = p };
    }

    public JsonObject ToJson(string sub, string location)
    {
        var props = new JsonObject
        {
            ["provisioningState"] = "Succeeded",
            ["sku"] = new JsonObject { ["name"] = Hub ? "AZFW_Hub" : "AZFW_VNet", ["tier"] = "Standard" },
            ["threatIntelMode"] = "Alert",
            ["ipConfigurations"] = new JsonArray(IpConfigurations.Select(c => (JsonNode)IpConfigJson(sub, c)).ToArray()),
        };
        if (Management is not null) props["managementIpConfiguration"] = IpConfigJson(sub, Management);
        if (Hub)
        {
            props["virtualHub"] = new JsonObject { ["id"] = VirtualHubId ?? $"/subscriptions/{sub}/resourceGroups/{ResourceGroup}/providers/Microsoft.Network/virtualHubs/hub1" };
            props["hubIPAddresses"] = new JsonObject
            {
                ["privateIPAddress"] = HubPrivateIpAddress,
                ["publicIPs"] = new JsonObject
                {
                    ["addresses"] = new JsonArray(HubPublicAddresses.Select(a => (JsonNode)new JsonObject { ["address"] = a }).ToArray()),
                    ["count"] = HubPublicAddresses.Count,
                },
            };
        }
        return new JsonObject
        {
            ["name"] = Name,
            ["id"] = Id(sub),
            ["etag"] = Etag,
            ["type"] = "Microsoft.Network/azureFirewalls",
            ["location"] = location,
            ["properties"] = props,
        };
    }
}

/// <summary>A public IP prefix: seeded ones, and those New-AksEgressIpPrefix creates (PUT/DELETE in ArmApi.Prefixes.cs).</summary>
internal sealed class PublicIpPrefix
{
    public required string ResourceGroup { get; init; }
    public required string Name { get; init; }
    /// <summary>CIDR, e.g. 192.0.2.0/30; null until the create has allocated it.</summary>
    public string? IpPrefix { get; set; }
    private int? _length;
    private string? _version;
    public string Version { get => IpPrefix is null ? _version ?? "IPv4" : IpPrefix.Contains(':') ? "IPv6" : "IPv4"; set => _version = value; }
    public int PrefixLength
    {
        get => _length ?? (IpPrefix is null ? 0 : int.Parse(IpPrefix.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture));
        set => _length = value;
    }
    public string? NatGatewayId { get; set; }
    /// <summary>The load balancer frontend that uses the prefix (a cluster's outboundIPPrefixes), if any.</summary>
    public string? LoadBalancerFrontendId { get; set; }
    public string? Location { get; set; }
    public string SkuName { get; set; } = "Standard";
    public List<string> Zones { get; set; } = new();
    public Dictionary<string, string> Tags { get; } = new(StringComparer.OrdinalIgnoreCase);
    public string ProvisioningState { get; set; } = "Succeeded";
    public string? PendingOperationId { get; set; }
    public string ResourceGuid { get; } = Guid.NewGuid().ToString();
    public string Etag { get; set; } = $"W/\"{Guid.NewGuid()}\"";

    public string Id(string sub) => NetIds.Rid(sub, ResourceGroup, "publicIPPrefixes", Name);

    /// <summary>Every address of the prefix (the prefixes modelled are small: /28-/31, /124-/127).</summary>
    public IReadOnlyList<string> Addresses()
    {
        if (IpPrefix is null) return Array.Empty<string>();
        var parts = IpPrefix.Split('/');
        var ip = IPAddress.Parse(parts[0]);
        var bytes = ip.GetAddressBytes();
        var hostBits = bytes.Length * 8 - PrefixLength;
        var start = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        var list = new List<string>();
        for (var i = 0; i < (1 << Math.Min(hostBits, 8)); i++)
        {
            var b = (start + i).ToByteArray(isUnsigned: true, isBigEndian: true);
            var full = new byte[bytes.Length];
            Array.Copy(b, 0, full, full.Length - b.Length, b.Length);
            list.Add(new IPAddress(full).ToString());
        }
        return list;
    }

    public JsonObject ToJson(string sub, string location)
    {
        var props = new JsonObject
        {
            ["provisioningState"] = ProvisioningState,
            ["resourceGuid"] = ResourceGuid,
            ["prefixLength"] = PrefixLength,
            ["publicIPAddressVersion"] = Version,
            ["ipTags"] = new JsonArray(),
        };
        if (IpPrefix is not null) props["ipPrefix"] = IpPrefix;
        if (NatGatewayId is not null) props["natGateway"] = new JsonObject { ["id"] = NatGatewayId };
        if (LoadBalancerFrontendId is not null) props["loadBalancerFrontendIpConfiguration"] = new JsonObject { ["id"] = LoadBalancerFrontendId };
        var body = new JsonObject
        {
            ["name"] = Name,
            ["id"] = Id(sub),
            ["etag"] = Etag,
            ["type"] = "Microsoft.Network/publicIPPrefixes",
            ["location"] = Location ?? location,
            ["sku"] = new JsonObject { ["name"] = SkuName, ["tier"] = "Regional" },
        };
        if (Zones.Count > 0) body["zones"] = new JsonArray(Zones.Select(z => (JsonNode)JsonValue.Create(z)!).ToArray());
        if (Tags.Count > 0) body["tags"] = new JsonObject(Tags.Select(t => KeyValuePair.Create(t.Key, (JsonNode?)JsonValue.Create(t.Value))));
        body["properties"] = props;
        return body;
    }

    internal static bool IsIpv6(string address) => IPAddress.TryParse(address, out var a) && a.AddressFamily == AddressFamily.InterNetworkV6;
}
