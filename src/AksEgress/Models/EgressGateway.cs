namespace AksEgress.Models;

/// <summary>A StaticGatewayConfiguration and the egress prefix its annotated pods leave from.</summary>
public sealed class EgressGateway : KubeBoundObject
{
    public string Namespace { get; init; } = "default";
    /// <summary>The configuration's name: the value of the pod annotation kubernetes.azure.com/static-gateway-configuration.</summary>
    public string GatewayName { get; init; } = "";
    public string PoolName { get; init; } = "";
    /// <summary>status.egressIpPrefix: a CIDR in public mode (a comma-separated list of private IPs in private mode).</summary>
    public string? Prefix { get; init; }
    /// <summary>Every address the gateway's pods can leave from: what a partner's firewall must allow.</summary>
    public ValueList<string> AllowList { get; init; } = new();
    public string DefaultRoute { get; init; } = "staticEgressGateway";
    public ValueList<string> ExcludeCidr { get; init; } = new();
    public bool ProvisionPublicIps { get; init; } = true;
    /// <summary>spec.publicIpPrefixId: your own prefix (never deleted by the controller), or null when the controller provisions one.</summary>
    public string? PublicIpPrefixId { get; init; }
    /// <summary>The pod annotation that opts a workload in (in this namespace only).</summary>
    public string Annotation => $"kubernetes.azure.com/static-gateway-configuration={GatewayName}";
    /// <summary>Created or Unchanged.</summary>
    public string Action { get; init; } = "Unchanged";

    public override string ToString() => $"{Namespace}/{GatewayName} {Prefix}";
}
