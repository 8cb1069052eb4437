namespace AksEgress.Commands;

/// <summary>Tells what really decides a cluster's egress, which addresses it uses, and which cmdlet pins it.</summary>
[Cmdlet(VerbsCommon.Get, "AksEgressConfiguration", DefaultParameterSetName = ByIdSet)]
[OutputType(typeof(EgressConfiguration))]
public sealed class GetAksEgressConfigurationCommand : AksEgressCmdlet
{
    private const string ByIdSet = "ById";
    private const string ByNameSet = "ByName";
    private const string InputObjectSet = "InputObject";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public AksNodeResourceGroup? InputObject { get; set; }

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ByIdSet)]
    public string? ClusterId { get; set; }

    [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByNameSet)]
    [ArgumentCompleter(typeof(ResourceGroupCompleter))]
    public string? ResourceGroupName { get; set; }

    [Parameter(Mandatory = true, Position = 1, ParameterSetName = ByNameSet)]
    [ArgumentCompleter(typeof(ClusterNameCompleter))]
    public string? ClusterName { get; set; }

    [Parameter(ParameterSetName = ByNameSet)]
    [ArgumentCompleter(typeof(SubscriptionCompleter))]
    public string? SubscriptionId { get; set; }

    /// <summary>
    /// The read a piped cluster object came from (its hidden ClusterReadId). Binds by property name only: the cmdlet then
    /// reuses that read (for 30 s) instead of asking ARM again; on its own it reads the cluster fresh.
    /// </summary>
    [Parameter(ParameterSetName = ByIdSet, ValueFromPipelineByPropertyName = true, DontShow = true)]
    public string? ClusterReadId { get; set; }

    protected override void ProcessRecord()
    {
        object? target = InputObject?.ClusterId ?? ClusterId ?? $"{ResourceGroupName}/{ClusterName}";
        try
        {
            ClusterRef reference;
            if (InputObject is not null) reference = ClusterRef.FromId(InputObject.ClusterId);
            else if (ClusterId is not null) reference = ClusterRef.FromId(ClusterId);
            else reference = new ClusterRef(SubscriptionId, ResourceGroupName!, ClusterName!);
            var readId = InputObject is not null ? InputObject.ClusterReadId : ClusterReadId;
            WriteObject(Run(context => Engine.GetEgressConfigurationAsync(reference, readId, context)));
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteFailure(e, target);
        }
    }
}
