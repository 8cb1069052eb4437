namespace AksEgress.Commands;

/// <summary>
/// Deletes a StaticGatewayConfiguration and waits until the controller has drained it (its finalizer gone, its prefix released);
/// refuses while pods are still annotated with it unless -Force.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "AksEgressGateway", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveAksEgressGatewayCommand : PipedKubeAccessCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Gateway", "GatewayName")]
    public string Name { get; set; } = "";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string Namespace { get; set; } = "default";

    /// <summary>Delete even while pods are still annotated with the configuration.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    [ValidateRange(5, 3600)]
    public int TimeoutSeconds { get; set; } = 600;

    protected override void ProcessRecord() => RunQuiet($"{Namespace}/{Name}",
        () => new RemoveEgressGatewayRequest
        {
            Name = Name, Namespace = Namespace, TimeoutSeconds = TimeoutSeconds,
            Kube = Kube(),
        },
        (request, context) => Engine.RemoveEgressGatewayAsync(request, Force.IsPresent, context));
}
