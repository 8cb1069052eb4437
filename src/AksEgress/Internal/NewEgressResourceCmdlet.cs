using System.Collections;

namespace AksEgress.Internal;

/// <summary>
/// Base of New-AksEgressIp and New-AksEgressIpPrefix: the parameters that say what the resource is called and where it goes
/// (-ResourceGroupName, else the node resource group of the cluster piped in or named by the ByProperty set), its zones, tags
/// and timeout; and the shared half of the request built from them.
/// </summary>
public abstract class NewEgressResourceCmdlet : AksEgressCmdlet
{
    protected const string ByPropertySet = "ByProperty";
    protected const string InputObjectSet = "InputObject";

    [Parameter(Mandatory = true, Position = 0)]
    public string Name { get; set; } = "";

    /// <summary>Where the resource goes. Default: the cluster's node resource group (the original recipe).</summary>
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

    /// <summary>The error target: resource group/name when the group was given, else the name.</summary>
    internal object Target => ResourceGroupName is null ? Name : $"{ResourceGroupName}/{Name}";

    /// <summary>Fills the shared half of <paramref name="request"/> from the parameters (a piped cluster wins over the ByProperty ones).</summary>
    internal T WithPlacement<T>(T request) where T : NewEgressResourceRequest
    {
        var cluster = InputObject;
        ClusterRef? reference = cluster is not null
            ? ClusterRef.FromId(cluster.ClusterId)
            : ClusterId is not null ? ClusterRef.FromId(ClusterId) : null;
        return request with
        {
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
