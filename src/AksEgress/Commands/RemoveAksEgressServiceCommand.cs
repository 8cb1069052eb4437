namespace AksEgress.Commands;

/// <summary>
/// Deletes the LoadBalancer Service that owns an egress IP (clean-up of the recipe). Refuses (ServiceNotOwned) a
/// Service that AksEgress did not create, unless -Force. ConfirmImpact High.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "AksEgressService", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = ByPropertySet)]
[OutputType(typeof(EgressService))]
public sealed class RemoveAksEgressServiceCommand : AksEgressCmdlet
{
    private const string ByPropertySet = "ByProperty";
    private const string InputObjectSet = "InputObject";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public EgressService? InputObject { get; set; }

    /// <summary>The Service's name (-ServiceName, and a piped object's ServiceName property, bind through the alias).</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ByPropertySet)]
    [Alias("ServiceName")]
    public string Name { get; set; } = "aks-egress";

    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ByPropertySet)]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string Namespace { get; set; } = "default";

    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ByPropertySet)]
    public string? ClusterId { get; set; }

    /// <summary>Overrides the piped object's kubeconfig, too.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? KubeConfigPath { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    public string? KubeContext { get; set; }

    /// <summary>Delete a Service of that name even when AksEgress did not create it.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Write the removed Service (the piped object, or one built from the parameters) to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        if (InputObject is not null)
        {
            var s = InputObject;
            RemoveOne(s.ServiceName, s.Namespace, s.ClusterId, KubeConfigPath ?? s.KubeConfigPath, KubeContext ?? s.KubeContext, s);
        }
        else
        {
            RemoveOne(Name, Namespace, ClusterId, KubeConfigPath, KubeContext, null);
        }
    }

    private void RemoveOne(string name, string ns, string? clusterId, string? kubeConfigPath, string? kubeContext, EgressService? item)
    {
        var target = $"{ns}/{name}";
        try
        {
            var request = new RemoveEgressServiceRequest
            {
                ServiceName = name,
                Namespace = ns,
                Kube = KubeAccessBuilder.Build(this, kubeConfigPath, kubeContext, clusterId, null),
                Force = Force.IsPresent,
            };
            var removed = Run(context => Engine.RemoveEgressServiceAsync(request, context));
            if (removed && PassThru)
                WriteObject(item ?? new EgressService
                {
                    ServiceName = name,
                    Namespace = ns,
                    ClusterId = clusterId,
                    KubeConfigPath = kubeConfigPath,
                    KubeContext = kubeContext,
                    Action = "Removed",
                });
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteFailure(e, target);
        }
    }
}
