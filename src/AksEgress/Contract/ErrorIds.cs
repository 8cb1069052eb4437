namespace AksEgress.Contract;

/// <summary>Every ErrorId the module emits. They are part of the public contract: never rename one.</summary>
public static class ErrorIds
{
    // Input, checked before any request
    public const string InvalidPublicIpName = nameof(InvalidPublicIpName);
    public const string InvalidResourceGroupName = nameof(InvalidResourceGroupName);
    public const string InvalidClusterName = nameof(InvalidClusterName);
    public const string InvalidResourceId = nameof(InvalidResourceId);
    public const string InvalidSubscriptionId = nameof(InvalidSubscriptionId);
    public const string InvalidIpAddress = nameof(InvalidIpAddress);
    /// <summary>Test-AksEgressIp -AllowList holds an entry that is not an IPv4/IPv6 address or CIDR.</summary>
    public const string InvalidAllowList = nameof(InvalidAllowList);
    public const string NonPublicIpAddress = nameof(NonPublicIpAddress);
    public const string InvalidKubernetesName = nameof(InvalidKubernetesName);
    public const string InvalidPort = nameof(InvalidPort);
    public const string InvalidCheckUri = nameof(InvalidCheckUri);
    public const string InvalidTag = nameof(InvalidTag);
    public const string InvalidZone = nameof(InvalidZone);
    /// <summary>New-AksEgressIpPrefix -PrefixLength outside /28-/31.</summary>
    public const string InvalidPrefixLength = nameof(InvalidPrefixLength);
    public const string BasicSkuRetired = nameof(BasicSkuRetired);
    /// <summary>A public IP SKU other than Standard (or the retired Basic).</summary>
    public const string InvalidSku = nameof(InvalidSku);
    /// <summary>-Image is empty.</summary>
    public const string InvalidImage = nameof(InvalidImage);
    public const string KubeConfigNotFound = nameof(KubeConfigNotFound);
    public const string KubeConfigInvalid = nameof(KubeConfigInvalid);
    public const string KubeContextNotFound = nameof(KubeContextNotFound);
    public const string KubeConfigClusterMismatch = nameof(KubeConfigClusterMismatch);
    public const string CaCertificateNotFound = nameof(CaCertificateNotFound);
    public const string CaCertificateInvalid = nameof(CaCertificateInvalid);
    public const string ConflictingParameters = nameof(ConflictingParameters);
    public const string MissingClusterContext = nameof(MissingClusterContext);
    public const string UnsupportedInputObject = nameof(UnsupportedInputObject);
    public const string InvalidOutboundPorts = nameof(InvalidOutboundPorts);
    public const string InvalidIdleTimeout = nameof(InvalidIdleTimeout);
    public const string InsufficientOutboundPorts = nameof(InsufficientOutboundPorts);
    public const string InvalidTimeout = nameof(InvalidTimeout);
    public const string InvalidCount = nameof(InvalidCount);
    public const string InvalidThrottleLimit = nameof(InvalidThrottleLimit);
    /// <summary>-PrefixSize of a gateway pool outside 28..31.</summary>
    public const string InvalidPrefixSize = nameof(InvalidPrefixSize);
    /// <summary>A gateway pool's -Count outside 2..2^(32-PrefixSize).</summary>
    public const string InvalidGatewayNodeCount = nameof(InvalidGatewayNodeCount);
    /// <summary>An agent pool name AKS would refuse (Linux: a-z then a-z0-9, at most 12).</summary>
    public const string InvalidAgentPoolName = nameof(InvalidAgentPoolName);
    /// <summary>An -ExcludeCidr entry that is not an IPv4 CIDR.</summary>
    public const string InvalidCidr = nameof(InvalidCidr);
    /// <summary>A -DefaultRoute other than staticEgressGateway / azureNetworking.</summary>
    public const string InvalidDefaultRoute = nameof(InvalidDefaultRoute);
    /// <summary>A -Confirm prompt (or ConfirmImpact High) in a host that cannot prompt.</summary>
    public const string NonInteractiveConfirmation = nameof(NonInteractiveConfirmation);

    // Connection and authentication
    public const string NotConnected = nameof(NotConnected);
    public const string SubscriptionNotDetermined = nameof(SubscriptionNotDetermined);
    /// <summary>ARM does not know the subscription of the request, or this identity cannot see it (404 SubscriptionNotFound,
    /// 400 InvalidSubscriptionId): typically a cluster or IP id from a subscription the session is not connected to.</summary>
    public const string SubscriptionNotFound = nameof(SubscriptionNotFound);
    public const string AuthenticationFailed = nameof(AuthenticationFailed);
    public const string TlsValidationFailed = nameof(TlsValidationFailed);
    public const string EndpointUnreachable = nameof(EndpointUnreachable);
    public const string InvalidArmEndpoint = nameof(InvalidArmEndpoint);
    /// <summary>-TenantId is neither a GUID nor a domain name.</summary>
    public const string InvalidTenantId = nameof(InvalidTenantId);
    /// <summary>An Azure environment name AksEgress does not know.</summary>
    public const string InvalidEnvironment = nameof(InvalidEnvironment);
    /// <summary>Connect-AksEgress -AzContext: Az.Accounts is not loaded or has no context (Connect-AzAccount first).</summary>
    public const string AzContextNotFound = nameof(AzContextNotFound);

    // ARM
    public const string ClusterNotFound = nameof(ClusterNotFound);
    public const string ResourceGroupNotFound = nameof(ResourceGroupNotFound);
    public const string PublicIpNotFound = nameof(PublicIpNotFound);
    public const string PublicIpConflict = nameof(PublicIpConflict);
    public const string PublicIpInUse = nameof(PublicIpInUse);
    public const string PublicIpQuotaExceeded = nameof(PublicIpQuotaExceeded);
    /// <summary>New-AksEgressIpPrefix: a prefix of that name exists with another length, location, version or zones.</summary>
    public const string PublicIpPrefixConflict = nameof(PublicIpPrefixConflict);
    /// <summary>Set-AksOutboundIp -PublicIpPrefixId: the prefix does not exist.</summary>
    public const string PublicIpPrefixNotFound = nameof(PublicIpPrefixNotFound);
    public const string NodeResourceGroupLocked = nameof(NodeResourceGroupLocked);
    public const string AuthorizationFailed = nameof(AuthorizationFailed);
    public const string LinkedAuthorizationFailed = nameof(LinkedAuthorizationFailed);
    /// <summary>A management lock (CanNotDelete / ReadOnly) on the resource, its group or subscription (ARM 409 ScopeLocked).</summary>
    public const string ScopeLocked = nameof(ScopeLocked);
    /// <summary>An Azure Policy assignment with a deny effect refused the request (ARM RequestDisallowedByPolicy).</summary>
    public const string RequestDisallowedByPolicy = nameof(RequestDisallowedByPolicy);
    /// <summary>A deny assignment other than AKS's node resource group lockdown refused the request.</summary>
    public const string DenyAssignmentAuthorizationFailed = nameof(DenyAssignmentAuthorizationFailed);
    public const string ArmThrottled = nameof(ArmThrottled);
    public const string ArmRequestFailed = nameof(ArmRequestFailed);
    public const string OperationFailed = nameof(OperationFailed);
    public const string OperationTimedOut = nameof(OperationTimedOut);
    public const string ConflictingOperation = nameof(ConflictingOperation);
    public const string LocalAccountsDisabled = nameof(LocalAccountsDisabled);
    public const string EgressNotConfigurableHere = nameof(EgressNotConfigurableHere);
    /// <summary>Set-AksNatGatewayIp: the NAT gateway would hold more than 16 public IP addresses (IPs plus prefix addresses).</summary>
    public const string NatGatewayAddressLimitExceeded = nameof(NatGatewayAddressLimitExceeded);
    /// <summary>Set-AksNatGatewayIp: the cluster's subnets use more than one NAT gateway, and a public IP serves only one.</summary>
    public const string AmbiguousNatGateway = nameof(AmbiguousNatGateway);
    /// <summary>The cluster's Static Egress Gateway add-on is off (Enable-AksStaticEgressGateway first).</summary>
    public const string StaticEgressGatewayNotEnabled = nameof(StaticEgressGatewayNotEnabled);
    /// <summary>The cluster cannot run the Static Egress Gateway (dual-stack, Azure CNI pod subnet, ...).</summary>
    public const string StaticEgressGatewayNotSupported = nameof(StaticEgressGatewayNotSupported);
    /// <summary>Disable / remove refused: gateway pools, configurations or annotated pods still use it (teardown order).</summary>
    public const string StaticEgressGatewayInUse = nameof(StaticEgressGatewayInUse);
    /// <summary>The named gateway pool does not exist, or is not a Gateway-mode pool.</summary>
    public const string GatewayPoolNotFound = nameof(GatewayPoolNotFound);
    /// <summary>An agent pool of that name exists with another mode or prefix size.</summary>
    public const string GatewayPoolConflict = nameof(GatewayPoolConflict);

    // Kubernetes
    public const string KubernetesUnauthorized = nameof(KubernetesUnauthorized);
    public const string KubernetesForbidden = nameof(KubernetesForbidden);
    public const string KubernetesNotFound = nameof(KubernetesNotFound);
    public const string KubernetesConflict = nameof(KubernetesConflict);
    public const string KubernetesInvalid = nameof(KubernetesInvalid);
    public const string KubernetesRequestFailed = nameof(KubernetesRequestFailed);
    public const string ServiceNotOwned = nameof(ServiceNotOwned);
    public const string LoadBalancerSyncFailed = nameof(LoadBalancerSyncFailed);
    public const string LoadBalancerTimeout = nameof(LoadBalancerTimeout);
    public const string ImagePullFailed = nameof(ImagePullFailed);
    public const string PodUnschedulable = nameof(PodUnschedulable);
    /// <summary>-AllNodes found no Ready, schedulable Linux node of the cluster's own (every node was skipped).</summary>
    public const string NoTestableNode = nameof(NoTestableNode);
    public const string PodRejected = nameof(PodRejected);
    /// <summary>A validating admission webhook (Gatekeeper, Azure Policy for Kubernetes, AKS Deployment Safeguards) denied the object.</summary>
    public const string AdmissionDenied = nameof(AdmissionDenied);
    public const string EgressTestTimeout = nameof(EgressTestTimeout);
    /// <summary>No StaticGatewayConfiguration of that name in the namespace.</summary>
    public const string GatewayNotFound = nameof(GatewayNotFound);
    /// <summary>The StaticGatewayConfiguration got no status.egressIpPrefix in time (controller events say why).</summary>
    public const string GatewayNotReady = nameof(GatewayNotReady);
    /// <summary>A StaticGatewayConfiguration of that name exists with another pool or route.</summary>
    public const string GatewayConflict = nameof(GatewayConflict);
    /// <summary>The configuration's deletion did not finish in time (its finalizer stays: usually its gateway pool is gone).</summary>
    public const string GatewayDeletionStuck = nameof(GatewayDeletionStuck);
    /// <summary>No Deployment/StatefulSet/DaemonSet of that name in the namespace.</summary>
    public const string WorkloadNotFound = nameof(WorkloadNotFound);
    /// <summary>A bring-your-own prefix the gateway controller would refuse: another subscription than the cluster's, or a length other than the pool's prefix size.</summary>
    public const string GatewayPrefixMismatch = nameof(GatewayPrefixMismatch);
    /// <summary>-Kind other than Deployment, StatefulSet or DaemonSet.</summary>
    public const string InvalidWorkloadKind = nameof(InvalidWorkloadKind);
    /// <summary>The gateway is in another namespace than the workload (the CNI only looks in the pod's own namespace).</summary>
    public const string GatewayNamespaceMismatch = nameof(GatewayNamespaceMismatch);
    /// <summary>The workload's pods use the host network: the gateway annotation would silently do nothing.</summary>
    public const string HostNetworkWorkload = nameof(HostNetworkWorkload);
    /// <summary>The workload did not finish rolling out within -TimeoutSeconds.</summary>
    public const string WorkloadRolloutTimeout = nameof(WorkloadRolloutTimeout);
    public const string EgressBlockedOrEndpointUnusable = nameof(EgressBlockedOrEndpointUnusable);

    public const string OperationCanceled = nameof(OperationCanceled);
    public const string UnexpectedError = nameof(UnexpectedError);
}
