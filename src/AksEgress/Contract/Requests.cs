namespace AksEgress.Contract;

/// <summary>An AKS cluster named by subscription (optional: the connection's), resource group and name.</summary>
public sealed record ClusterRef(string? SubscriptionId, string ResourceGroupName, string ClusterName)
{
    /// <summary>Parses a managed-cluster ARM id (any casing of resourceGroups/providers). Throws InvalidResourceId.</summary>
    public static ClusterRef FromId(string id)
    {
        var parsed = ResourceIdParser.Parse(id, ErrorIds.InvalidResourceId);
        if (!string.Equals(parsed.Provider, "Microsoft.ContainerService", StringComparison.OrdinalIgnoreCase) ||
            !string.Equals(parsed.ResourceType, "managedClusters", StringComparison.OrdinalIgnoreCase))
            throw new AksEgressException(ErrorIds.InvalidResourceId, EgressErrorCategory.InvalidArgument,
                $"'{id}' is not the id of an AKS managed cluster (expected .../providers/Microsoft.ContainerService/managedClusters/<name>).",
                id, "Pass the cluster's ARM id, e.g. the ClusterId property of Get-AksNodeResourceGroup.");
        return new ClusterRef(parsed.SubscriptionId, parsed.ResourceGroupName, parsed.Name);
    }

    public string ToId(string subscriptionId) =>
        $"/subscriptions/{SubscriptionId ?? subscriptionId}/resourceGroups/{ResourceGroupName}/providers/Microsoft.ContainerService/managedClusters/{ClusterName}";

    public override string ToString() => $"{ResourceGroupName}/{ClusterName}";
}

/// <summary>How to reach a cluster's Kubernetes API. Precedence: KubeConfigPath/KubeContext, else the cluster's ARM credentials, else the default kubeconfig.</summary>
public sealed record KubeAccess
{
    public string? KubeConfigPath { get; init; }
    public string? KubeContext { get; init; }
    /// <summary>The cluster, when known (its ARM credentials are used when no kubeconfig was named).</summary>
    public ClusterRef? Cluster { get; init; }
    /// <summary>Cluster details already read (saves a GET).</summary>
    public AksNodeResourceGroup? ClusterInfo { get; init; }
    /// <summary>Use listClusterAdminCredential (refused on clusters with local accounts disabled).</summary>
    public bool Admin { get; init; }
}

public sealed record ConnectRequest
{
    public string Environment { get; init; } = "AzureCloud";
    public string? SubscriptionId { get; init; }
    public string? TenantId { get; init; }
    public bool Identity { get; init; }
    public string? ClientId { get; init; }
    /// <summary>An ARM access token. Kept in memory only.</summary>
    public string? AccessToken { get; init; }
    public Uri? ArmEndpoint { get; init; }
    public string? CaCertificatePath { get; init; }
    /// <summary>Follow the Az PowerShell context of the calling runspace (Get-AzContext / Get-AzAccessToken).</summary>
    public bool AzContext { get; init; }
}

/// <summary>
/// What New-AksEgressIp and New-AksEgressIpPrefix share: the resource's name, where it goes (-ResourceGroupName, else the
/// node resource group of the cluster it is made for), its location, zones and tags.
/// </summary>
public abstract record NewEgressResourceRequest
{
    public required string Name { get; init; }
    /// <summary>Where the resource goes; default the cluster's node resource group.</summary>
    public string? ResourceGroupName { get; init; }
    public string? SubscriptionId { get; init; }
    public ClusterRef? Cluster { get; init; }
    public AksNodeResourceGroup? ClusterInfo { get; init; }
    public string? NodeResourceGroup { get; init; }
    public string? Location { get; init; }
    public string[] Zones { get; init; } = Array.Empty<string>();
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public int TimeoutSeconds { get; init; } = 300;
}

public sealed record NewEgressIpRequest : NewEgressResourceRequest
{
    public string Sku { get; init; } = "Standard";
    public int? IdleTimeoutInMinutes { get; init; }
}

public sealed record NewEgressIpPrefixRequest : NewEgressResourceRequest
{
    /// <summary>CIDR length: IPv4 28-31 (16, 8, 4 or 2 addresses).</summary>
    public int PrefixLength { get; init; } = 28;
}

public sealed record SetEgressServiceRequest
{
    public required string IpAddress { get; init; }
    public string? PublicIpId { get; init; }
    public string ServiceName { get; init; } = "aks-egress";
    public string Namespace { get; init; } = "default";
    public int Port { get; init; } = 8080;
    public string? NodeResourceGroup { get; init; }
    public KubeAccess Kube { get; init; } = new();
    public int TimeoutSeconds { get; init; } = 300;
    /// <summary>Take over a Service of that name that AksEgress did not create.</summary>
    public bool Force { get; init; }
    /// <summary>When the wait for the load balancer fails (or is stopped), delete the Service this call created. A Service that
    /// existed before the call is never deleted.</summary>
    public bool Cleanup { get; init; }
}

public sealed record TestEgressIpRequest
{
    public string[] ExpectedIpAddress { get; init; } = Array.Empty<string>();
    public KubeAccess Kube { get; init; } = new();
    public string CheckUri { get; init; } = "https://api.ipify.org";
    /// <summary>
    /// The default test image: Azure Linux 3.0 base/core on mcr.microsoft.com. Its core-packages-container set includes curl and
    /// the CA bundle; AKS's required outbound rules allow mcr.microsoft.com (Docker Hub is neither allowed behind an AKS egress
    /// firewall nor free of per-IP pull limits). The pod runs it as user 65534 with a read-only root filesystem.
    /// </summary>
    public const string DefaultImage = "mcr.microsoft.com/azurelinux/base/core:3.0";
    public string Image { get; init; } = DefaultImage;
    public string Namespace { get; init; } = "default";
    public int TimeoutSeconds { get; init; } = 120;
    /// <summary>Pods to run (samples); with AllNodes, per node.</summary>
    public int Count { get; init; } = 1;
    public bool AllNodes { get; init; }
    public string? NodeName { get; init; }
    /// <summary>Run the samples on every node of this agent pool (label kubernetes.azure.com/agentpool).</summary>
    public string? NodePool { get; init; }
    /// <summary>CIDRs (or bare addresses) every observed address must be inside: Get-AksEgressConfiguration's AllowList.</summary>
    public string[] AllowList { get; init; } = Array.Empty<string>();
    public int ThrottleLimit { get; init; } = 5;
    /// <summary>
    /// Test the path the cluster's workloads take on an HTTP proxy cluster: the pod keeps the proxy variables AKS injects.
    /// False (default): the pod bypasses every proxy (curl --noproxy '*'), so the cluster's own egress is tested.
    /// </summary>
    public bool ViaProxy { get; init; }
    /// <summary>
    /// A StaticGatewayConfiguration in <see cref="Namespace"/>: one pod annotated with it must egress inside its prefix and one
    /// unannotated pod must not.
    /// </summary>
    public string? Gateway { get; init; }
}

public sealed record SetOutboundIpRequest
{
    public required ClusterRef Cluster { get; init; }
    /// <summary>loadBalancerProfile.outboundIPs. Exactly one of PublicIpIds, PublicIpPrefixIds and ManagedOutboundIpCount (with
    /// ManagedOutboundIpv6Count) is given: AKS takes one outbound IP source at a time.</summary>
    public string[] PublicIpIds { get; init; } = Array.Empty<string>();
    /// <summary>loadBalancerProfile.outboundIPPrefixes.</summary>
    public string[] PublicIpPrefixIds { get; init; } = Array.Empty<string>();
    /// <summary>loadBalancerProfile.managedOutboundIPs.count (1-100): back to AKS-managed outbound IPs.</summary>
    public int? ManagedOutboundIpCount { get; init; }
    /// <summary>loadBalancerProfile.managedOutboundIPs.countIPv6 (0-100, dual-stack clusters).</summary>
    public int? ManagedOutboundIpv6Count { get; init; }
    /// <summary>natGatewayProfile.managedOutboundIPProfile.count (1-16) of a managedNATGateway cluster; IdleTimeoutInMinutes then
    /// sets natGatewayProfile.idleTimeoutInMinutes (4-120). Excludes the three load balancer sources.</summary>
    public int? ManagedNatGatewayIpCount { get; init; }
    public int? AllocatedOutboundPorts { get; init; }
    public int? IdleTimeoutInMinutes { get; init; }
    public int TimeoutSeconds { get; init; } = 1800;
}

/// <summary>Set-AksNatGatewayIp: public IPs / prefixes for the user-assigned NAT gateway of the cluster's subnets.</summary>
public sealed record SetNatGatewayIpRequest
{
    public required ClusterRef Cluster { get; init; }
    /// <summary>publicIpAddresses to attach (Standard, static, IPv4, the NAT gateway's region).</summary>
    public string[] PublicIpIds { get; init; } = Array.Empty<string>();
    /// <summary>publicIpPrefixes to attach.</summary>
    public string[] PublicIpPrefixIds { get; init; } = Array.Empty<string>();
    /// <summary>False (default): add to the NAT gateway's IPs and prefixes. True: the given ones become its whole set (others are detached).</summary>
    public bool Replace { get; init; }
    public int TimeoutSeconds { get; init; } = 600;
}

public sealed record RemoveEgressIpRequest
{
    public required string PublicIpId { get; init; }
    public bool Force { get; init; }
    public int TimeoutSeconds { get; init; } = 300;
}

public sealed record RemoveEgressServiceRequest
{
    public string ServiceName { get; init; } = "aks-egress";
    public string Namespace { get; init; } = "default";
    public KubeAccess Kube { get; init; } = new();
    public bool Force { get; init; }
}

public enum CompletionKind { Subscription, ResourceGroup, Cluster, KubeContext, Namespace }

/// <summary>What a completer knows from the command line (fakeBoundParameters).</summary>
public sealed record CompletionRequest(CompletionKind Kind)
{
    public string? ResourceGroupName { get; init; }
    public string? KubeConfigPath { get; init; }
    public string? KubeContext { get; init; }
    /// <summary>A managed-cluster ARM id (namespaces through the cluster's Azure credentials).</summary>
    public string? ClusterId { get; init; }
}

/// <summary>Enable-/Disable-AksStaticEgressGateway: the cluster flag networkProfile.staticEgressGatewayProfile.enabled.</summary>
public sealed record SetStaticEgressGatewayRequest
{
    public required ClusterRef Cluster { get; init; }
    public bool Enabled { get; init; }
    /// <summary>Disable only: tear down every StaticGatewayConfiguration and gateway pool first, in order.</summary>
    public bool Force { get; init; }
    /// <summary>Disable: how to reach the cluster's Kubernetes API to find (and with Force delete) the configurations.</summary>
    public KubeAccess Kube { get; init; } = new();
    public int TimeoutSeconds { get; init; } = 1800;
}

/// <summary>New-AksEgressGatewayPool: an agent pool in mode Gateway.</summary>
public sealed record NewEgressGatewayPoolRequest
{
    public required ClusterRef Cluster { get; init; }
    public required string Name { get; init; }
    /// <summary>gatewayProfile.publicIPPrefixSize, 28 to 31: the pool holds at most 2^(32-size) nodes.</summary>
    public int PrefixSize { get; init; } = 31;
    /// <summary>Node count, 2 (AKS's minimum for a gateway pool) to 2^(32-PrefixSize).</summary>
    public int Count { get; init; } = 2;
    /// <summary>VM size; null lets AKS choose.</summary>
    public string? VmSize { get; init; }
    public int TimeoutSeconds { get; init; } = 1800;
}

public sealed record RemoveEgressGatewayPoolRequest
{
    public required ClusterRef Cluster { get; init; }
    public required string Name { get; init; }
    /// <summary>Where to look for StaticGatewayConfigurations that still use the pool (the removal is refused then).</summary>
    public KubeAccess Kube { get; init; } = new();
    public int TimeoutSeconds { get; init; } = 1800;
}

/// <summary>New-AksEgressGateway: a StaticGatewayConfiguration (egressgateway.kubernetes.azure.com/v1alpha1).</summary>
public sealed record NewEgressGatewayRequest
{
    public required string Name { get; init; }
    public string Namespace { get; init; } = "default";
    public required string PoolName { get; init; }
    /// <summary>staticEgressGateway (default: everything but ExcludeCidr leaves through the gateway) or azureNetworking.</summary>
    public string DefaultRoute { get; init; } = "staticEgressGateway";
    public string[] ExcludeCidr { get; init; } = Array.Empty<string>();
    /// <summary>Bring your own public IP prefix (spec.publicIpPrefixId): same subscription as the cluster, length = the pool's prefix size.</summary>
    public string? PublicIpPrefixId { get; init; }
    public KubeAccess Kube { get; init; } = new();
    public int TimeoutSeconds { get; init; } = 600;
}

public sealed record RemoveEgressGatewayRequest
{
    public required string Name { get; init; }
    public string Namespace { get; init; } = "default";
    public KubeAccess Kube { get; init; } = new();
    public int TimeoutSeconds { get; init; } = 600;
}

/// <summary>Set-AksEgressGatewayWorkload: opts a workload's pod template in to (or out of) a StaticGatewayConfiguration.</summary>
public sealed record SetEgressGatewayWorkloadRequest
{
    /// <summary>Deployment, StatefulSet or DaemonSet.</summary>
    public required string Kind { get; init; }
    public required string Name { get; init; }
    public string Namespace { get; init; } = "default";
    /// <summary>The StaticGatewayConfiguration's name (the annotation's value). Required unless <see cref="Remove"/>.</summary>
    public string? Gateway { get; init; }
    /// <summary>The gateway's namespace when known (a piped gateway object, -GatewayNamespace): it must be the workload's.</summary>
    public string? GatewayNamespace { get; init; }
    /// <summary>Take the workload off the gateway (remove the annotation) instead.</summary>
    public bool Remove { get; init; }
    /// <summary>Do not wait for the rollout.</summary>
    public bool NoWait { get; init; }
    public KubeAccess Kube { get; init; } = new();
    public int TimeoutSeconds { get; init; } = 600;
}
