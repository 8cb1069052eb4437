namespace AksEgress.Models;

/// <summary>
/// Base of the output objects that are Kubernetes objects of a cluster (EgressGateway, EgressGatewayWorkload): the cluster (null
/// where it was reached through a kubeconfig only) and how it was reached. These property names bind by name into the next
/// cmdlet (-ClusterId, -KubeConfigPath, -KubeContext); PowerShell lists them after the derived type's own properties.
/// </summary>
public abstract class KubeBoundObject
{
    public string? ClusterName { get; init; }
    public string? ClusterId { get; init; }
    /// <summary>The Kubernetes API server the object was read from.</summary>
    public string? KubernetesServer { get; init; }
    public string? KubeConfigPath { get; init; }
    public string? KubeContext { get; init; }
}
