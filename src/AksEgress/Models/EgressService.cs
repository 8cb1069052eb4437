namespace AksEgress.Models;

/// <summary>The LoadBalancer Service that owns an egress IP (the original recipe), and what it really decides.</summary>
public sealed class EgressService : ClusterContextObject
{
    public string Namespace { get; init; } = "default";
    /// <summary>Service name.</summary>
    public string ServiceName { get; init; } = "aks-egress";
    /// <summary>The address the Service asked for (the egress IP of the recipe).</summary>
    public string IpAddress { get; init; } = "";
    /// <summary>The address in status.loadBalancer.ingress once the cloud provider assigned it.</summary>
    public string? IngressIpAddress { get; init; }
    public int Port { get; init; } = 8080;
    public string? PublicIpId { get; init; }
    public string? PublicIpResourceGroupName { get; init; }
    public ValueMap Annotations { get; init; } = new();
    /// <summary>Created, Updated or Unchanged.</summary>
    public string Action { get; init; } = "Unchanged";
    /// <summary>True only where a Service IP decides egress (Basic load balancer); false where it does not; null when that
    /// cannot be known (a kubeconfig only, no cluster from Azure; an unknown outbound type): see <see cref="DecidesEgressReason"/>.</summary>
    public bool? DecidesEgress { get; init; }
    /// <summary>Why <see cref="DecidesEgress"/> is unknown (null when it is known).</summary>
    public string? DecidesEgressReason { get; init; }
    /// <summary>What decides the cluster's egress; null when the cluster is unknown (kubeconfig only).</summary>
    public EgressDecider? EgressDecidedBy { get; init; }
    /// <summary>Plain-words explanation of what decides egress on this cluster.</summary>
    public string? EgressNote { get; init; }

    /// <summary>The Kubernetes API server used.</summary>
    public string? KubernetesServer { get; init; }
    public string? KubeConfigPath { get; init; }
    public string? KubeContext { get; init; }

    public override string ToString() => $"{Namespace}/{ServiceName} {IngressIpAddress ?? IpAddress}";
}
