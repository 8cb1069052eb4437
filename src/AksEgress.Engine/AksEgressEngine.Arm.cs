using AksEgress.Models;

namespace AksEgress.Engine;

// STUB: replaced by the ARM implementation.
public sealed partial class AksEgressEngine : IClusterCredentialSource
{
    public AksEgressConnection? Connection => null;
    public Task<AksEgressConnection> ConnectAsync(ConnectRequest request, IOperationContext context) => throw new NotImplementedException();
    public void Disconnect() { }
    public IAsyncEnumerable<AksNodeResourceGroup> ListClustersAsync(string? subscriptionId, string? resourceGroupName, IOperationContext context) => throw new NotImplementedException();
    public Task<AksNodeResourceGroup> GetClusterAsync(ClusterRef cluster, IOperationContext context) => throw new NotImplementedException();
    public Task<EgressIp> NewEgressIpAsync(NewEgressIpRequest request, IOperationContext context) => throw new NotImplementedException();
    public Task<EgressConfiguration> GetEgressConfigurationAsync(ClusterRef cluster, AksNodeResourceGroup? clusterInfo, IOperationContext context) => throw new NotImplementedException();
    public Task<OutboundIpAssignment> SetOutboundIpAsync(SetOutboundIpRequest request, IOperationContext context) => throw new NotImplementedException();
    public Task<bool> RemoveEgressIpAsync(RemoveEgressIpRequest request, IOperationContext context) => throw new NotImplementedException();
    public Task<IReadOnlyList<string>> CompleteAsync(CompletionKind kind, string? resourceGroupName, string? kubeConfigPath, CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<string>>(Array.Empty<string>());
    public Task<string> GetClusterKubeconfigAsync(ClusterRef cluster, bool admin, IOperationContext context) => throw new NotImplementedException();
    public Task<string> GetAksAadTokenAsync(IOperationContext context) => throw new NotImplementedException();
}
