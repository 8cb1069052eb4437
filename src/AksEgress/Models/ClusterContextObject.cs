namespace AksEgress.Models;

/// <summary>
/// Base of the output objects that are Azure or Kubernetes resources made for a cluster (EgressIp, EgressIpPrefix,
/// EgressService): the cluster context they were made for, listed after the resource's own properties. A value is null where
/// the cluster is unknown (an IP made for a node resource group only, a Service reached through a kubeconfig only).
/// </summary>
public abstract class ClusterContextObject
{
    public string? SubscriptionId { get; init; }
    public string? ClusterName { get; init; }
    /// <summary>The cluster's own resource group (ResourceGroupName is the resource's).</summary>
    public string? ClusterResourceGroupName { get; init; }
    public string? ClusterId { get; init; }
    public string? NodeResourceGroup { get; init; }
    public string? LoadBalancerSku { get; init; }
    public string? OutboundType { get; init; }
}
