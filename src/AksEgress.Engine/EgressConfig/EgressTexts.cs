namespace AksEgress.Engine.EgressConfig;

/// <summary>
/// Every user-facing sentence about what decides egress, per <see cref="EgressDecider"/>: the explanation of
/// Get-AksEgressConfiguration, the note of Set-AksEgressService and the advice of a failed Test-AksEgressIp.
/// </summary>
internal static class EgressTexts
{
    /// <summary>
    /// Joins sentences (some of them messages from elsewhere: an exception, an event, an API server) with one space, giving
    /// every part but the last exactly one closing full stop: a part that already ends with '.', '!' or '?' keeps its own
    /// (no "failed.. Delete it"). The last part is left as it is, so a command at the end stays copyable. Null or blank parts
    /// are skipped.
    /// </summary>
    public static string JoinSentences(params string?[] parts)
    {
        var kept = parts.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => p!.Trim()).ToList();
        var sb = new System.Text.StringBuilder();
        for (var i = 0; i < kept.Count; i++)
        {
            if (i > 0) sb.Append(' ');
            var part = kept[i];
            sb.Append(part);
            if (i < kept.Count - 1 && !part.EndsWith('.') && !part.EndsWith('!') && !part.EndsWith('?')) sb.Append('.');
        }
        return sb.ToString();
    }

    // The "raised by" lines name the cmdlets whose output or errors carry the texts below them; tests/pester/Advice.Tests.ps1
    // checks that every -Parameter such a text names exists on those cmdlets.

    /// <summary>The AksEgress cmdlet that pins egress, or null when none can: a managed NAT gateway's IP count is a cluster setting
    /// (Set-AksOutboundIp -ManagedNatGatewayIpCount), a user-assigned NAT gateway's IPs are set on it (Set-AksNatGatewayIp).</summary>
    public static string? PinWith(EgressDecider decider, string? loadBalancerSku = null, string? outboundType = null) => decider switch
    {
        EgressDecider.LoadBalancerOutboundRule => "Set-AksOutboundIp",
        EgressDecider.BasicLoadBalancerFrontend => "Set-AksEgressService",
        EgressDecider.NatGateway => EgressClassifier.NatGatewayOwnerOf(loadBalancerSku, outboundType) switch
        {
            NatGatewayOwner.Aks => "Set-AksOutboundIp",
            NatGatewayOwner.User => "Set-AksNatGatewayIp",
            _ => null,
        },
        _ => null,
    };

    // ------------------------------------------------------------------ raised by: Get-AksEgressConfiguration

    /// <summary>Get-AksEgressConfiguration's Explanation.</summary>
    public static string Explanation(EgressDecider decider, string outboundType, string? outboundIpSource, bool hasNetworkProfile) => decider switch
    {
        EgressDecider.BasicLoadBalancerFrontend =>
            "This cluster uses a Basic load balancer: outbound traffic leaves through the first public IP configured on the load balancer, " +
            "i.e. the IP of the first LoadBalancer Service. ARM alone cannot tell which address that is (before any LoadBalancer Service exists, " +
            "nodes use an unpredictable Azure address). Pin it with Set-AksEgressService. Note: Basic load balancers were retired on 30 September 2025; migrate to Standard.",
        EgressDecider.LoadBalancerOutboundRule => outboundIpSource switch
        {
            "OutboundIPs" => "Egress uses the outbound rule of the cluster's Standard load balancer with public IPs you supplied (outboundIPs): these addresses are stable. Change them with Set-AksOutboundIp.",
            "OutboundIPPrefixes" => "Egress uses the outbound rule of the cluster's Standard load balancer with public IP prefixes you supplied: egress addresses come from those prefixes. Set-AksOutboundIp replaces them with specific public IPs.",
            _ => "Egress uses the outbound rule of the cluster's Standard load balancer with public IPs AKS created and manages (managedOutboundIPs). They can change if the managed count changes; pin a static IP you own with New-AksEgressIp | Set-AksOutboundIp. A LoadBalancer Service's IP does not change egress here.",
        },
        EgressDecider.NatGateway => outboundType.Equals("userAssignedNATGateway", StringComparison.OrdinalIgnoreCase)
            ? "Egress goes through the NAT gateway you associated with the cluster subnet: its public IPs or prefixes decide the egress address. Attach your IPs or prefixes to it with Set-AksNatGatewayIp (a change of the NAT gateway, not of the cluster)."
            : "Egress goes through the AKS-managed NAT gateway: its public IPs (natGatewayProfile) decide the egress address. Set how many with Set-AksOutboundIp -ManagedNatGatewayIpCount, not a LoadBalancer Service.",
        EgressDecider.UserDefinedRouting =>
            "Egress follows your route table (0.0.0.0/0 to a firewall or NVA): the public IP of your firewall/NVA decides egress, and AKS cannot change it. Pin or read it on the firewall.",
        EgressDecider.None => "outboundType none: AKS sets up no internet egress; there is no egress IP unless you build your own path.",
        EgressDecider.Block => "outboundType block: internet egress is blocked by AKS; there is no egress IP.",
        _ => hasNetworkProfile
            ? $"Unknown outbound type '{outboundType}': AksEgress cannot tell what decides egress."
            : "The cluster has no network profile: AksEgress cannot tell what decides egress.",
    };

    // ------------------------------------------------------------------ raised by: Set-AksEgressService

    /// <summary>Why Set-AksEgressService cannot tell whether the Service's IP decides egress: only a kubeconfig was given.</summary>
    public const string DecidesEgressUnknownCluster =
        "Only a kubeconfig was given (no -ClusterId), so AksEgress cannot read the cluster's load balancer SKU and outbound type from Azure.";

    /// <summary>
    /// Set-AksEgressService's note: whether the Service's IP decides egress (only on a Basic load balancer), and what does.
    /// Decides is null when that cannot be known (a kubeconfig only, or an outbound type AksEgress does not know), with the
    /// reason in Reason (issue 14, item 7: unknown is not false).
    /// </summary>
    public static (bool? Decides, string? Reason, string Note) ServiceNote(AksNodeResourceGroup? info, string service, string ip)
    {
        if (info is null)
            return (null, DecidesEgressUnknownCluster,
                $"{DecidesEgressUnknownCluster} On a Basic load balancer cluster the first LoadBalancer Service's IP decides egress, so {ip} may be the egress IP; " +
                $"on Standard load balancer clusters (every current AKS cluster) the Service {service}'s IP {ip} is only an inbound address and egress uses the load balancer's outbound IPs " +
                "(Set-AksOutboundIp pins them). Pass -ClusterId to know; Get-AksEgressConfiguration and Test-AksEgressIp show what decides egress and the address in use.");
        var inbound = $"This Service's IP {ip} is only the cluster's inbound address; ";
        return info.EgressDecidedBy switch
        {
            EgressDecider.BasicLoadBalancerFrontend => (true, null, $"On this Basic load balancer cluster the first LoadBalancer frontend decides egress; {ip} is the egress IP only while {service} is the only (or first) LoadBalancer Service. Basic load balancers are retired (30 Sep 2025): move to Standard and pin egress with Set-AksOutboundIp."),
            EgressDecider.NatGateway => (false, null, inbound + $"with outboundType {info.OutboundType} egress uses the NAT gateway's public IPs (Get-AksEgressConfiguration shows them)."),
            EgressDecider.UserDefinedRouting => (false, null, inbound + "with outboundType userDefinedRouting egress leaves through your firewall or virtual appliance (the subnet's 0.0.0.0/0 route): its public IP decides egress, configure it there."),
            EgressDecider.None => (false, null, inbound + "with outboundType none AKS provides no internet egress."),
            EgressDecider.Block => (false, null, inbound + "with outboundType block AKS blocks internet egress."),
            EgressDecider.LoadBalancerOutboundRule => (false, null, inbound + "egress uses the load balancer's outbound IPs: pin them with Set-AksOutboundIp."),
            _ => (null, $"Unknown outbound type '{info.OutboundType}': AksEgress cannot tell what decides egress.",
                $"AksEgress cannot tell what decides egress with outboundType '{info.OutboundType}', so it cannot tell whether the Service's IP {ip} does: check Get-AksEgressConfiguration and Test-AksEgressIp."),
        };
    }

    // ------------------------------------------------------------------ raised by: Test-AksEgressIp

    public const string MismatchLoadBalancer =
        " on a Standard load balancer egress uses the outbound rule's IPs, never a Service's: run Set-AksOutboundIp to make the expected IP the egress IP.";
    public static string MismatchNatGateway(IReadOnlyList<string> natAddresses, string? pinWith) =>
        $" Egress uses the NAT gateway's IPs{(natAddresses.Count > 0 ? " (" + string.Join(", ", natAddresses) + ")" : "")}; Service and load balancer IPs do not change it." +
        (pinWith is { } pin ? $" Pin it with {pin}." : " Change the NAT gateway's public IPs to change egress.");
    public const string MismatchUserDefinedRouting =
        " Egress leaves through your firewall or virtual appliance (userDefinedRouting: the subnet's 0.0.0.0/0 route); the observed address is its public IP. Change the SNAT/public IP configuration of your firewall, not the cluster.";
    public const string MismatchBasic =
        " On a Basic load balancer the first LoadBalancer Service's frontend IP decides egress; another Service's frontend came first.";
    public const string MismatchBasicRetired = " Basic load balancers are retired: move to Standard and pin egress with Set-AksOutboundIp.";
    public const string MismatchNoManagedEgress = " This cluster's outbound type gives no managed internet egress; whatever routes you built decides it.";
    public const string MismatchUndecided = " AksEgress cannot tell what decides this cluster's egress (its outbound type is unknown).";
    public const string MismatchClusterUnknown =
        " The cluster is not known here (a kubeconfig only: pass -ClusterId, or pipe Get-AksNodeResourceGroup into Test-AksEgressIp): on Standard load balancer clusters egress uses the load balancer's outbound IPs, not a Service IP. Run Get-AksEgressConfiguration to see what decides egress, and Set-AksOutboundIp to pin it.";
}
