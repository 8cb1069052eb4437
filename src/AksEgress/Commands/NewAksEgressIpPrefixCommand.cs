namespace AksEgress.Commands;

/// <summary>Creates (or returns the existing) Standard IPv4 public IP prefix for a cluster's egress.</summary>
[Cmdlet(VerbsCommon.New, "AksEgressIpPrefix", SupportsShouldProcess = true, DefaultParameterSetName = ByPropertySet)]
[OutputType(typeof(EgressIpPrefix))]
public sealed class NewAksEgressIpPrefixCommand : NewEgressResourceCmdlet
{
    /// <summary>28 (16 addresses) to 31 (2 addresses).</summary>
    [Parameter]
    [ValidateRange(RequestValidation.MinPrefixLength, RequestValidation.MaxPrefixLength)]
    public int PrefixLength { get; set; } = 28;

    protected override void ProcessRecord() => RunAndWrite(Target,
        () => WithPlacement(new NewEgressIpPrefixRequest { Name = Name, PrefixLength = PrefixLength }),
        (request, context) => Engine.NewEgressIpPrefixAsync(request, context));
}
