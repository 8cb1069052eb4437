namespace AksEgress.Models;

/// <summary>Result of Set-AksOutboundIp: the public IPs that are now the cluster's load-balancer (or managed NAT gateway) egress.</summary>
public sealed class OutboundIpAssignment : ClusterBoundObject
{
    public ValueList<string> PublicIpId { get; init; } = new();
    /// <summary>The public IP prefixes that are now the outbound source (outboundIPPrefixes), if any.</summary>
    public ValueList<string> PublicIpPrefixId { get; init; } = new();
    /// <summary>The CIDRs of those prefixes.</summary>
    public ValueList<string> EgressIpPrefix { get; init; } = new();
    /// <summary>What a partner must allow: /32 (/128) per address and each prefix CIDR (binds to Test-AksEgressIp -AllowList).</summary>
    public ValueList<string> AllowList { get; init; } = new();
    /// <summary>managedOutboundIPs.count when AKS manages the outbound IPs.</summary>
    public int? ManagedOutboundIpCount { get; init; }
    /// <summary>natGatewayProfile.managedOutboundIPProfile.count when the cluster's managed NAT gateway was set.</summary>
    public int? ManagedNatGatewayIpCount { get; init; }
    /// <summary>The addresses egress now uses (binds to Test-AksEgressIp -ExpectedIpAddress).</summary>
    public ValueList<string> EgressIpAddress { get; init; } = new();
    public int? AllocatedOutboundPorts { get; init; }
    public int? IdleTimeoutInMinutes { get; init; }
    /// <summary>Updated or Unchanged.</summary>
    public string Action { get; init; } = "Unchanged";
    public ValueList<string> PreviousEgressIpAddress { get; init; } = new();
    public override string ToString() => $"{ClusterName}: {string.Join(",", EgressIpAddress)}";
}
