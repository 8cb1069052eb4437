namespace AksEgress.Models;

/// <summary>What a pod inside the cluster saw as its public source address.</summary>
public sealed class EgressTestResult
{
    public string? ClusterName { get; init; }
    public string? ClusterId { get; init; }
    public ValueList<string> ExpectedIpAddress { get; init; } = new();
    /// <summary>The allowlist the test judged against (CIDRs); when set, success means every observed address is inside it.</summary>
    public ValueList<string> AllowList { get; init; } = new();
    /// <summary>Observed addresses outside AllowList (what the partner's firewall would refuse).</summary>
    public ValueList<string> OutsideAllowList { get; init; } = new();
    /// <summary>The node pool the samples ran on (-NodePool), or null.</summary>
    public string? NodePool { get; init; }
    /// <summary>The first (or only) observed address.</summary>
    public string? ObservedIpAddress { get; init; }
    /// <summary>Every distinct address observed over all samples and nodes.</summary>
    public ValueList<string> ObservedIpAddresses { get; init; } = new();
    public bool Succeeded { get; init; }
    /// <summary>The pod of a one-sample test; null when several pods ran (see Samples).</summary>
    public string? PodName { get; init; }
    /// <summary>The node every sample ran on; null when the samples ran on several nodes (see Samples and NodeSummary).</summary>
    public string? NodeName { get; init; }
    /// <summary>
    /// The node for display: its name when the test ran on one node, otherwise "3 nodes"; after -AllNodes skipped some,
    /// "3 nodes tested, 2 skipped".
    /// </summary>
    public string? NodeSummary
    {
        get
        {
            var nodes = Samples.Select(s => s.NodeName).Where(n => !string.IsNullOrEmpty(n)).Distinct(StringComparer.Ordinal).Count();
            if (SkippedNodes.Count > 0) return $"{nodes} node{(nodes == 1 ? "" : "s")} tested, {SkippedNodes.Count} skipped";
            return nodes > 1 ? $"{nodes} nodes" : NodeName ?? Samples.FirstOrDefault(s => !string.IsNullOrEmpty(s.NodeName))?.NodeName;
        }
    }
    public string Namespace { get; init; } = "default";
    public string CheckUri { get; init; } = "";
    /// <summary>How long the test took, in seconds (a number, so it exports as one value to CSV and JSON).</summary>
    public double DurationSeconds { get; init; }
    /// <summary>Why the observed address differs from the expected one (from the cluster's configuration), or why the test failed.</summary>
    public string? Explanation { get; init; }
    /// <summary>The raw body the check endpoint returned (trimmed, at most 2 KB).</summary>
    public string? RawResponse { get; init; }
    public ValueList<EgressSample> Samples { get; init; } = new();
    /// <summary>
    /// Which way the request left: Direct (the cluster's own egress: outbound IPs, NAT gateway, UDR) or Proxy (through the
    /// cluster's HTTP proxy, whose egress address the proxy decides). Null when -ViaProxy was used without knowing the
    /// cluster's httpProxyConfig (a kubeconfig without -ClusterId).
    /// </summary>
    public string? Path { get; init; }
    /// <summary>The cluster's HTTP proxy for CheckUri (httpProxyConfig, without credentials), used (Path Proxy) or bypassed (Path Direct); null when none applies.</summary>
    public string? Proxy { get; init; }
    /// <summary>The nodes -AllNodes did not test, each with the reason (not Ready, cordoned, not Linux, virtual node, gateway node).</summary>
    public ValueList<SkippedNode> SkippedNodes { get; init; } = new();
    /// <summary>-Gateway: the StaticGatewayConfiguration tested (null for a plain egress test).</summary>
    public string? Gateway { get; init; }
    /// <summary>-Gateway: its status.egressIpPrefix.</summary>
    public string? GatewayPrefix { get; init; }

    public override string ToString() => $"{(Succeeded ? "OK" : "FAILED")} {ObservedIpAddress}";
}

/// <summary>The values of <see cref="EgressTestResult.Path"/>.</summary>
public static class EgressPath
{
    public const string Direct = nameof(Direct);
    public const string Proxy = nameof(Proxy);
}

/// <summary>A node an -AllNodes test did not run on, and why.</summary>
public sealed class SkippedNode
{
    public string NodeName { get; init; } = "";
    public string Reason { get; init; } = "";
    public override string ToString() => $"{NodeName}: {Reason}";
}

/// <summary>One pod run of an egress test.</summary>
public sealed class EgressSample
{
    public string PodName { get; init; } = "";
    public string? NodeName { get; init; }
    public string? ObservedIpAddress { get; init; }
    public string? Error { get; init; }
    /// <summary>How long this pod run took, in seconds.</summary>
    public double DurationSeconds { get; init; }
    /// <summary>-Gateway: the configuration this pod was annotated with (null: the unannotated control pod).</summary>
    public string? Gateway { get; init; }
    /// <summary>-Gateway: whether the observed address is inside the gateway's prefix.</summary>
    public bool? InGatewayPrefix { get; init; }
    public override string ToString() => $"{NodeName} {ObservedIpAddress ?? Error}";
}
