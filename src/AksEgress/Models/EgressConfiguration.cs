namespace AksEgress.Models;

/// <summary>The truth about a cluster's egress: what decides it, which addresses it uses, and how to pin it.</summary>
public sealed class EgressConfiguration : ClusterBoundObject
{
    public string NodeResourceGroup { get; init; } = "";
    public string LoadBalancerSku { get; init; } = "";
    public string OutboundType { get; init; } = "";
    public bool NodeResourceGroupLocked { get; init; }
    /// <summary>What decides egress (<see cref="EgressClassifier"/>).</summary>
    public EgressDecider EgressDecidedBy { get; init; }
    /// <summary>ManagedOutboundIPs, OutboundIPs, OutboundIPPrefixes (load balancer), or null.</summary>
    public string? OutboundIpSource { get; init; }
    /// <summary>Every single egress address (load balancer, NAT gateway, firewall, node public IPs), resolved.</summary>
    public ValueList<string> EgressIpAddress { get; init; } = new();
    /// <summary>Egress prefixes (CIDR) of NAT gateways, the load balancer or node public IP prefixes.</summary>
    public ValueList<string> EgressIpPrefix { get; init; } = new();
    /// <summary>Exactly what a partner must allow: /32 (IPv6 /128) for each address, the CIDR of each prefix; over all node pools.</summary>
    public ValueList<string> AllowList { get; init; } = new();
    /// <summary>Exact, Partial (see ResolutionNote) or Unresolvable (ResolutionNote says why).</summary>
    public EgressResolution Resolution { get; init; }
    public string? ResolutionNote { get; init; }
    /// <summary>One entry per node pool when the pools egress differently; empty when they all egress the same way.</summary>
    public ValueList<NodePoolEgress> NodePool { get; init; } = new();
    public ValueList<EgressIpReference> EgressIps { get; init; } = new();
    /// <summary>The AksEgress cmdlet that pins egress on this cluster, or null when none can.</summary>
    public string? PinWith { get; init; }
    public string Explanation { get; init; } = "";
    public int? AllocatedOutboundPorts { get; init; }
    public int? IdleTimeoutInMinutes { get; init; }
    public int NodeCount { get; init; }
    /// <summary>Whether the Static Egress Gateway add-on is on (per-workload egress through gateway pools).</summary>
    public bool StaticEgressGatewayEnabled { get; init; }
    /// <summary>The cluster's StaticGatewayConfigurations (every namespace) with their prefixes; empty when the add-on is off.</summary>
    public ValueList<EgressGateway> Gateways { get; internal set; } = new();

    public override string ToString() => $"{ClusterName}: {EgressDecidedBy} {string.Join(",", EgressIpAddress)}";
}

/// <summary>One public IP that egress uses, resolved to its address.</summary>
public sealed class EgressIpReference
{
    public string Id { get; init; } = "";
    public string Name { get; init; } = "";
    public string ResourceGroupName { get; init; } = "";
    public string? IpAddress { get; init; }
    /// <summary>True for IPs AKS created and manages (tag type=aks-slb-managed-outbound-ip).</summary>
    public bool AksManaged { get; init; }
    public override string ToString() => $"{IpAddress} ({Name})";
}
