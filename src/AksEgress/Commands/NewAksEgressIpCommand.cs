using System.Collections;
using System.Management.Automation;
using AksEgress.Contract;
using AksEgress.Internal;
using AksEgress.Models;

namespace AksEgress.Commands;

/// <summary>Creates (or returns the existing) static Standard public IP for a cluster's egress.</summary>
[Cmdlet(VerbsCommon.New, "AksEgressIp", SupportsShouldProcess = true, DefaultParameterSetName = ByPropertySet)]
[OutputType(typeof(EgressIp))]
public sealed class NewAksEgressIpCommand : AksEgressCmdlet
{
    private const string ByPropertySet = "ByProperty";
    private const string InputObjectSet = "InputObject";

    [Parameter(Mandatory = true, Position = 0)]
    public string Name { get; set; } = "";

    /// <summary>Where the IP goes. Default: the cluster's node resource group (the original recipe).</summary>
    [Parameter]
    [ArgumentCompleter(typeof(ResourceGroupCompleter))]
    public string? ResourceGroupName { get; set; }

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public AksNodeResourceGroup? InputObject { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ByPropertySet)]
    [Alias("Id")]
    public string? ClusterId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ByPropertySet)]
    public string? NodeResourceGroup { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ByPropertySet)]
    public string? Location { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true, ParameterSetName = ByPropertySet)]
    [ArgumentCompleter(typeof(SubscriptionCompleter))]
    public string? SubscriptionId { get; set; }

    [Parameter]
    [ValidateSet("1", "2", "3")]
    public string[] Zone { get; set; } = Array.Empty<string>();

    [Parameter]
    public Hashtable? Tag { get; set; }

    [Parameter]
    [ValidateSet("Standard", "Basic", IgnoreCase = true)]
    public string Sku { get; set; } = "Standard";

    [Parameter]
    [ValidateRange(4, 30)]
    public int? IdleTimeoutInMinutes { get; set; }

    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSeconds { get; set; } = 300;

    protected override void ProcessRecord()
    {
        object target = ResourceGroupName is null ? Name : $"{ResourceGroupName}/{Name}";
        try
        {
            var tags = ToTags(Tag);
            var cluster = InputObject;
            ClusterRef? reference = cluster is not null
                ? ClusterRef.FromId(cluster.ClusterId)
                : ClusterId is not null ? ClusterRef.FromId(ClusterId) : null;
            var request = new NewEgressIpRequest
            {
                Name = Name,
                ResourceGroupName = ResourceGroupName,
                SubscriptionId = cluster?.SubscriptionId ?? SubscriptionId,
                Cluster = reference,
                ClusterInfo = cluster,
                NodeResourceGroup = cluster?.NodeResourceGroup ?? NodeResourceGroup,
                Location = cluster?.Location ?? Location,
                Zones = Zone,
                Tags = tags,
                Sku = Sku,
                IdleTimeoutInMinutes = IdleTimeoutInMinutes,
                TimeoutSeconds = TimeoutSeconds,
            };
            var ip = Run(context => Engine.NewEgressIpAsync(request, context));
            if (ip is not null) WriteObject(ip);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteFailure(e, target);
        }
    }

    /// <summary>The -Tag hashtable as the request's dictionary (the engine validates names and values).</summary>
    private static Dictionary<string, string> ToTags(Hashtable? table)
    {
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (table is null) return tags;
        foreach (DictionaryEntry entry in table)
        {
            tags[entry.Key?.ToString() ?? ""] = entry.Value?.ToString() ?? "";
        }
        return tags;
    }
}
