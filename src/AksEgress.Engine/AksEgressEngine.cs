using AksEgress.Engine.Clusters;
using AksEgress.Engine.Completion;
using AksEgress.Engine.EgressConfig;
using AksEgress.Engine.EgressServices;
using AksEgress.Engine.EgressTest;
using AksEgress.Engine.NatGateways;
using AksEgress.Engine.OutboundIps;
using AksEgress.Engine.PublicIps;
using AksEgress.Engine.Session;
using AksEgress.Engine.StaticEgressGateway;

namespace AksEgress.Engine;

/// <summary>
/// The engine facade: created once per process by the cmdlet assembly's EngineHost (by reflection, by this type's full name,
/// in the private ALC). It composes the feature services and is the one place where a request is validated
/// (<see cref="RequestValidation"/>, once, before any request is sent) and a call's <see cref="IOperationContext"/> becomes the
/// ambient one (<see cref="Operation"/>); it holds no logic of its own.
/// </summary>
public sealed class AksEgressEngine : IAksEgressEngine, IClusterCredentialSource
{
    private readonly SessionService _sessions;
    private readonly CredentialService _credentials;
    private readonly ClusterService _clusters;
    private readonly PublicIpService _publicIps;
    private readonly PublicIpPrefixService _publicIpPrefixes;
    private readonly OutboundIpService _outboundIps;
    private readonly NatGatewayService _natGateways;
    private readonly EgressConfigurationService _egressConfiguration;
    private readonly EgressServiceManager _egressServices;
    private readonly EgressTestService _egressTest;
    private readonly CompletionService _completion;
    private readonly GatewayPoolService _gatewayPools;
    private readonly GatewayService _gateways;
    private readonly GatewayWorkloadService _gatewayWorkloads;

    public AksEgressEngine()
    {
        _sessions = new SessionService(() => CredentialSource);
        _clusters = new ClusterService(_sessions);
        _credentials = new CredentialService(_sessions, _clusters);
        _publicIps = new PublicIpService(_sessions, _clusters);
        _publicIpPrefixes = new PublicIpPrefixService(_sessions, _clusters);
        _outboundIps = new OutboundIpService(_clusters, _sessions);
        _natGateways = new NatGatewayService(_clusters);
        _egressServices = new EgressServiceManager(_sessions);
        _egressTest = new EgressTestService(_sessions, () => CredentialSource);
        _completion = new CompletionService(_sessions, _clusters);
        _gatewayPools = new GatewayPoolService(_clusters);
        _gatewayWorkloads = new GatewayWorkloadService(_sessions);
        _gateways = new GatewayService(_sessions, _gatewayPools);
        _egressConfiguration = new EgressConfigurationService(_clusters, (c, i, ctx) => _gateways.ListAsync(c, i, ctx));
    }

    /// <summary>Engine tests only: a stand-in for the ARM side of the Kubernetes features (set before the first Kubernetes call).</summary>
    internal IClusterCredentialSource? CredentialSourceOverride { get; set; }

    private IClusterCredentialSource CredentialSource => CredentialSourceOverride ?? this;

    public AksEgressConnection? Connection => _sessions.Connection;

    public Task<AksEgressConnection> ConnectAsync(ConnectRequest request, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(request), () => _sessions.ConnectAsync(request, context));

    public void Disconnect() => _sessions.Disconnect();

    public IAsyncEnumerable<AksNodeResourceGroup> ListClustersAsync(string? subscriptionId, string? resourceGroupName, IOperationContext context) =>
        Operation.StreamAsync(context, () => RequestValidation.ValidateListScope(subscriptionId, resourceGroupName),
            () => _clusters.ListAsync(subscriptionId, resourceGroupName, context));

    /// <summary>Get-AksNodeResourceGroup: a read the user asked for, so always from ARM (another process may have changed the cluster).</summary>
    public Task<AksNodeResourceGroup> GetClusterAsync(ClusterRef cluster, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(cluster), () => _clusters.GetAsync(cluster, context, fresh: true));

    /// <summary>The Kubernetes access path: the cluster's last read within 30 s will do (its id, FQDN, Entra and local accounts).</summary>
    Task<AksNodeResourceGroup> IClusterCredentialSource.GetClusterAsync(ClusterRef cluster, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(cluster), () => _clusters.GetAsync(cluster, context, fresh: false));

    public Task<EgressIp?> NewEgressIpAsync(NewEgressIpRequest request, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(request), () => _publicIps.NewAsync(request, context));

    public Task<EgressIpPrefix?> NewEgressIpPrefixAsync(NewEgressIpPrefixRequest request, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(request), () => _publicIpPrefixes.NewAsync(request, context));

    public Task<bool> RemoveEgressIpAsync(RemoveEgressIpRequest request, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(request), () => _publicIps.RemoveAsync(request, context));

    public Task<EgressConfiguration> GetEgressConfigurationAsync(ClusterRef cluster, string? clusterReadId, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(cluster), () => _egressConfiguration.GetAsync(cluster, clusterReadId, context));

    public Task<OutboundIpAssignment?> SetOutboundIpAsync(SetOutboundIpRequest request, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(request), () => _outboundIps.SetAsync(request, context));

    public Task<NatGatewayIpAssignment?> SetNatGatewayIpAsync(SetNatGatewayIpRequest request, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(request), () => _natGateways.SetAsync(request, context));

    public Task<EgressService?> SetEgressServiceAsync(SetEgressServiceRequest request, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(request), () => _egressServices.SetAsync(request, context));

    public Task<bool> RemoveEgressServiceAsync(RemoveEgressServiceRequest request, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(request), () => _egressServices.RemoveAsync(request, context));

    public Task<EgressTestResult> TestEgressIpAsync(TestEgressIpRequest request, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(request), () => _egressTest.TestAsync(request, context));

    public Task<StaticEgressGatewayState?> SetStaticEgressGatewayAsync(SetStaticEgressGatewayRequest request, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(request), () => _gateways.SetFlagAsync(request, context));

    public Task<EgressGatewayPool?> NewEgressGatewayPoolAsync(NewEgressGatewayPoolRequest request, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(request), () => _gatewayPools.NewPoolAsync(request, context));

    public Task<bool> RemoveEgressGatewayPoolAsync(RemoveEgressGatewayPoolRequest request, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(request), () => _gateways.RemovePoolAsync(request, context));

    public Task<EgressGateway?> NewEgressGatewayAsync(NewEgressGatewayRequest request, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(request), () => _gateways.NewAsync(request, context));

    public Task<bool> RemoveEgressGatewayAsync(RemoveEgressGatewayRequest request, bool force, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(request), () => _gateways.RemoveAsync(request, force, context));

    public Task<EgressGatewayWorkload?> SetEgressGatewayWorkloadAsync(SetEgressGatewayWorkloadRequest request, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(request), () => _gatewayWorkloads.SetAsync(request, context));

    public Task<IReadOnlyList<string>> CompleteAsync(CompletionKind kind, string? resourceGroupName, string? kubeConfigPath, CancellationToken cancellationToken) =>
        Operation.RunAsync(new NullOperationContext(cancellationToken), () => _completion.CompleteAsync(kind, resourceGroupName, kubeConfigPath, cancellationToken));

    public Task<IReadOnlyList<string>> CompleteAsync(CompletionRequest request, CancellationToken cancellationToken) =>
        Operation.RunAsync(new NullOperationContext(cancellationToken), () => _completion.CompleteAsync(request, cancellationToken));

    /// <summary>The decoded kubeconfig YAML of listClusterUserCredential (or listClusterAdminCredential). Memory only.</summary>
    public Task<string> GetClusterKubeconfigAsync(ClusterRef cluster, bool admin, IOperationContext context) =>
        Operation.RunAsync(context, () => RequestValidation.Validate(cluster), () => _credentials.GetClusterKubeconfigAsync(cluster, admin, context));

    /// <summary>An Entra token for the AKS server application from the connection's credential.</summary>
    public Task<string> GetAksAadTokenAsync(IOperationContext context) => GetAksAadTokenAsync(null, context);

    /// <summary>An Entra token for <paramref name="serverId"/> (a kubeconfig's kubelogin --server-id), or the AKS server application when null.</summary>
    public Task<string> GetAksAadTokenAsync(string? serverId, IOperationContext context) =>
        Operation.RunAsync(context, () => _credentials.GetAksAadTokenAsync(serverId, context));
}

/// <summary>What the Kubernetes features need from the ARM side (the facade implements it; engine tests substitute it).</summary>
internal interface IClusterCredentialSource
{
    /// <summary>The managed cluster as needed to reach its Kubernetes API (its last read within 30 s will do).</summary>
    Task<AksNodeResourceGroup> GetClusterAsync(ClusterRef cluster, IOperationContext context);

    /// <summary>The decoded kubeconfig YAML of listClusterUserCredential (or listClusterAdminCredential). Memory only.</summary>
    Task<string> GetClusterKubeconfigAsync(ClusterRef cluster, bool admin, IOperationContext context);

    /// <summary>
    /// An Entra token from the connection's credential for <paramref name="serverId"/> (the kubeconfig's kubelogin --server-id),
    /// or for the AKS server application 6dae42f8-4368-4678-94ff-3960e28e3630 when null.
    /// </summary>
    Task<string> GetAksAadTokenAsync(string? serverId, IOperationContext context);

    /// <summary>The egress truth of the cluster (used to explain a failed egress test): from ARM, unless
    /// <paramref name="clusterReadId"/> names a read of it from the last 30 s (a cluster object piped in).</summary>
    Task<EgressConfiguration> GetEgressConfigurationAsync(ClusterRef cluster, string? clusterReadId, IOperationContext context);
}
