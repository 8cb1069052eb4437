namespace AksEgress.Contract;

/// <summary>
/// Everything that talks to ARM or Kubernetes. Implemented in AksEgress.Engine.dll, which is loaded with all SDKs into a
/// private AssemblyLoadContext; only BCL types and types of this assembly cross the boundary. One instance per
/// process, thread-safe (ForEach-Object -Parallel, Start-ThreadJob).
/// Methods throw <see cref="AksEgressException"/> for everything a user should see, and OperationCanceledException when
/// the context's token is cancelled (after cleaning up).
/// </summary>
public interface IAksEgressEngine
{
    /// <summary>The explicit connection, or null when cmdlets fall back to DefaultAzureCredential.</summary>
    AksEgressConnection? Connection { get; }
    Task<AksEgressConnection> ConnectAsync(ConnectRequest request, IOperationContext context);
    void Disconnect();

    /// <summary>Clusters of the subscription, or of one resource group; streams as pages arrive (follows nextLink).</summary>
    IAsyncEnumerable<AksNodeResourceGroup> ListClustersAsync(string? subscriptionId, string? resourceGroupName, IOperationContext context);
    /// <summary>Always reads the cluster from ARM (a read the user asked for).</summary>
    Task<AksNodeResourceGroup> GetClusterAsync(ClusterRef cluster, IOperationContext context);

    /// <summary>Null when ShouldProcess declined (-WhatIf, or the user answered no); likewise for the two Set methods below.</summary>
    Task<EgressIp?> NewEgressIpAsync(NewEgressIpRequest request, IOperationContext context);
    /// <summary>New-AksEgressIpPrefix: a Standard IPv4 public IP prefix (null when ShouldProcess declined).</summary>
    Task<EgressIpPrefix?> NewEgressIpPrefixAsync(NewEgressIpPrefixRequest request, IOperationContext context);
    Task<EgressService?> SetEgressServiceAsync(SetEgressServiceRequest request, IOperationContext context);
    Task<EgressTestResult> TestEgressIpAsync(TestEgressIpRequest request, IOperationContext context);

    /// <summary>Reads the cluster from ARM, unless <paramref name="clusterReadId"/> names a read of it from the last 30 s (the
    /// ClusterReadId of a cluster object piped in).</summary>
    Task<EgressConfiguration> GetEgressConfigurationAsync(ClusterRef cluster, string? clusterReadId, IOperationContext context);
    Task<OutboundIpAssignment?> SetOutboundIpAsync(SetOutboundIpRequest request, IOperationContext context);
    /// <summary>Set-AksNatGatewayIp: attaches public IPs / prefixes to the user-assigned NAT gateway of the cluster's subnets.
    /// Null when ShouldProcess declined.</summary>
    Task<NatGatewayIpAssignment?> SetNatGatewayIpAsync(SetNatGatewayIpRequest request, IOperationContext context);
    /// <summary>Returns false when nothing was removed (not found, or ShouldProcess declined).</summary>
    Task<bool> RemoveEgressIpAsync(RemoveEgressIpRequest request, IOperationContext context);
    Task<bool> RemoveEgressServiceAsync(RemoveEgressServiceRequest request, IOperationContext context);

    /// <summary>Enable-/Disable-AksStaticEgressGateway. Null when ShouldProcess declined.</summary>
    Task<StaticEgressGatewayState?> SetStaticEgressGatewayAsync(SetStaticEgressGatewayRequest request, IOperationContext context);
    /// <summary>New-AksEgressGatewayPool (idempotent). Null when ShouldProcess declined.</summary>
    Task<EgressGatewayPool?> NewEgressGatewayPoolAsync(NewEgressGatewayPoolRequest request, IOperationContext context);
    /// <summary>Returns false when nothing was removed (not found, or ShouldProcess declined).</summary>
    Task<bool> RemoveEgressGatewayPoolAsync(RemoveEgressGatewayPoolRequest request, IOperationContext context);
    /// <summary>New-AksEgressGateway: creates the StaticGatewayConfiguration and waits for its prefix. Null when ShouldProcess declined.</summary>
    Task<EgressGateway?> NewEgressGatewayAsync(NewEgressGatewayRequest request, IOperationContext context);
    /// <summary>Returns false when nothing was removed. <paramref name="force"/> skips the check for annotated pods.</summary>
    Task<bool> RemoveEgressGatewayAsync(RemoveEgressGatewayRequest request, bool force, IOperationContext context);
    /// <summary>Set-AksEgressGatewayWorkload: annotates (or un-annotates) a workload's pod template and waits for the rollout. Null when ShouldProcess declined.</summary>
    Task<EgressGatewayWorkload?> SetEgressGatewayWorkloadAsync(SetEgressGatewayWorkloadRequest request, IOperationContext context);

    /// <summary>Tab-completion values; never throws (returns empty on any failure), results cached briefly.</summary>
    Task<IReadOnlyList<string>> CompleteAsync(CompletionKind kind, string? resourceGroupName, string? kubeConfigPath, CancellationToken cancellationToken);

    /// <summary>Tab-completion values with everything the command line already names (kubeconfig, context, cluster);
    /// never throws, cached briefly. Default: the older overload.</summary>
    Task<IReadOnlyList<string>> CompleteAsync(CompletionRequest request, CancellationToken cancellationToken) =>
        CompleteAsync(request.Kind, request.ResourceGroupName, request.KubeConfigPath, cancellationToken);
}
