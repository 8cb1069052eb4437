namespace AksEgress.Commands;

/// <summary>Deletes a gateway pool; refuses while a StaticGatewayConfiguration still uses it (teardown order).</summary>
[Cmdlet(VerbsCommon.Remove, "AksEgressGatewayPool", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveAksEgressGatewayPoolCommand : KubeAccessCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("PoolName")]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string ClusterId { get; set; } = "";

    [Parameter]
    [ValidateRange(30, 7200)]
    public int TimeoutSeconds { get; set; } = 1800;

    protected override void ProcessRecord() => RunQuiet(Name,
        () => new RemoveEgressGatewayPoolRequest { Cluster = ClusterRef.FromId(ClusterId), Name = Name, TimeoutSeconds = TimeoutSeconds, Kube = Kube(ClusterId) },
        (request, context) => Engine.RemoveEgressGatewayPoolAsync(request, context));
}
