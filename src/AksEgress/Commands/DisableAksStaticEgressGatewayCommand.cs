namespace AksEgress.Commands;

/// <summary>
/// Turns off a cluster's Static Egress Gateway add-on. Refuses while gateway pools or StaticGatewayConfigurations exist; -Force
/// removes them first, in teardown order (configurations, waiting for their finalizers, then pools).
/// </summary>
[Cmdlet(VerbsLifecycle.Disable, "AksStaticEgressGateway", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(StaticEgressGatewayState))]
public sealed class DisableAksStaticEgressGatewayCommand : KubeAccessCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string ClusterId { get; set; } = "";

    /// <summary>Remove every StaticGatewayConfiguration, then every gateway pool, before disabling.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    [ValidateRange(30, 7200)]
    public int TimeoutSeconds { get; set; } = 1800;

    protected override void ProcessRecord() => RunAndWrite(ClusterId,
        () => new SetStaticEgressGatewayRequest
        {
            Cluster = ClusterRef.FromId(ClusterId), Enabled = false, Force = Force.IsPresent, TimeoutSeconds = TimeoutSeconds, Kube = Kube(ClusterId),
        },
        (request, context) => Engine.SetStaticEgressGatewayAsync(request, context));
}
