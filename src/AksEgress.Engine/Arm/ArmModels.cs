using System.Globalization;
using System.Text.Json;

namespace AksEgress.Engine.Arm;

/// <summary>One agent pool: how many nodes (now, and at most when the autoscaler is on), and how many extra nodes an upgrade adds.</summary>
internal sealed record AgentPoolModel(string Name, int Count, string? MaxSurge, int? MaxCount = null)
{
    public string? VnetSubnetId { get; init; }
    public string? PodSubnetId { get; init; }
    public bool EnableNodePublicIp { get; init; }
    public string? NodePublicIpPrefixId { get; init; }
    /// <summary>The most nodes the pool can have: the autoscaler's maxCount when enableAutoScaling is on, else count.</summary>
    public int MaxNodes => MaxCount is int m ? Math.Max(m, Count) : Count;
}

/// <summary>The fields of a managed cluster we read (AKS 2025-10-01), parsed from the JSON ARM returns.</summary>
internal sealed class ManagedClusterModel
{
    public required AksNodeResourceGroup Info { get; init; }
    public string? LoadBalancerSkuRaw { get; init; }
    public bool HasNetworkProfile { get; init; }
    public int? ManagedOutboundIpCount { get; init; }
    /// <summary>managedOutboundIPs.countIPv6 (0-100).</summary>
    public int? ManagedOutboundIpv6Count { get; init; }
    /// <summary>networkProfile.ipFamilies has IPv6, or the load balancer has managed IPv6 outbound IPs.</summary>
    public bool IsDualStack { get; init; }
    /// <summary>networkProfile.staticEgressGatewayProfile.enabled.</summary>
    public bool StaticEgressGatewayEnabled { get; init; }
    public IReadOnlyList<string> OutboundIpIds { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> OutboundIpPrefixIds { get; init; } = Array.Empty<string>();
    public IReadOnlyList<string> EffectiveOutboundIpIds { get; init; } = Array.Empty<string>();
    public int? AllocatedOutboundPorts { get; init; }
    public int? IdleTimeoutInMinutes { get; init; }
    public IReadOnlyList<string> NatGatewayEffectiveOutboundIpIds { get; init; } = Array.Empty<string>();
    public int? NatGatewayIdleTimeoutInMinutes { get; init; }
    /// <summary>natGatewayProfile.managedOutboundIPProfile.count (1-16) of a managed NAT gateway.</summary>
    public int? NatGatewayManagedOutboundIpCount { get; init; }
    public IReadOnlyList<AgentPoolModel> AgentPools { get; init; } = Array.Empty<AgentPoolModel>();

    public bool IsBasic => string.Equals(Info.LoadBalancerSku, "Basic", StringComparison.OrdinalIgnoreCase);
    public bool IsStandard => string.Equals(Info.LoadBalancerSku, "Standard", StringComparison.OrdinalIgnoreCase);

    public static ManagedClusterModel Parse(string json) =>
        Parse(JsonNode.Parse(json) as JsonObject ?? throw new JsonException("The managed cluster body is not a JSON object."));

    public static ManagedClusterModel Parse(JsonObject body)
    {
        var id = Str(body, "id") ?? "";
        var name = Str(body, "name") ?? "";
        string sub = "", rg = "", canonicalId = id;
        if (ResourceIdParser.TryParse(id, out var parsed))
        {
            sub = parsed!.SubscriptionId;
            rg = parsed.ResourceGroupName;
            canonicalId = parsed.Canonical.Replace("/providers/" + parsed.Provider + "/" + parsed.ResourceType + "/",
                "/providers/Microsoft.ContainerService/managedClusters/", StringComparison.Ordinal);
            if (name.Length == 0) name = parsed.Name;
        }
        var props = body["properties"] as JsonObject ?? new JsonObject();
        var np = props["networkProfile"] as JsonObject;
        var lbp = np?["loadBalancerProfile"] as JsonObject;
        var ngp = np?["natGatewayProfile"] as JsonObject;
        var skuRaw = Str(np, "loadBalancerSku");
        var sku = np is null ? "Unknown" : NormaliseSku(skuRaw);
        var outbound = np is null ? "Unknown" : (Str(np, "outboundType") ?? "loadBalancer");
        var nodeRg = Str(props, "nodeResourceGroup") ?? "";
        var pools = (props["agentPoolProfiles"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
            .Select(p => new AgentPoolModel(Str(p, "name") ?? "", Int(p, "count") ?? 0, Str(p["upgradeSettings"], "maxSurge"),
                Bool(p, "enableAutoScaling") == true ? Int(p, "maxCount") : null)
            {
                VnetSubnetId = Str(p, "vnetSubnetID"), PodSubnetId = Str(p, "podSubnetID"),
                EnableNodePublicIp = Bool(p, "enableNodePublicIP") == true, NodePublicIpPrefixId = Str(p, "nodePublicIPPrefixID"),
            })
            .ToArray();
        var aad = props["aadProfile"] is JsonObject;
        // httpProxyConfig.enabled (2025-10-01) false switches the proxy off; absent means on when a proxy is set.
        var proxyCfg = props["httpProxyConfig"] as JsonObject;
        if (proxyCfg is not null && Bool(proxyCfg, "enabled") == false) proxyCfg = null;
        static string? Proxy(JsonObject? cfg, string name) => Str(cfg, name) is { Length: > 0 } p ? EgressTest.HttpProxyPath.WithoutCredentials(p) : null;
        var info = new AksNodeResourceGroup
        {
            SubscriptionId = sub,
            ResourceGroupName = rg,
            ClusterName = name,
            ClusterId = canonicalId,
            Location = Str(body, "location") ?? "",
            NodeResourceGroup = nodeRg,
            NodeResourceGroupId = nodeRg.Length == 0 || sub.Length == 0 ? "" : $"/subscriptions/{sub}/resourceGroups/{nodeRg}",
            LoadBalancerSku = sku,
            OutboundType = outbound,
            NodeResourceGroupRestrictionLevel = NormaliseRestriction(Str(props["nodeResourceGroupProfile"], "restrictionLevel")),
            KubernetesVersion = Str(props, "currentKubernetesVersion") ?? Str(props, "kubernetesVersion"),
            Fqdn = Str(props, "fqdn") ?? Str(props, "privateFQDN"),
            PrivateFqdn = Str(props, "privateFQDN"),
            AadEnabled = aad,
            HttpProxy = Proxy(proxyCfg, "httpProxy"),
            HttpsProxy = Proxy(proxyCfg, "httpsProxy"),
            NoProxy = (proxyCfg?["noProxy"] as JsonArray ?? new JsonArray()).Select(n => n?.ToString()).Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n!).ToArray(),
            LocalAccountsDisabled = Bool(props, "disableLocalAccounts") == true,
            ProvisioningState = Str(props, "provisioningState"),
            NodeCount = pools.Sum(p => p.Count),
            IdentityPrincipalId = OutboundIps.ClusterIdentityRoleCheck.IdentityOf(body).PrincipalId,
        };
        return new ManagedClusterModel
        {
            Info = info,
            LoadBalancerSkuRaw = skuRaw,
            HasNetworkProfile = np is not null,
            StaticEgressGatewayEnabled = np?["staticEgressGatewayProfile"]?["enabled"] is JsonValue seg && seg.TryGetValue<bool>(out var segOn) && segOn,
            ManagedOutboundIpCount = Int(lbp?["managedOutboundIPs"], "count"),
            ManagedOutboundIpv6Count = Int(lbp?["managedOutboundIPs"], "countIPv6"),
            IsDualStack = (np?["ipFamilies"] as JsonArray)?.Any(f => string.Equals(f?.ToString(), "IPv6", StringComparison.OrdinalIgnoreCase)) == true
                          || Int(lbp?["managedOutboundIPs"], "countIPv6") > 0,
            OutboundIpIds = Ids(lbp?["outboundIPs"]?["publicIPs"]),
            OutboundIpPrefixIds = Ids(lbp?["outboundIPPrefixes"]?["publicIPPrefixes"]),
            EffectiveOutboundIpIds = Ids(lbp?["effectiveOutboundIPs"]),
            AllocatedOutboundPorts = Int(lbp, "allocatedOutboundPorts"),
            IdleTimeoutInMinutes = Int(lbp, "idleTimeoutInMinutes"),
            NatGatewayEffectiveOutboundIpIds = Ids(ngp?["effectiveOutboundIPs"]),
            NatGatewayIdleTimeoutInMinutes = Int(ngp, "idleTimeoutInMinutes"),
            NatGatewayManagedOutboundIpCount = Int(ngp?["managedOutboundIPProfile"], "count"),
            AgentPools = pools,
        };
    }

    /// <summary>"standard" → Standard, "basic" → Basic; AKS defaults to standard when the field is absent.</summary>
    public static string NormaliseSku(string? raw) => raw?.ToLowerInvariant() switch
    {
        null or "" or "standard" => "Standard",
        "basic" => "Basic",
        _ => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(raw!.ToLowerInvariant()),
    };

    private static string NormaliseRestriction(string? raw) =>
        string.Equals(raw, "ReadOnly", StringComparison.OrdinalIgnoreCase) ? "ReadOnly" : "Unrestricted";

    internal static IReadOnlyList<string> Ids(JsonNode? array) =>
        array is JsonArray a ? a.OfType<JsonObject>().Select(o => Str(o, "id")).Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToArray() : Array.Empty<string>();

    internal static string? Str(JsonNode? node, string name)
    {
        if (node is not JsonObject o || !o.TryGetPropertyValue(name, out var v) || v is null) return null;
        return v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : v.ToJsonString();
    }

    internal static int? Int(JsonNode? node, string name)
    {
        if (node is not JsonObject o || !o.TryGetPropertyValue(name, out var v) || v is not JsonValue jv) return null;
        if (jv.TryGetValue<int>(out var i)) return i;
        if (jv.TryGetValue<long>(out var l)) return (int)l;
        if (jv.TryGetValue<double>(out var d)) return (int)d;
        if (jv.TryGetValue<string>(out var s) && int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var p)) return p;
        return null;
    }

    internal static bool? Bool(JsonNode? node, string name)
    {
        if (node is not JsonObject o || !o.TryGetPropertyValue(name, out var v) || v is not JsonValue jv) return null;
        if (jv.TryGetValue<bool>(out var b)) return b;
        if (jv.TryGetValue<string>(out var s) && bool.TryParse(s, out var p)) return p;
        return null;
    }
}

/// <summary>The fields of a public IP we read (Microsoft.Network 2025-07-01).</summary>
internal sealed class PublicIpModel : NetworkResourceModel
{
    public PublicIpModel() { }
    private PublicIpModel(NetworkResourceHead h) : base(h) { }

    public string? AllocationMethod { get; init; }
    public string? IpVersion { get; init; }
    public string? IpAddress { get; init; }
    public string? ProvisioningState { get; init; }
    public int? IdleTimeoutInMinutes { get; init; }
    public string? IpConfigurationId { get; init; }
    public string? NatGatewayId { get; init; }

    public bool AksManaged => Tags.TryGetValue("type", out var t) && string.Equals(t, "aks-slb-managed-outbound-ip", StringComparison.OrdinalIgnoreCase);
    public bool IsStatic => string.Equals(AllocationMethod, "Static", StringComparison.OrdinalIgnoreCase);
    public string? AttachedTo => IpConfigurationId ?? NatGatewayId;

    public static PublicIpModel Parse(string json) =>
        Parse(JsonNode.Parse(json) as JsonObject ?? throw new JsonException("The public IP body is not a JSON object."));

    public static PublicIpModel Parse(JsonObject body)
    {
        var h = NetworkResourceHead.Of(body);
        var props = h.Properties;
        return new PublicIpModel(h)
        {
            AllocationMethod = ManagedClusterModel.Str(props, "publicIPAllocationMethod"),
            IpVersion = ManagedClusterModel.Str(props, "publicIPAddressVersion"),
            IpAddress = ManagedClusterModel.Str(props, "ipAddress"),
            ProvisioningState = ManagedClusterModel.Str(props, "provisioningState"),
            IdleTimeoutInMinutes = ManagedClusterModel.Int(props, "idleTimeoutInMinutes"),
            IpConfigurationId = ManagedClusterModel.Str(props["ipConfiguration"], "id"),
            NatGatewayId = ManagedClusterModel.Str(props["natGateway"], "id"),
        };
    }

    public static string NormaliseLocation(string? location) => (location ?? "").Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
}

/// <summary>Outbound SNAT port capacity on a Standard load balancer: ips * 64000 / ports must cover nodes + surge nodes.</summary>
internal static class OutboundCapacity
{
    public const int PortsPerIp = 64000;

    /// <summary>Extra nodes an upgrade may add: sum over pools of maxSurge (a number or a percent of the pool; default 10%).</summary>
    public static int SurgeNodes(IEnumerable<AgentPoolModel> pools) => pools.Sum(p => SurgeFor(p.MaxNodes, p.MaxSurge));

    /// <summary>The most nodes the cluster can have: per pool the autoscaler's maxCount when autoscaling, else its count.</summary>
    public static int MaxNodes(IEnumerable<AgentPoolModel> pools) => pools.Sum(p => p.MaxNodes);

    public static int SurgeFor(int count, string? maxSurge)
    {
        if (string.IsNullOrWhiteSpace(maxSurge)) return (int)Math.Ceiling(count * 0.10);
        var s = maxSurge.Trim();
        if (s.EndsWith('%') && double.TryParse(s[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var pct))
            return (int)Math.Ceiling(count * pct / 100.0);
        if (int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) return Math.Max(0, n);
        return (int)Math.Ceiling(count * 0.10);
    }

    public static bool Fits(int ipCount, int portsPerNode, int nodesNeeded) =>
        portsPerNode <= 0 || (long)ipCount * PortsPerIp / portsPerNode >= nodesNeeded;

    /// <summary>The largest multiple of 8 that still fits (0 when even 8 does not fit).</summary>
    public static int MaxPortsPerNode(int ipCount, int nodesNeeded)
    {
        if (nodesNeeded <= 0) return 64000;
        var max = (long)ipCount * PortsPerIp / nodesNeeded;
        max = Math.Min(64000, max - max % 8);
        return (int)Math.Max(0, max);
    }
}

/// <summary>
/// What every Microsoft.Network resource body read here shares: the canonical id and its parts, name, location, sku, zones,
/// tags and the properties object. One parser for public IPs and public IP prefixes.
/// </summary>
internal sealed record NetworkResourceHead(string Id, string Name, string SubscriptionId, string ResourceGroupName, string Location,
    string? SkuName, string? SkuTier, string[] Zones, Dictionary<string, string> Tags, JsonObject Properties)
{
    public static NetworkResourceHead Of(JsonObject body)
    {
        var id = ManagedClusterModel.Str(body, "id") ?? "";
        string sub = "", rg = "";
        if (ResourceIdParser.TryParse(id, out var parsed)) { sub = parsed!.SubscriptionId; rg = parsed.ResourceGroupName; id = parsed.Canonical; }
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (body["tags"] is JsonObject t)
            foreach (var (k, v) in t) tags[k] = v is JsonValue jv && jv.TryGetValue<string>(out var s) ? s : v?.ToJsonString() ?? "";
        var zones = body["zones"] is JsonArray z
            ? z.Select(x => x is JsonValue v && v.TryGetValue<string>(out var zs) ? zs : x?.ToJsonString() ?? "").Where(x => x.Length > 0).ToArray()
            : Array.Empty<string>();
        return new NetworkResourceHead(id, ManagedClusterModel.Str(body, "name") ?? parsed?.Name ?? "", sub, rg, ManagedClusterModel.Str(body, "location") ?? "",
            ManagedClusterModel.Str(body["sku"], "name"), ManagedClusterModel.Str(body["sku"], "tier"), zones, tags,
            body["properties"] as JsonObject ?? new JsonObject());
    }
}

/// <summary>
/// Base of the Microsoft.Network resources read here (public IPs, public IP prefixes): the head of the body as
/// <see cref="NetworkResourceHead"/> parsed it, and what the sku says.
/// </summary>
internal abstract class NetworkResourceModel
{
    protected NetworkResourceModel() { }

    protected NetworkResourceModel(NetworkResourceHead h)
    {
        (Id, Name, SubscriptionId, ResourceGroupName, Location) = (h.Id, h.Name, h.SubscriptionId, h.ResourceGroupName, h.Location);
        (SkuName, SkuTier, Zones, Tags) = (h.SkuName, h.SkuTier, h.Zones, h.Tags);
    }

    public string Id { get; init; } = "";
    public string Name { get; init; } = "";
    public string SubscriptionId { get; init; } = "";
    public string ResourceGroupName { get; init; } = "";
    public string Location { get; init; } = "";
    public string? SkuName { get; init; }
    public string? SkuTier { get; init; }
    public string[] Zones { get; init; } = Array.Empty<string>();
    public Dictionary<string, string> Tags { get; init; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Standard family: Standard or StandardV2 (Network 2025-07-01 sku.name); only Basic (or no sku) is not.</summary>
    public bool IsStandard => SkuName is { } n && (n.Equals("Standard", StringComparison.OrdinalIgnoreCase) || n.Equals("StandardV2", StringComparison.OrdinalIgnoreCase));
    /// <summary>sku.tier Global: a cross-region resource (a public IP only a cross-region load balancer can use).</summary>
    public bool IsGlobalTier => string.Equals(SkuTier, "Global", StringComparison.OrdinalIgnoreCase);
}
