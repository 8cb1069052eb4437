namespace AksEgress.Commands;

/// <summary>Finds AKS clusters and their node resource groups, load balancer SKU, outbound type and lockdown.</summary>
[Cmdlet(VerbsCommon.Get, "AksNodeResourceGroup", DefaultParameterSetName = ListSet)]
[OutputType(typeof(AksNodeResourceGroup))]
public sealed class GetAksNodeResourceGroupCommand : AksEgressCmdlet
{
    private const string ByNameSet = "ByName";
    private const string ByIdSet = "ById";
    private const string ListSet = "List";

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByNameSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(Position = 0, ParameterSetName = ListSet)]
    [ArgumentCompleter(typeof(ResourceGroupCompleter))]
    public string? ResourceGroupName { get; set; }

    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ByNameSet, ValueFromPipelineByPropertyName = true)]
    [Alias("Name")]
    [ArgumentCompleter(typeof(ClusterNameCompleter))]
    public string? ClusterName { get; set; }

    /// <summary>
    /// The cluster's resource group when the piped object also has a ResourceGroupName of its own (New-AksEgressIp output:
    /// the IP's group). Binds by property name only; it wins over -ResourceGroupName.
    /// </summary>
    [Parameter(ParameterSetName = ByNameSet, ValueFromPipelineByPropertyName = true, DontShow = true)]
    public string? ClusterResourceGroupName { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = ByIdSet, ValueFromPipeline = true)]
    [Alias("ClusterId")]
    public string[]? ResourceId { get; set; }

    [Parameter(ParameterSetName = ByNameSet, ValueFromPipelineByPropertyName = true)]
    [Parameter(ParameterSetName = ByIdSet)]
    [Parameter(ParameterSetName = ListSet)]
    [ArgumentCompleter(typeof(SubscriptionCompleter))]
    public string? SubscriptionId { get; set; }

    protected override void ProcessRecord()
    {
        switch (ParameterSetName)
        {
            case ByIdSet:
                foreach (var id in ResourceId ?? Array.Empty<string>())
                    GetOne(() => ClusterRef.FromId(id), id);
                break;
            case ByNameSet:
                var group = string.IsNullOrWhiteSpace(ClusterResourceGroupName) ? ResourceGroupName : ClusterResourceGroupName;
                GetOne(() => new ClusterRef(SubscriptionId, group!, ClusterName!), $"{group}/{ClusterName}");
                break;
            default:
                try
                {
                    RunStream(context => Engine.ListClustersAsync(SubscriptionId, ResourceGroupName, context));
                }
                catch (Exception e) when (e is not PipelineStoppedException)
                {
                    WriteFailure(e, ResourceGroupName ?? SubscriptionId);
                }
                break;
        }
    }

    private void GetOne(Func<ClusterRef> reference, object target)
    {
        try
        {
            var cluster = reference();
            WriteObject(Run(context => Engine.GetClusterAsync(cluster, context)));
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteFailure(e, target);
        }
    }
}
