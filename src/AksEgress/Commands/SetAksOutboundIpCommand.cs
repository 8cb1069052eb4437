namespace AksEgress.Commands;

/// <summary>
/// Makes the piped public IP(s) or prefix(es), or a number of AKS-managed IPs, the egress of a Standard load balancer cluster
/// (loadBalancerProfile.outboundIPs / outboundIPPrefixes / managedOutboundIPs: exactly one), or sets the IP count and idle timeout
/// of a managedNATGateway cluster's NAT gateway (natGatewayProfile). Collects every piped item, then sends one update per cluster.
/// </summary>
[Cmdlet(VerbsCommon.Set, "AksOutboundIp", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = PublicIpSet)]
[OutputType(typeof(OutboundIpAssignment))]
public sealed class SetAksOutboundIpCommand : AksEgressCmdlet
{
    private const string PublicIpSet = "PublicIp";
    private const string PrefixSet = "PublicIpPrefix";
    private const string ManagedSet = "Managed";
    private const string ManagedNatSet = "ManagedNatGateway";

    private readonly PipedResourceIds _piped = new();

    /// <summary>Public IP ids; a piped public IP prefix (its Id binds here too) is taken as a prefix.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = PublicIpSet)]
    [Alias("Id")]
    public string[] PublicIpId { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PrefixSet)]
    public string[] PublicIpPrefixId { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ParameterSetName = ManagedSet)]
    [ValidateRange(1, 100)]
    public int ManagedOutboundIpCount { get; set; }

    [Parameter(ParameterSetName = ManagedSet)]
    [ValidateRange(0, 100)]
    public int? ManagedOutboundIpv6Count { get; set; }

    /// <summary>A managedNATGateway cluster: natGatewayProfile.managedOutboundIPProfile.count (1-16; checked by the request validator).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ManagedNatSet)]
    public int ManagedNatGatewayIpCount { get; set; }

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string ClusterId { get; set; } = "";

    [Parameter]
    public int? AllocatedOutboundPorts { get; set; }

    [Parameter]
    public int? IdleTimeoutInMinutes { get; set; }

    [Parameter]
    [ValidateRange(30, 7200)]
    public int TimeoutSeconds { get; set; } = 1800;

    // Prefixes (piped New-AksEgressIpPrefix output binds its Id to -PublicIpId) go to outboundIPPrefixes.
    protected override void ProcessRecord() => _piped.Add(this, ClusterId, PublicIpId.Concat(PublicIpPrefixId));

    protected override void EndProcessing() =>
        _piped.SendEach(this, (cluster, ips, prefixes) => new SetOutboundIpRequest
        {
            Cluster = cluster,
            PublicIpIds = ips,
            PublicIpPrefixIds = prefixes,
            ManagedOutboundIpCount = ParameterSetName == ManagedSet ? ManagedOutboundIpCount : null,
            ManagedOutboundIpv6Count = ParameterSetName == ManagedSet ? ManagedOutboundIpv6Count : null,
            ManagedNatGatewayIpCount = ParameterSetName == ManagedNatSet ? ManagedNatGatewayIpCount : null,
            AllocatedOutboundPorts = AllocatedOutboundPorts,
            IdleTimeoutInMinutes = IdleTimeoutInMinutes,
            TimeoutSeconds = TimeoutSeconds,
        }, Engine.SetOutboundIpAsync);
}
