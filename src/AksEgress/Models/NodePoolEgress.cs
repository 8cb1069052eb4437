namespace AksEgress.Models;

/// <summary>The egress of one node pool, listed when the cluster's pools egress differently (node public IPs, their own subnet).</summary>
public sealed class NodePoolEgress
{
    public string NodePool { get; init; } = "";
    /// <summary>What decides this pool's egress (<see cref="EgressClassifier.ClassifyPool"/>).</summary>
    public EgressDecider EgressDecidedBy { get; init; }
    /// <summary>CIDRs a partner must allow for this pool: /32 (/128) per address, the prefix for prefixes.</summary>
    public ValueList<string> AllowList { get; init; } = new();
    public ValueList<string> EgressIpAddress { get; init; } = new();
    public ValueList<string> EgressIpPrefix { get; init; } = new();
    public EgressResolution Resolution { get; init; }
    public string? ResolutionNote { get; init; }
    public override string ToString() => $"{NodePool}: {Resolution} {AllowList}";
}
