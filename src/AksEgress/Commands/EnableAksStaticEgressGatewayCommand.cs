namespace AksEgress.Commands;

/// <summary>Turns on a cluster's Static Egress Gateway add-on (networkProfile.staticEgressGatewayProfile.enabled).</summary>
[Cmdlet(VerbsLifecycle.Enable, "AksStaticEgressGateway", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(StaticEgressGatewayState))]
public sealed class EnableAksStaticEgressGatewayCommand : AksEgressCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    public string ClusterId { get; set; } = "";

    [Parameter]
    [ValidateRange(30, 7200)]
    public int TimeoutSeconds { get; set; } = 1800;

    protected override void ProcessRecord() => RunAndWrite(ClusterId,
        () => new SetStaticEgressGatewayRequest { Cluster = ClusterRef.FromId(ClusterId), Enabled = true, TimeoutSeconds = TimeoutSeconds },
        (request, context) => Engine.SetStaticEgressGatewayAsync(request, context));
}
