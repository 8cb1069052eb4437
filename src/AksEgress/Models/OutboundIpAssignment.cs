namespace AksEgress.Models;

/// <summary>Result of Set-AksOutboundIp: the public IPs that are now the cluster's load-balancer egress.</summary>
public sealed class OutboundIpAssignment
{
    public string SubscriptionId { get; init; } = "";
    public string ResourceGroupName { get; init; } = "";
    public string ClusterName { get; init; } = "";
    public string ClusterId { get; init; } = "";
    public ValueList<string> PublicIpId { get; init; } = new();
    /// <summary>The addresses egress now uses (binds to Test-AksEgressIp -ExpectedIpAddress).</summary>
    public ValueList<string> EgressIpAddress { get; init; } = new();
    public int? AllocatedOutboundPorts { get; init; }
    public int? IdleTimeoutInMinutes { get; init; }
    /// <summary>Updated or Unchanged.</summary>
    public string Action { get; init; } = "Unchanged";
    public ValueList<string> PreviousEgressIpAddress { get; init; } = new();
    public override string ToString() => $"{ClusterName}: {string.Join(",", EgressIpAddress)}";
}
