namespace AksEgress.Commands;

/// <summary>Creates or updates the LoadBalancer Service that owns the egress IP (the original recipe) and waits for it.</summary>
[Cmdlet(VerbsCommon.Set, "AksEgressService", SupportsShouldProcess = true, DefaultParameterSetName = ByPropertySet)]
[OutputType(typeof(EgressService))]
public sealed class SetAksEgressServiceCommand : KubeAccessCmdlet
{
    private const string ByPropertySet = "ByProperty";
    private const string InputObjectSet = "InputObject";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public EgressIp? InputObject { get; set; }

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = ByPropertySet)]
    public string? IpAddress { get; set; }

    /// <summary>ARM id of the public IP (its resource group decides the azure-load-balancer-resource-group annotation).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ByPropertySet)]
    [Alias("Id")]
    public string? PublicIpId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ByPropertySet)]
    public string? ClusterId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ByPropertySet)]
    public string? NodeResourceGroup { get; set; }

    /// <summary>The Service's name (-ServiceName is the older name, kept as an alias).</summary>
    [Parameter]
    [Alias("ServiceName")]
    public string Name { get; set; } = "aks-egress";

    [Parameter]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string Namespace { get; set; } = "default";

    [Parameter]
    public int Port { get; set; } = 8080;

    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSeconds { get; set; } = 300;

    /// <summary>Take over an existing Service of that name that AksEgress did not create.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>When the load balancer fails (or the wait is stopped), delete the Service this call created.</summary>
    [Parameter]
    public SwitchParameter Cleanup { get; set; }

    protected override void ProcessRecord()
    {
        var ip = InputObject?.IpAddress ?? IpAddress;
        RunAndWrite(ip,
            () => new SetEgressServiceRequest
            {
                IpAddress = ip?.Trim() ?? "",
                PublicIpId = InputObject?.Id ?? PublicIpId,
                ServiceName = Name,
                Namespace = Namespace,
                Port = Port,
                NodeResourceGroup = InputObject?.NodeResourceGroup ?? NodeResourceGroup,
                Kube = Kube(InputObject?.ClusterId ?? ClusterId),
                TimeoutSeconds = TimeoutSeconds,
                Force = Force.IsPresent,
                Cleanup = Cleanup.IsPresent,
            },
            (request, context) => Engine.SetEgressServiceAsync(request, context));
    }
}
