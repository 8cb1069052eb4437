namespace AksEgress.Models;

/// <summary>A static public IP meant to be a cluster's egress address, with the cluster context it was made for.</summary>
public sealed class EgressIp : ClusterContextObject
{
    public string Name { get; init; } = "";
    /// <summary>The public IP's resource group (not the cluster's: see ClusterResourceGroupName).</summary>
    public string ResourceGroupName { get; init; } = "";
    /// <summary>ARM id of the public IP.</summary>
    public string Id { get; init; } = "";
    public string? IpAddress { get; init; }
    public string Location { get; init; } = "";
    public string Sku { get; init; } = "Standard";
    public string AllocationMethod { get; init; } = "Static";
    public string IpVersion { get; init; } = "IPv4";
    public ValueList<string> Zones { get; init; } = new();
    public ValueMap Tags { get; init; } = new();
    public string? ProvisioningState { get; init; }
    /// <summary>What the IP is attached to (a load balancer frontend, a NAT gateway...), if anything.</summary>
    public string? AttachedTo { get; init; }
    /// <summary>True when this call created the IP; false when an existing matching IP was returned.</summary>
    public bool Created { get; init; }

    public override string ToString() => IpAddress ?? Id;
}
