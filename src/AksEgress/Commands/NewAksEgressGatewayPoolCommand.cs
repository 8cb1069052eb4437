namespace AksEgress.Commands;

/// <summary>Creates a gateway agent pool (mode Gateway) for the Static Egress Gateway; idempotent.</summary>
[Cmdlet(VerbsCommon.New, "AksEgressGatewayPool", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
[OutputType(typeof(EgressGatewayPool))]
public sealed class NewAksEgressGatewayPoolCommand : AksEgressCmdlet
{
    [Parameter(Mandatory = true, Position = 0)]
    public string Name { get; set; } = "";

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string ClusterId { get; set; } = "";

    /// <summary>gatewayProfile.publicIPPrefixSize (28-31): each gateway's prefix has 2^(32-size) addresses, one per node.</summary>
    [Parameter]
    public int PrefixSize { get; set; } = 31;

    [Parameter]
    public int Count { get; set; } = 2;

    [Parameter]
    public string? VmSize { get; set; }

    [Parameter]
    [ValidateRange(30, 7200)]
    public int TimeoutSeconds { get; set; } = 1800;

    protected override void ProcessRecord() => RunAndWrite(Name,
        () => new NewEgressGatewayPoolRequest
        {
            Cluster = ClusterRef.FromId(ClusterId), Name = Name, PrefixSize = PrefixSize, Count = Count, VmSize = VmSize, TimeoutSeconds = TimeoutSeconds,
        },
        (request, context) => Engine.NewEgressGatewayPoolAsync(request, context));
}
