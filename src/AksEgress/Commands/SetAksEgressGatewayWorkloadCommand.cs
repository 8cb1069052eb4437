namespace AksEgress.Commands;

/// <summary>
/// Opts a Deployment, StatefulSet or DaemonSet in to a StaticGatewayConfiguration (the pod-template annotation
/// kubernetes.azure.com/static-gateway-configuration), or with -Remove out of it, and waits for the rollout. Idempotent.
/// </summary>
[Cmdlet(VerbsCommon.Set, "AksEgressGatewayWorkload", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = GatewaySet)]
[OutputType(typeof(EgressGatewayWorkload))]
public sealed class SetAksEgressGatewayWorkloadCommand : PipedKubeAccessCmdlet
{
    private const string GatewaySet = "Gateway";
    private const string RemoveSet = "Remove";

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [ValidateSet("Deployment", "StatefulSet", "DaemonSet")]
    public string Kind { get; set; } = "";

    [Parameter(Mandatory = true, Position = 1, ValueFromPipelineByPropertyName = true)]
    public string Name { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string Namespace { get; set; } = "default";

    /// <summary>The StaticGatewayConfiguration (in the workload's namespace) its pods should leave through.</summary>
    [Parameter(Mandatory = true, ParameterSetName = GatewaySet, ValueFromPipelineByPropertyName = true)]
    [Alias("GatewayName")]
    public string Gateway { get; set; } = "";

    /// <summary>The gateway's namespace, when it is not the workload's: refused before any request (the CNI looks in the pod's namespace only).</summary>
    [Parameter(ParameterSetName = GatewaySet)]
    public string? GatewayNamespace { get; set; }

    /// <summary>Take the workload off its gateway (remove the annotation).</summary>
    [Parameter(Mandatory = true, ParameterSetName = RemoveSet)]
    public SwitchParameter Remove { get; set; }

    /// <summary>Return after the change without waiting for the rollout.</summary>
    [Parameter]
    public SwitchParameter NoWait { get; set; }

    [Parameter]
    [ValidateRange(5, 3600)]
    public int TimeoutSeconds { get; set; } = 600;

    protected override void ProcessRecord() => RunAndWrite($"{Namespace}/{Name}",
        () => new SetEgressGatewayWorkloadRequest
        {
            Kind = Kind, Name = Name, Namespace = Namespace, Remove = Remove.IsPresent,
            Gateway = Remove.IsPresent ? null : Gateway, GatewayNamespace = GatewayNamespace,
            NoWait = NoWait.IsPresent, TimeoutSeconds = TimeoutSeconds,
            Kube = Kube(),
        },
        (request, context) => Engine.SetEgressGatewayWorkloadAsync(request, context));
}
