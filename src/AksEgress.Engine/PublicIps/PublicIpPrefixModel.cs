namespace AksEgress.Engine.PublicIps;

/// <summary>The fields of a public IP prefix we read (Microsoft.Network 2025-07-01 publicIpPrefix.json).</summary>
internal sealed class PublicIpPrefixModel : NetworkResourceModel
{
    private PublicIpPrefixModel(NetworkResourceHead h) : base(h) { }

    public string? IpVersion { get; init; }
    public int? PrefixLength { get; init; }
    /// <summary>The allocated CIDR (readOnly; absent until allocated).</summary>
    public string? IpPrefix { get; init; }
    public string? ProvisioningState { get; init; }
    public string? NatGatewayId { get; init; }
    public string? LoadBalancerFrontendId { get; init; }

    public bool IsIpv6 => string.Equals(IpVersion, "IPv6", StringComparison.OrdinalIgnoreCase);
    public string? AttachedTo => LoadBalancerFrontendId ?? NatGatewayId;
    public bool Succeeded => ProvisioningState is null || ProvisioningState.Equals("Succeeded", StringComparison.OrdinalIgnoreCase);

    public static PublicIpPrefixModel Parse(JsonObject body)
    {
        var h = NetworkResourceHead.Of(body);
        var props = h.Properties;
        return new PublicIpPrefixModel(h)
        {
            IpVersion = ManagedClusterModel.Str(props, "publicIPAddressVersion"),
            PrefixLength = ManagedClusterModel.Int(props, "prefixLength"),
            IpPrefix = ManagedClusterModel.Str(props, "ipPrefix"),
            ProvisioningState = ManagedClusterModel.Str(props, "provisioningState"),
            NatGatewayId = ManagedClusterModel.Str(props["natGateway"], "id"),
            LoadBalancerFrontendId = ManagedClusterModel.Str(props["loadBalancerFrontendIpConfiguration"], "id"),
        };
    }

    /// <summary>GET of a prefix; null when it does not exist.</summary>
    public static async Task<PublicIpPrefixModel?> GetAsync(ArmSession s, string id, IOperationContext context, ErrorScope? scope = null)
    {
        var p = ResourceIdParser.Parse(id, ErrorIds.InvalidResourceId);
        context.WriteVerbose($"GET public IP prefix {p.ResourceGroupName}/{p.Name}");
        var r = await ArmRest.SendCheckedAsync(s, RequestMethod.Get, ArmRest.Url(s, p.Canonical, ApiVersions.Network), null, context,
            scope ?? new ErrorScope(ArmTargetKind.Other, p.Canonical) { ResourceGroupName = p.ResourceGroupName }, allow404: true).ConfigureAwait(false);
        return r?.Json is { } json ? Parse(json) : null;
    }
}
