using System.Management.Automation;
using AksEgress.Contract;
using AksEgress.Internal;
using AksEgress.Models;

namespace AksEgress.Commands;

/// <summary>
/// Makes the piped public IP(s) the egress of a Standard load balancer cluster (loadBalancerProfile.outboundIPs).
/// Collects every piped IP, then sends one update per cluster.
/// </summary>
[Cmdlet(VerbsCommon.Set, "AksOutboundIp", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
[OutputType(typeof(OutboundIpAssignment))]
public sealed class SetAksOutboundIpCommand : AksEgressCmdlet
{
    private readonly Dictionary<string, (ClusterRef Cluster, List<string> Ips)> _byCluster = new(StringComparer.OrdinalIgnoreCase);

    [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
    [Alias("Id")]
    public string[] PublicIpId { get; set; } = Array.Empty<string>();

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string ClusterId { get; set; } = "";

    [Parameter]
    public int? AllocatedOutboundPorts { get; set; }

    [Parameter]
    public int? IdleTimeoutInMinutes { get; set; }

    [Parameter]
    [ValidateRange(30, 7200)]
    public int TimeoutSeconds { get; set; } = 1800;

    protected override void ProcessRecord()
    {
        try
        {
            var cluster = ClusterRef.FromId(ClusterId);
            if (!_byCluster.TryGetValue(ClusterId, out var entry))
                _byCluster[ClusterId] = entry = (cluster, new List<string>());
            foreach (var id in PublicIpId)
                if (!entry.Ips.Contains(id, StringComparer.OrdinalIgnoreCase)) entry.Ips.Add(id);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteFailure(e, ClusterId);
        }
    }

    protected override void EndProcessing()
    {
        foreach (var (clusterId, entry) in _byCluster)
        {
            try
            {
                var request = new SetOutboundIpRequest
                {
                    Cluster = entry.Cluster,
                    PublicIpIds = entry.Ips.ToArray(),
                    AllocatedOutboundPorts = AllocatedOutboundPorts,
                    IdleTimeoutInMinutes = IdleTimeoutInMinutes,
                    TimeoutSeconds = TimeoutSeconds,
                };
                var result = Run(context => Engine.SetOutboundIpAsync(request, context));
                if (result is not null) WriteObject(result);
            }
            catch (Exception e) when (e is not PipelineStoppedException)
            {
                WriteFailure(e, clusterId);
            }
        }
    }
}
