namespace AksEgress.Models;

/// <summary>A Standard public IP prefix meant to be a cluster's egress range, with the cluster context it was made for.</summary>
public sealed class EgressIpPrefix : ClusterContextObject
{
    public string Name { get; init; } = "";
    /// <summary>The prefix's resource group (not the cluster's: see ClusterResourceGroupName).</summary>
    public string ResourceGroupName { get; init; } = "";
    /// <summary>ARM id of the public IP prefix (binds to Set-AksOutboundIp).</summary>
    public string Id { get; init; } = "";
    /// <summary>The allocated range as a CIDR, e.g. 203.0.113.16/28 (null until Azure has allocated it).</summary>
    public string? Prefix { get; init; }
    public int PrefixLength { get; init; }
    public string IpVersion { get; init; } = "IPv4";
    public string Location { get; init; } = "";
    public string Sku { get; init; } = "Standard";
    public ValueList<string> Zones { get; init; } = new();
    public ValueMap Tags { get; init; } = new();
    public string? ProvisioningState { get; init; }
    /// <summary>What the prefix serves (a NAT gateway or a load balancer frontend), if anything.</summary>
    public string? AttachedTo { get; init; }
    /// <summary>What a partner must allow: the prefix CIDR (binds to Test-AksEgressIp -AllowList).</summary>
    public ValueList<string> AllowList { get; init; } = new();
    /// <summary>True when this call created the prefix; false when an existing matching prefix was returned.</summary>
    public bool Created { get; init; }

    public override string ToString() => Prefix ?? Id;
}
