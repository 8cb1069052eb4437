using AksEgress.Engine;
using AksEgress.Engine.Kubernetes;
using AksEgress.Models;

namespace AksEgress.Tests;

/// <summary>A stand-in for the ARM half.</summary>
internal sealed class FakeArm : IClusterCredentialSource
{
    public Func<ClusterRef, AksNodeResourceGroup>? Cluster { get; init; }
    public Func<ClusterRef, bool, string>? Kubeconfig { get; init; }
    public Func<string>? AadToken { get; init; }
    public Func<ClusterRef, EgressConfiguration>? Egress { get; init; }
    public int KubeconfigCalls, TokenCalls;
    /// <summary>The server ids tokens were asked for, in order (null: the AKS default).</summary>
    public System.Collections.Concurrent.ConcurrentQueue<string?> TokenServerIds { get; } = new();
    public Task<AksNodeResourceGroup> GetClusterAsync(ClusterRef cluster, IOperationContext context) => Task.FromResult(Cluster!(cluster));
    public Task<string> GetClusterKubeconfigAsync(ClusterRef cluster, bool admin, IOperationContext context) { Interlocked.Increment(ref KubeconfigCalls); return Task.FromResult(Kubeconfig!(cluster, admin)); }
    public Task<string> GetAksAadTokenAsync(string? serverId, IOperationContext context) { Interlocked.Increment(ref TokenCalls); TokenServerIds.Enqueue(serverId); return Task.FromResult(AadToken!()); }
    public Task<EgressConfiguration> GetEgressConfigurationAsync(ClusterRef cluster, string? clusterReadId, IOperationContext context) =>
        Egress is null ? throw new NotImplementedException() : Task.FromResult(Egress(cluster));
}
