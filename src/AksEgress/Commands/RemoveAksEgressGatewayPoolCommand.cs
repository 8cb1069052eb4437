using System.Management.Automation;
using AksEgress.Contract;
using AksEgress.Internal;

namespace AksEgress.Commands;

/// <summary>Deletes a gateway pool; refuses while a StaticGatewayConfiguration still uses it (teardown order).</summary>
[Cmdlet(VerbsCommon.Remove, "AksEgressGatewayPool", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(void))]
public sealed class RemoveAksEgressGatewayPoolCommand : AksEgressCmdlet
{
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("PoolName")]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string ClusterId { get; set; } = "";

    [Parameter]
    public string? KubeConfigPath { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    public string? KubeContext { get; set; }

    [Parameter]
    [ValidateRange(30, 7200)]
    public int TimeoutSeconds { get; set; } = 1800;

    protected override void ProcessRecord()
    {
        try
        {
            var request = new RemoveEgressGatewayPoolRequest
            {
                Cluster = ClusterRef.FromId(ClusterId), Name = Name, TimeoutSeconds = TimeoutSeconds,
                Kube = KubeAccessBuilder.Build(this, KubeConfigPath, KubeContext, ClusterId, null),
            };
            Run(context => Engine.RemoveEgressGatewayPoolAsync(request, context));
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteFailure(e, Name);
        }
    }
}
