using System.Security.Cryptography;
using System.Text;

namespace AksEgress.Emulator;

internal sealed class ResourceGroup
{
    public required string Name { get; init; }
    public string Location { get; init; } = "eastus";
    public string? ManagedBy { get; init; }
    public Dictionary<string, string> Tags { get; init; } = new();
}

internal sealed class PublicIp
{
    public required string ResourceGroup { get; set; }
    public required string Name { get; set; }
    public string Location { get; set; } = "eastus";
    public string SkuName { get; set; } = "Standard";
    public string SkuTier { get; set; } = "Regional";
    public string AllocationMethod { get; set; } = "Static";
    public string Version { get; set; } = "IPv4";
    public int IdleTimeoutInMinutes { get; set; } = 4;
    public List<string> Zones { get; set; } = new();
    public Dictionary<string, string> Tags { get; set; } = new();
    public string? Address { get; set; }
    public string ProvisioningState { get; set; } = "Succeeded";
    public string Etag { get; set; } = NewEtag();
    public string ResourceGuid { get; set; } = Guid.NewGuid().ToString();
    public string? IpConfigurationId { get; set; }
    public JsonObject? DnsSettings { get; set; }
    public JsonArray? IpTags { get; set; }
    public string? PendingOperationId { get; set; }
    /// <summary>Cluster that created it (managed outbound IP or Service frontend).</summary>
    public string? ManagedByCluster { get; set; }

    public static string NewEtag() => $"W/\"{Guid.NewGuid()}\"";

    public string Id(string sub) => NetIds.Rid(sub, ResourceGroup, "publicIPAddresses", Name);

    public JsonObject ToJson(string sub)
    {
        var props = new JsonObject
        {
            ["provisioningState"] = ProvisioningState,
            ["resourceGuid"] = ResourceGuid,
        };
        if (Address is not null) props["ipAddress"] = Address;
        props["publicIPAddressVersion"] = Version;
        props["publicIPAllocationMethod"] = AllocationMethod;
        props["idleTimeoutInMinutes"] = IdleTimeoutInMinutes;
        if (DnsSettings is not null) props["dnsSettings"] = DnsSettings.DeepClone();
        props["ipTags"] = IpTags?.DeepClone() ?? new JsonArray();
        if (IpConfigurationId is not null) props["ipConfiguration"] = new JsonObject { ["id"] = IpConfigurationId };
        props["ddosSettings"] = new JsonObject { ["protectionMode"] = "VirtualNetworkInherited" };
        var o = new JsonObject
        {
            ["name"] = Name,
            ["id"] = Id(sub),
            ["etag"] = Etag,
            ["location"] = Location,
        };
        if (Tags.Count > 0) o["tags"] = TagsJson(Tags);
        if (Zones.Count > 0) o["zones"] = new JsonArray(Zones.Select(z => (JsonNode)JsonValue.Create(z)!).ToArray());
        o["properties"] = props;
        o["type"] = "Microsoft.Network/publicIPAddresses";
        o["sku"] = new JsonObject { ["name"] = SkuName, ["tier"] = SkuTier };
        return o;
    }

    public static JsonObject TagsJson(Dictionary<string, string> tags)
    {
        var t = new JsonObject();
        foreach (var (k, v) in tags) t[k] = v;
        return t;
    }
}

internal sealed class NatGateway
{
    public required string ResourceGroup { get; init; }
    public required string Name { get; init; }
    public List<string> PublicIpIds { get; } = new();
    public List<string> PublicIpPrefixIds { get; } = new();
    /// <summary>Subnets the NAT gateway is attached to (readOnly in ARM; a user-assigned NAT gateway's subnet decides a pool's egress).</summary>
    public List<string> SubnetIds { get; } = new();
    public int IdleTimeoutInMinutes { get; set; } = 4;
    public string ResourceGuid { get; } = Guid.NewGuid().ToString();
    /// <summary>Changes on every accepted write (PUT natGateways with If-Match).</summary>
    public string Etag { get; set; } = PublicIp.NewEtag();
    public List<string> Zones { get; } = new();
    public Dictionary<string, string> Tags { get; } = new();
    public string ProvisioningState { get; set; } = "Succeeded";
    public string? PendingOperationId { get; set; }

    public string Id(string sub) => NetIds.Rid(sub, ResourceGroup, "natGateways", Name);

    public JsonObject ToJson(string sub, string location)
    {
        var props = new JsonObject
        {
            ["provisioningState"] = ProvisioningState,
            ["resourceGuid"] = ResourceGuid,
            ["idleTimeoutInMinutes"] = IdleTimeoutInMinutes,
            ["publicIpAddresses"] = NetIds.Refs(PublicIpIds),
        };
        if (PublicIpPrefixIds.Count > 0) props["publicIpPrefixes"] = NetIds.Refs(PublicIpPrefixIds);
        if (SubnetIds.Count > 0) props["subnets"] = NetIds.Refs(SubnetIds);
        var o = new JsonObject
        {
            ["name"] = Name,
            ["id"] = Id(sub),
            ["etag"] = Etag,
            ["type"] = "Microsoft.Network/natGateways",
            ["location"] = location,
            ["sku"] = new JsonObject { ["name"] = "Standard" },   // NatGatewaySku has only a name (no tier, unlike public IPs)
            ["properties"] = props,
        };
        if (Zones.Count > 0) o["zones"] = new JsonArray(Zones.Select(z => (JsonNode)JsonValue.Create(z)!).ToArray());
        if (Tags.Count > 0) o["tags"] = PublicIp.TagsJson(Tags);
        return o;
    }
}

internal sealed class LbFrontend
{
    public required string ServiceKey { get; init; }      // ns/name
    public required string ServiceUid { get; init; }
    public required string PublicIpId { get; set; }
    public required string FrontendName { get; init; }
    public bool AutoCreated { get; set; }
}

internal sealed class ArmOperation
{
    public required string Id { get; init; }
    public required string Provider { get; init; }     // Microsoft.ContainerService | Microsoft.Network
    public required string Location { get; init; }
    public int PollsRemaining { get; set; }
    public string? Outcome { get; set; }               // null | stuck | failed
    public string? ErrorCode { get; set; }
    public string? ErrorMessage { get; set; }
    public string Status { get; set; } = "InProgress";
    public DateTime StartTime { get; } = DateTime.UtcNow;
    public DateTime? EndTime { get; set; }
    public Action? OnSucceeded { get; init; }
    public Action? OnFailed { get; init; }
    public string? ResourceId { get; init; }
    public bool LocationOnly { get; init; }
    /// <summary>Checked when the operation would succeed: a (code, message) makes it fail instead (state changed while it ran).</summary>
    public Func<(string Code, string Message)?>? FailIf { get; set; }
}

internal sealed class Cluster
{
    public required string Name { get; init; }
    public required string ResourceGroup { get; init; }
    public required string NodeResourceGroup { get; init; }
    public required JsonObject Body { get; set; }                 // full ARM body
    public required string PrincipalId { get; init; }             // cluster (control plane) identity
    public bool IsFleet { get; init; }
    public bool Aad { get; init; }
    /// <summary>
    /// The Entra server application whose tokens the API server accepts (the audience); the AKS one for AKS-managed Entra ID,
    /// the customer's own app for the legacy Entra integration (<see cref="EmulatorWorld.SetEntraServerApp"/>).
    /// </summary>
    public string ServerAppId { get; set; } = AksEmulator.AksServerAppId;
    public List<LbFrontend> Frontends { get; } = new();
    public string? PendingOperationId { get; set; }
    public K8sState K8s { get; set; } = null!;
    /// <summary>Where pods on the virtual node (virtual-kubelet, Azure Container Instances) egress from: not the cluster's egress.</summary>
    public string? AciEgressAddress { get; set; }
    /// <summary>The public address the cluster's HTTP proxy (httpProxyConfig) egresses from; null without a proxy.</summary>
    public string? ProxyEgressAddress { get; set; }

    /// <summary>The cluster's eTag (in the body as "eTag", as AKS returns it); a new one on every write.</summary>
    public string? ETag => JsonUtil.S(Body, "eTag");
    public void NewETag() => Body["eTag"] = Guid.NewGuid().ToString();

    public JsonObject NetworkProfile => JsonUtil.Obj(JsonUtil.Obj(Body, "properties"), "networkProfile");
    public string OutboundType => JsonUtil.S(NetworkProfile, "outboundType") ?? "loadBalancer";
    public string LoadBalancerSku => JsonUtil.S(NetworkProfile, "loadBalancerSku") ?? "standard";
    public string RestrictionLevel => JsonUtil.S(Body, "properties", "nodeResourceGroupProfile", "restrictionLevel") ?? "Unrestricted";
    public bool DisableLocalAccounts => JsonUtil.Bool(JsonUtil.Get(Body, "properties", "disableLocalAccounts")) == true;

    public IEnumerable<string> EffectiveOutboundIpIds()
    {
        var lbp = NetworkProfile["loadBalancerProfile"] as JsonObject;
        if (lbp?["effectiveOutboundIPs"] is JsonArray a)
            foreach (var e in a) if (JsonUtil.S(e, "id") is { } id) yield return id;
    }
}

internal static class Det
{
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5351", Justification = "Not security: MD5 only spreads a seed into stable emulator GUIDs that tests pin.")]
    public static Guid Guid(string seed)
    {
        var h = MD5.HashData(Encoding.UTF8.GetBytes(seed));
        h[7] = (byte)((h[7] & 0x0f) | 0x40); h[8] = (byte)((h[8] & 0x3f) | 0x80);
        return new Guid(h);
    }
    public static string Digits(string seed, int n)
    {
        var h = SHA256.HashData(Encoding.UTF8.GetBytes(seed));
        var sb = new StringBuilder();
        for (var i = 0; sb.Length < n; i++) sb.Append((char)('0' + h[i % h.Length] % 10));
        if (sb[0] == '0') sb[0] = '1';
        return sb.ToString();
    }
    public static string Hex(string seed, int n) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(seed))).ToLowerInvariant()[..n];
}
