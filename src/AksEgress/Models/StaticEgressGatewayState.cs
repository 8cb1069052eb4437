namespace AksEgress.Models;

/// <summary>Whether a cluster's Static Egress Gateway add-on is on (networkProfile.staticEgressGatewayProfile.enabled).</summary>
public sealed class StaticEgressGatewayState : ClusterBoundObject
{
    public bool Enabled { get; init; }
    /// <summary>Enabled, Disabled or Unchanged.</summary>
    public string Action { get; init; } = "Unchanged";
    /// <summary>What Disable -Force removed first, in order (configurations as namespace/name, then pools).</summary>
    public ValueList<string> Removed { get; init; } = new();

    public override string ToString() => $"{ClusterName} static egress gateway {(Enabled ? "enabled" : "disabled")}";
}
