using k8s.Models;

namespace AksEgress.Engine.EgressTest;

/// <summary>
/// Which nodes -AllNodes runs a test pod on. Pure. A node is tested when it is a Ready, schedulable Linux node of the
/// cluster's own: not Windows (kubernetes.io/os), not a virtual node (type=virtual-kubelet: its pods run in Azure Container
/// Instances and egress from there), not a static egress gateway node (kubernetes.azure.com/mode=gateway: it runs only the
/// gateway), not cordoned (spec.unschedulable) and with Ready=True. Every other node is skipped with the reason.
/// </summary>
internal static class TestNodeSelection
{
    public const string OsLabel = "kubernetes.io/os";
    public const string TypeLabel = "type";
    public const string VirtualKubelet = "virtual-kubelet";
    public const string ModeLabel = "kubernetes.azure.com/mode";
    public const string GatewayMode = "gateway";

    public sealed record Result(IReadOnlyList<string> Tested, IReadOnlyList<SkippedNode> Skipped);

    public static Result Select(IEnumerable<V1Node> nodes)
    {
        var tested = new List<string>();
        var skipped = new List<SkippedNode>();
        foreach (var n in nodes.Where(n => !string.IsNullOrEmpty(n.Metadata?.Name)).OrderBy(n => n.Metadata.Name, StringComparer.Ordinal))
        {
            var reason = WhySkipped(n);
            if (reason is null) tested.Add(n.Metadata.Name);
            else skipped.Add(new SkippedNode { NodeName = n.Metadata.Name, Reason = reason });
        }
        return new Result(tested, skipped);
    }

    /// <summary>Null when the node can run the test; otherwise why not (first reason that applies).</summary>
    public static string? WhySkipped(V1Node node)
    {
        var labels = node.Metadata?.Labels ?? new Dictionary<string, string>();
        string? Label(string key) => labels.TryGetValue(key, out var v) ? v : null;
        if (string.Equals(Label(TypeLabel), VirtualKubelet, StringComparison.OrdinalIgnoreCase))
            return "virtual node (type=virtual-kubelet): its pods run in Azure Container Instances, which egress from their own addresses";
        var os = Label(OsLabel) ?? node.Status?.NodeInfo?.OperatingSystem;
        if (!string.Equals(os, "linux", StringComparison.OrdinalIgnoreCase))
            return $"not a Linux node ({OsLabel}={os ?? "(none)"}): the test image runs on Linux only";
        if (string.Equals(Label(ModeLabel), GatewayMode, StringComparison.OrdinalIgnoreCase))
            return $"static egress gateway node ({ModeLabel}=gateway): it runs only the gateway, and pods egress through it only when they opt in";
        if (node.Spec?.Unschedulable == true)
            return "cordoned (spec.unschedulable): kubectl uncordon it to include it";
        var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        if (ready is null) return "not Ready (no Ready condition reported)";
        if (!string.Equals(ready.Status, "True", StringComparison.Ordinal))
            return $"not Ready (Ready={ready.Status}{(string.IsNullOrEmpty(ready.Reason) ? "" : ", " + ready.Reason)})";
        return null;
    }
}
