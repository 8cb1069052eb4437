namespace AksEgress.Models;

/// <summary>
/// One AKS cluster and where its node resources live. Output of Get-AksNodeResourceGroup; its property names
/// bind by name into New-AksEgressIp, Set-AksEgressService, Get-AksEgressConfiguration and Test-AksEgressIp.
/// </summary>
public sealed class AksNodeResourceGroup : ClusterBoundObject
{
    public string Location { get; init; } = "";
    public string NodeResourceGroup { get; init; } = "";
    public string NodeResourceGroupId { get; init; } = "";
    /// <summary>Standard or Basic (normalised casing).</summary>
    public string LoadBalancerSku { get; init; } = "";
    /// <summary>loadBalancer, managedNATGateway, userAssignedNATGateway, userDefinedRouting, none, block.</summary>
    public string OutboundType { get; init; } = "";
    /// <summary>What decides this cluster's egress, from LoadBalancerSku and OutboundType (<see cref="EgressClassifier"/>).</summary>
    public EgressDecider EgressDecidedBy => EgressClassifier.Classify(LoadBalancerSku, OutboundType);
    /// <summary>Unrestricted or ReadOnly.</summary>
    public string NodeResourceGroupRestrictionLevel { get; init; } = "Unrestricted";
    public bool NodeResourceGroupLocked => string.Equals(NodeResourceGroupRestrictionLevel, "ReadOnly", StringComparison.OrdinalIgnoreCase);
    public string? KubernetesVersion { get; init; }
    /// <summary>The API server's public DNS name (properties.fqdn); for a private cluster without one, its private name.</summary>
    public string? Fqdn { get; init; }
    /// <summary>A private cluster's API server DNS name (properties.privateFQDN); null for a public cluster.</summary>
    public string? PrivateFqdn { get; init; }
    public bool AadEnabled { get; init; }
    /// <summary>The cluster's HTTP proxy for http:// requests (properties.httpProxyConfig.httpProxy, without credentials); null when none.</summary>
    public string? HttpProxy { get; init; }
    /// <summary>The cluster's HTTP proxy for https:// requests (properties.httpProxyConfig.httpsProxy, without credentials); null when none.</summary>
    public string? HttpsProxy { get; init; }
    /// <summary>The hosts and domains exempt from the proxy (properties.httpProxyConfig.noProxy).</summary>
    public ValueList<string> NoProxy { get; init; } = new();
    public bool LocalAccountsDisabled { get; init; }
    public string? ProvisioningState { get; init; }
    public int NodeCount { get; init; }
    /// <summary>Principal id of the cluster identity (the one that needs rights on BYO public IPs).</summary>
    public string? IdentityPrincipalId { get; init; }

    /// <summary>
    /// Names the ARM read this object came from (hidden). A cmdlet it is piped to (Get-AksEgressConfiguration binds it by
    /// property name) reuses that read for about 30 seconds instead of asking ARM again; called on its own, a cmdlet reads fresh.
    /// </summary>
    [System.Management.Automation.Hidden]
    public string? ClusterReadId { get; internal set; }

    public override string ToString() => ClusterId;
}
