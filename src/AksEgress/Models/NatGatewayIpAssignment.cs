namespace AksEgress.Models;

/// <summary>Result of Set-AksNatGatewayIp: the public IPs and prefixes the cluster's user-assigned NAT gateway now uses.</summary>
public sealed class NatGatewayIpAssignment : ClusterBoundObject
{
    public string NatGatewayId { get; init; } = "";
    public string NatGatewayName { get; init; } = "";
    /// <summary>Every subnet the NAT gateway serves: every workload on them leaves from its addresses, not only the cluster's.</summary>
    public ValueList<string> Subnet { get; init; } = new();
    /// <summary>The cluster's node pools on those subnets.</summary>
    public ValueList<string> NodePool { get; init; } = new();
    /// <summary>The NAT gateway's public IPs now (publicIpAddresses).</summary>
    public ValueList<string> PublicIpId { get; init; } = new();
    /// <summary>The NAT gateway's public IP prefixes now (publicIpPrefixes).</summary>
    public ValueList<string> PublicIpPrefixId { get; init; } = new();
    /// <summary>The single addresses egress may leave from.</summary>
    public ValueList<string> EgressIpAddress { get; init; } = new();
    /// <summary>The CIDRs of the prefixes (every address of each is a candidate).</summary>
    public ValueList<string> EgressIpPrefix { get; init; } = new();
    /// <summary>What a partner must allow: /32 per address and each prefix CIDR (binds to Test-AksEgressIp -AllowList).</summary>
    public ValueList<string> AllowList { get; init; } = new();
    /// <summary>Ids attached by this call.</summary>
    public ValueList<string> Added { get; init; } = new();
    /// <summary>Ids detached by this call (-Replace only).</summary>
    public ValueList<string> Removed { get; init; } = new();
    /// <summary>The AllowList before this call.</summary>
    public ValueList<string> PreviousAllowList { get; init; } = new();
    /// <summary>Updated or Unchanged.</summary>
    public string Action { get; init; } = "Unchanged";
    public override string ToString() => $"{NatGatewayName}: {string.Join(",", AllowList)}";
}
