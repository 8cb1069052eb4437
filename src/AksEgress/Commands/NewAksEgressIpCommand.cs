namespace AksEgress.Commands;

/// <summary>Creates (or returns the existing) static Standard public IP for a cluster's egress.</summary>
[Cmdlet(VerbsCommon.New, "AksEgressIp", SupportsShouldProcess = true, DefaultParameterSetName = ByPropertySet)]
[OutputType(typeof(EgressIp))]
public sealed class NewAksEgressIpCommand : NewEgressResourceCmdlet
{
    [Parameter]
    [ValidateSet("Standard", "Basic", IgnoreCase = true)]
    public string Sku { get; set; } = "Standard";

    [Parameter]
    [ValidateRange(4, 30)]
    public int? IdleTimeoutInMinutes { get; set; }

    protected override void ProcessRecord() => RunAndWrite(Target,
        () => WithPlacement(new NewEgressIpRequest { Name = Name, Sku = Sku, IdleTimeoutInMinutes = IdleTimeoutInMinutes }),
        (request, context) => Engine.NewEgressIpAsync(request, context));
}
