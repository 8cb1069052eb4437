namespace AksEgress.Models;

/// <summary>
/// Base of the output objects that describe one AKS cluster or something on it (AksNodeResourceGroup, EgressConfiguration,
/// OutboundIpAssignment, NatGatewayIpAssignment, StaticEgressGatewayState, EgressGatewayPool). Owns the cluster's identity: these property names bind
/// by name into every cmdlet that takes a cluster. PowerShell lists them after the derived type's own properties
/// (Format-List, Export-Csv, ConvertTo-Json); the table views name their columns explicitly.
/// </summary>
public abstract class ClusterBoundObject
{
    public string SubscriptionId { get; init; } = "";
    /// <summary>The cluster's own resource group.</summary>
    public string ResourceGroupName { get; init; } = "";
    public string ClusterName { get; init; } = "";
    /// <summary>ARM id of the managed cluster, normalised to /resourceGroups/ casing.</summary>
    public string ClusterId { get; init; } = "";
}
