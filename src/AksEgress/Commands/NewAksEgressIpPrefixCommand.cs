using System.Collections;
using System.Management.Automation;
using AksEgress.Contract;
using AksEgress.Internal;
using AksEgress.Models;

namespace AksEgress.Commands;

/// <summary>Creates (or returns the existing) Standard IPv4 public IP prefix for a cluster's egress.</summary>
[Cmdlet(VerbsCommon.New, "AksEgressIpPrefix", SupportsShouldProcess = true, DefaultParameterSetName = ByPropertySet)]
[OutputType(typeof(EgressIpPrefix))]
public sealed class NewAksEgressIpPrefixCommand : AksEgressCmdlet
{
    private const string ByPropertySet = "ByProperty";
    private const string InputObjectSet = "InputObject";

    [Parameter(Mandatory = true, Position = 0)]
    public string Name { get; set; } = "";

    /// <summary>28 (16 addresses) to 31 (2 addresses).</summary>
    [Parameter]
    [ValidateRange(RequestValidation.MinPrefixLength, RequestValidation.MaxPrefixLength)]
    public int PrefixLength { get; set; } = 28;

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
    [ValidateRange(1, 3600)]
    public int TimeoutSeconds { get; set; } = 300;

    protected override void ProcessRecord()
    {
        object target = ResourceGroupName is null ? Name : $"{ResourceGroupName}/{Name}";
        try
        {
            var cluster = InputObject;
            ClusterRef? reference = cluster is not null
                ? ClusterRef.FromId(cluster.ClusterId)
                : ClusterId is not null ? ClusterRef.FromId(ClusterId) : null;
            var request = new NewEgressIpPrefixRequest
            {
                Name = Name,
                PrefixLength = PrefixLength,
                ResourceGroupName = ResourceGroupName,
                SubscriptionId = cluster?.SubscriptionId ?? SubscriptionId,
                Cluster = reference,
                ClusterInfo = cluster,
                NodeResourceGroup = cluster?.NodeResourceGroup ?? NodeResourceGroup,
                Location = cluster?.Location ?? Location,
                Zones = Zone,
                Tags = ToTags(Tag),
                TimeoutSeconds = TimeoutSeconds,
            };
            var prefix = Run(context => Engine.NewEgressIpPrefixAsync(request, context));
            if (prefix is not null) WriteObject(prefix);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteFailure(e, target);
        }
    }

    private static Dictionary<string, string> ToTags(Hashtable? table)
    {
        var tags = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (table is null) return tags;
        foreach (DictionaryEntry entry in table) tags[entry.Key?.ToString() ?? ""] = entry.Value?.ToString() ?? "";
        return tags;
    }
}
