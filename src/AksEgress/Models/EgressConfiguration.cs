namespace AksEgress.Models;

/// <summary>The truth about a cluster's egress: what decides it, which addresses it uses, and how to pin it.</summary>
public sealed class EgressConfiguration
{
    public string SubscriptionId { get; init; } = "";
    public string ResourceGroupName { get; init; } = "";
    public string ClusterName { get; init; } = "";
    public string ClusterId { get; init; } = "";
    public string NodeResourceGroup { get; init; } = "";
    public string LoadBalancerSku { get; init; } = "";
    public string OutboundType { get; init; } = "";
    public bool NodeResourceGroupLocked { get; init; }
    /// <summary>What decides egress (<see cref="EgressClassifier"/>).</summary>
    public EgressDecider EgressDecidedBy { get; init; }
    /// <summary>ManagedOutboundIPs, OutboundIPs, OutboundIPPrefixes (load balancer), or null.</summary>
    public string? OutboundIpSource { get; init; }
    /// <summary>The effective egress addresses, resolved (empty when Azure cannot tell, e.g. UDR).</summary>
    public ValueList<string> EgressIpAddress { get; init; } = new();
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
