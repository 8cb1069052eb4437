using System.Threading.Channels;

namespace AksEgress.Emulator;

internal sealed class WatchSubscription
{
    public required string Kind { get; init; }            // Service | Pod | Event | Namespace | Node
    public string? Namespace { get; init; }
    public required Func<JsonObject, bool> Filter { get; init; }
    public Channel<(string Type, JsonObject Obj)> Channel { get; } = System.Threading.Channels.Channel.CreateUnbounded<(string, JsonObject)>();
}

internal sealed record HistoryEntry(long Rv, string Kind, string? Namespace, string Type, JsonObject Obj);

internal sealed class PodRuntime
{
    public Dictionary<string, string> Logs { get; } = new();   // container -> log
    public Dictionary<string, string> Waiting { get; } = new(); // container -> waiting reason
    public bool Deleting { get; set; }
}

internal sealed class K8sState
{
    public required string ClusterName { get; init; }
    public Dictionary<string, JsonObject> Namespaces { get; } = new();
    public Dictionary<string, JsonObject> Nodes { get; } = new();
    public Dictionary<string, JsonObject> Services { get; } = new();   // ns/name
    public Dictionary<string, JsonObject> Pods { get; } = new();
    public Dictionary<string, JsonObject> Events { get; } = new();
    /// <summary>StaticGatewayConfigurations (egressgateway.kubernetes.azure.com/v1alpha1), ns/name; served only while the add-on is enabled.</summary>
    public Dictionary<string, JsonObject> Gateways { get; } = new();
    /// <summary>apps/v1 workloads (ns/name), reconciled by K8sSimulation's workload controller.</summary>
    public Dictionary<string, JsonObject> Deployments { get; } = new();
    public Dictionary<string, JsonObject> StatefulSets { get; } = new();
    public Dictionary<string, JsonObject> DaemonSets { get; } = new();
    public Dictionary<string, PodRuntime> PodRuntimes { get; } = new();
    public List<string> DeletedPods { get; } = new();
    public List<HistoryEntry> History { get; } = new();
    public long HistoryTruncatedBefore { get; set; }
    public List<WatchSubscription> Watchers { get; } = new();
    public int NextNode { get; set; }
    public int NextClusterIp { get; set; } = 10;
    public int NextNodePort { get; set; } = 30000 + 1234;
    public int NextPodIp { get; set; } = 10;
    public List<string> NodeNames { get; } = new();
    /// <summary>Validating admission webhooks that deny creates (EmulatorWorld.AddAdmissionDenial).</summary>
    public List<AdmissionRule> AdmissionRules { get; } = new();

    public Dictionary<string, JsonObject> Store(string kind) => kind switch
    {
        "Service" => Services, "Pod" => Pods, "Event" => Events, "Namespace" => Namespaces, "Node" => Nodes,
        "StaticGatewayConfiguration" => Gateways,
        "Deployment" => Deployments, "StatefulSet" => StatefulSets, "DaemonSet" => DaemonSets,
        _ => throw new ArgumentException(kind),
    };
}

/// <summary>
/// A validating admission webhook that denies every create of <see cref="Kind"/> (in <see cref="Namespace"/>, or everywhere when
/// null), as Gatekeeper / Azure Policy for Kubernetes / Deployment Safeguards do. <see cref="Message"/> is the webhook's own text;
/// "{name}", "{namespace}", "{image}" and "{container}" are filled in from the object.
/// </summary>
internal sealed record AdmissionRule(string Webhook, string Message, string? Namespace, string Kind, int Code);
