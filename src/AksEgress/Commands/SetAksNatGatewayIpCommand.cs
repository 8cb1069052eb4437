namespace AksEgress.Commands;

/// <summary>
/// Attaches the piped public IPs (New-AksEgressIp) and prefixes (New-AksEgressIpPrefix) to the user-assigned NAT gateway of the
/// cluster's subnets. Collects every piped item, then sends one update per cluster.
/// </summary>
[Cmdlet(VerbsCommon.Set, "AksNatGatewayIp", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(NatGatewayIpAssignment))]
public sealed class SetAksNatGatewayIpCommand : AksEgressCmdlet
{
    private readonly PipedResourceIds _piped = new();

    /// <summary>Public IP ids; a piped public IP prefix (its Id binds here too) is taken as a prefix.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public string[] PublicIpId { get; set; } = Array.Empty<string>();

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string[] PublicIpPrefixId { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string ClusterId { get; set; } = "";

    /// <summary>The given IPs and prefixes become the NAT gateway's whole set; without it they are added to it.</summary>
    [Parameter]
    public SwitchParameter Replace { get; set; }

    [Parameter]
    [ValidateRange(30, 3600)]
    public int TimeoutSeconds { get; set; } = 600;

    protected override void ProcessRecord() => _piped.Add(this, ClusterId, PublicIpId.Concat(PublicIpPrefixId));

    protected override void EndProcessing() =>
        _piped.SendEach(this, (cluster, ips, prefixes) => new SetNatGatewayIpRequest
        {
            Cluster = cluster, PublicIpIds = ips, PublicIpPrefixIds = prefixes, Replace = Replace.IsPresent, TimeoutSeconds = TimeoutSeconds,
        }, Engine.SetNatGatewayIpAsync);
}
