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
}
