namespace AksEgress.Models;

/// <summary>A gateway agent pool (mode Gateway): the nodes that give a StaticGatewayConfiguration's pods their egress prefix.</summary>
public sealed class EgressGatewayPool : ClusterBoundObject
{
    /// <summary>The agent pool's name (what New-AksEgressGateway -PoolName takes).</summary>
    public string PoolName { get; init; } = "";
    public int Count { get; init; }
    public string? VmSize { get; init; }
    /// <summary>gatewayProfile.publicIPPrefixSize: every StaticGatewayConfiguration on the pool gets a public IP prefix of this size.</summary>
    public int PrefixSize { get; init; }
    /// <summary>The most nodes the prefix allows (2^(32-PrefixSize)).</summary>
    public int MaxCount => PrefixSize is >= 1 and <= 32 ? 1 << (32 - PrefixSize) : 0;
    public string? ProvisioningState { get; init; }
    /// <summary>Created or Unchanged.</summary>
    public string Action { get; init; } = "Unchanged";

    public override string ToString() => $"{ClusterName}/{PoolName} /{PrefixSize} x{Count}";
}
