namespace AksEgress.Models;

/// <summary>What a pod inside the cluster saw as its public source address.</summary>
public sealed class EgressTestResult
{
    public string? ClusterName { get; init; }
    public string? ClusterId { get; init; }
    public ValueList<string> ExpectedIpAddress { get; init; } = new();
    /// <summary>The first (or only) observed address.</summary>
    public string? ObservedIpAddress { get; init; }
    /// <summary>Every distinct address observed over all samples and nodes.</summary>
    public ValueList<string> ObservedIpAddresses { get; init; } = new();
    public bool Succeeded { get; init; }
    /// <summary>The pod of a one-sample test; null when several pods ran (see Samples).</summary>
    public string? PodName { get; init; }
    /// <summary>The node every sample ran on; null when the samples ran on several nodes (see Samples and NodeSummary).</summary>
    public string? NodeName { get; init; }
    /// <summary>The node for display: its name when the test ran on one node, otherwise "3 nodes".</summary>
    public string? NodeSummary
    {
        get
        {
            var nodes = Samples.Select(s => s.NodeName).Where(n => !string.IsNullOrEmpty(n)).Distinct(StringComparer.Ordinal).Count();
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
    /// <summary>-Gateway: the StaticGatewayConfiguration tested (null for a plain egress test).</summary>
    public string? Gateway { get; init; }
    /// <summary>-Gateway: its status.egressIpPrefix.</summary>
    public string? GatewayPrefix { get; init; }

    public override string ToString() => $"{(Succeeded ? "OK" : "FAILED")} {ObservedIpAddress}";
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
