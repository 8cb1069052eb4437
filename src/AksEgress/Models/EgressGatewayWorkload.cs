namespace AksEgress.Models;

/// <summary>A workload (Deployment, StatefulSet, DaemonSet) opted in to, or out of, a StaticGatewayConfiguration, and its rollout.</summary>
public sealed class EgressGatewayWorkload : KubeBoundObject
{
    public string Namespace { get; init; } = "default";
    /// <summary>Deployment, StatefulSet or DaemonSet.</summary>
    public string Kind { get; init; } = "";
    public string Name { get; init; } = "";
    /// <summary>The StaticGatewayConfiguration its pod template names now (null once taken off).</summary>
    public string? GatewayName { get; init; }
    /// <summary>That gateway's egress prefix (status.egressIpPrefix), when it names one.</summary>
    public string? Prefix { get; init; }
    /// <summary>Annotated, Removed or Unchanged.</summary>
    public string Action { get; init; } = "Unchanged";
    /// <summary>True when every pod runs the current template (the rollout was waited for, or nothing changed and it was done).</summary>
    public bool RolledOut { get; init; }
    /// <summary>The pods the workload wants (replicas; for a DaemonSet the nodes it runs on).</summary>
    public int DesiredPods { get; init; }
    /// <summary>Pods of the current template.</summary>
    public int UpdatedPods { get; init; }
    public int ReadyPods { get; init; }
    /// <summary>Pods without a controller in the namespace that carry this gateway's annotation or match the workload's selector: they are not changed, recreate them.</summary>
    public ValueList<string> BarePods { get; init; } = new();

    public override string ToString() => $"{Namespace}/{Name} ({Kind}) -> {GatewayName ?? "(no gateway)"}";
}
