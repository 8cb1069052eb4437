namespace AksEgress.Models;

/// <summary>Result of Set-AksOutboundIp: the public IPs that are now the cluster's load-balancer egress.</summary>
public sealed class OutboundIpAssignment
{
    public string SubscriptionId { get; init; } = "";
    public string ResourceGroupName { get; init; } = "";
    public string ClusterName { get; init; } = "";
    public string ClusterId { get; init; } = "";
    public string[] PublicIpId { get; init; } = Array.Empty<string>();
    /// <summary>The addresses egress now uses (binds to Test-AksEgressIp -ExpectedIpAddress).</summary>
    public string[] EgressIpAddress { get; init; } = Array.Empty<string>();
    public int? AllocatedOutboundPorts { get; init; }
    public int? IdleTimeoutInMinutes { get; init; }
    /// <summary>Updated or Unchanged.</summary>
    public string Action { get; init; } = "Unchanged";
    public string[] PreviousEgressIpAddress { get; init; } = Array.Empty<string>();
    public override string ToString() => $"{ClusterName}: {string.Join(",", EgressIpAddress)}";
}
