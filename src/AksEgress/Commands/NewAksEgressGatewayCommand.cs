namespace AksEgress.Commands;

/// <summary>
/// Creates a StaticGatewayConfiguration on a gateway pool and waits until the controller has provisioned its egress prefix;
/// writes the prefix and the allow-list of its addresses. Idempotent.
/// </summary>
[Cmdlet(VerbsCommon.New, "AksEgressGateway", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(EgressGateway))]
public sealed class NewAksEgressGatewayCommand : KubeAccessCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string PoolName { get; set; } = "";

    [Parameter]
    [ArgumentCompleter(typeof(NamespaceCompleter))]
    public string Namespace { get; set; } = "default";

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ClusterId { get; set; }

    [Parameter]
    [ValidateSet("staticEgressGateway", "azureNetworking")]
    public string DefaultRoute { get; set; } = "staticEgressGateway";

    /// <summary>CIDRs that do not use the gateway (staticEgressGateway route) or only use it (azureNetworking route).</summary>
    [Parameter]
    public string[] ExcludeCidr { get; set; } = Array.Empty<string>();

    /// <summary>Your own public IP prefix (same subscription as the cluster, a /PrefixSize of the pool). Binds by property name from Id (New-AksEgressIpPrefix output).</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public string? PublicIpPrefixId { get; set; }

    [Parameter]
    [ValidateRange(5, 3600)]
    public int TimeoutSeconds { get; set; } = 600;

    protected override void ProcessRecord() => RunAndWrite($"{Namespace}/{Name}",
        () => new NewEgressGatewayRequest
        {
            Name = Name, Namespace = Namespace, PoolName = PoolName, DefaultRoute = DefaultRoute,
            ExcludeCidr = ExcludeCidr.Where(c => !string.IsNullOrWhiteSpace(c)).Select(c => c.Trim()).Distinct().ToArray(),
            PublicIpPrefixId = string.IsNullOrWhiteSpace(PublicIpPrefixId) ? null : PublicIpPrefixId.Trim(),
            Kube = Kube(ClusterId), TimeoutSeconds = TimeoutSeconds,
        },
        (request, context) => Engine.NewEgressGatewayAsync(request, context));
}
