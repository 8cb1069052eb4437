namespace AksEgress.Models;

/// <summary>What decides a cluster's egress (public source) address.</summary>
public enum EgressDecider
{
    /// <summary>AksEgress cannot tell: no network profile, or an outbound type it does not know.</summary>
    Unknown = 0,
    /// <summary>outboundType loadBalancer on a Standard load balancer: the outbound rule's public IPs (Set-AksOutboundIp).</summary>
    LoadBalancerOutboundRule,
    /// <summary>A Basic load balancer: the first LoadBalancer Service's frontend IP (Set-AksEgressService).</summary>
    BasicLoadBalancerFrontend,
    /// <summary>outboundType managedNATGateway, managedNATGatewayV2 or userAssignedNATGateway: the NAT gateway's public IPs.</summary>
    NatGateway,
    /// <summary>outboundType userDefinedRouting: your firewall or virtual appliance (the subnet's 0.0.0.0/0 route).</summary>
    UserDefinedRouting,
    /// <summary>outboundType none: AKS sets up no egress path; whatever you built decides.</summary>
    None,
    /// <summary>outboundType block: AKS blocks internet egress.</summary>
    Block,
    /// <summary>A node pool with enableNodePublicIP: each node's own public IP (from nodePublicIPPrefixID when set) overrides the load balancer.</summary>
    NodePublicIp,
}

/// <summary>The one answer to "what decides egress", from the load balancer SKU and the outbound type (both case-insensitive).</summary>
public static class EgressClassifier
{
    public static EgressDecider Classify(string? loadBalancerSku, string? outboundType)
    {
        if (string.Equals(loadBalancerSku, "Basic", StringComparison.OrdinalIgnoreCase)) return EgressDecider.BasicLoadBalancerFrontend;
        return (outboundType ?? "").ToLowerInvariant() switch
        {
            "loadbalancer" => EgressDecider.LoadBalancerOutboundRule,
            "managednatgateway" or "managednatgatewayv2" or "userassignednatgateway" => EgressDecider.NatGateway,
            "userdefinedrouting" => EgressDecider.UserDefinedRouting,
            "none" => EgressDecider.None,
            "block" => EgressDecider.Block,
            _ => EgressDecider.Unknown,
        };
    }

    /// <summary>
    /// The NAT gateway that decides a cluster's egress when <see cref="Classify"/> says <see cref="EgressDecider.NatGateway"/>:
    /// AKS's own (managedNATGateway: its IP count is a cluster setting, natGatewayProfile), yours on the node subnets
    /// (userAssignedNATGateway: its IPs are set on the NAT gateway resource), or none. managedNATGatewayV2 is a preview type the
    /// stable api-version AksEgress writes with does not describe, so it is neither.
    /// </summary>
    public static NatGatewayOwner NatGatewayOwnerOf(string? loadBalancerSku, string? outboundType)
    {
        if (Classify(loadBalancerSku, outboundType) != EgressDecider.NatGateway) return NatGatewayOwner.None;
        if (string.Equals(outboundType, "managedNATGateway", StringComparison.OrdinalIgnoreCase)) return NatGatewayOwner.Aks;
        if (string.Equals(outboundType, "userAssignedNATGateway", StringComparison.OrdinalIgnoreCase)) return NatGatewayOwner.User;
        return NatGatewayOwner.None;
    }

    /// <summary>
    /// What decides one node pool's egress, in Azure's outbound precedence (a 0.0.0.0/0 UDR to an appliance or gateway, then a
    /// NAT gateway on the subnet, then instance-level public IPs, then the load balancer): <paramref name="cluster"/> is
    /// <see cref="Classify"/>'s answer; a Basic load balancer, none, block and unknown types are not overridden per pool.
    /// <paramref name="defaultRouteNextHop"/> is the nextHopType of the subnet's route to the internet (null: no route table or none).
    /// </summary>
    public static EgressDecider ClassifyPool(EgressDecider cluster, string? defaultRouteNextHop, bool subnetHasNatGateway, bool enableNodePublicIp)
    {
        if (cluster is EgressDecider.BasicLoadBalancerFrontend or EgressDecider.None or EgressDecider.Block or EgressDecider.Unknown) return cluster;
        if (defaultRouteNextHop is { } hop && !hop.Equals("Internet", StringComparison.OrdinalIgnoreCase)) return EgressDecider.UserDefinedRouting;
        if (subnetHasNatGateway) return EgressDecider.NatGateway;
        if (cluster == EgressDecider.UserDefinedRouting && defaultRouteNextHop is null) return EgressDecider.UserDefinedRouting;
        if (enableNodePublicIp) return EgressDecider.NodePublicIp;
        return cluster;
    }
}

/// <summary>Who owns the NAT gateway that decides a cluster's egress (<see cref="EgressClassifier.NatGatewayOwnerOf"/>).</summary>
public enum NatGatewayOwner
{
    /// <summary>No NAT gateway outbound type (or a preview one AksEgress does not write).</summary>
    None = 0,
    /// <summary>managedNATGateway: AKS creates and sizes it (natGatewayProfile.managedOutboundIPProfile.count).</summary>
    Aks,
    /// <summary>userAssignedNATGateway: your NAT gateway on the node subnets.</summary>
    User,
}
