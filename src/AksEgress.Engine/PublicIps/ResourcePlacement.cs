using AksEgress.Engine.Arm;
using AksEgress.Engine.Clusters;
using AksEgress.Models;
using static AksEgress.Engine.Session.SessionService;

namespace AksEgress.Engine.PublicIps;

/// <summary>What a New-* cmdlet was told about where its network resource goes.</summary>
internal readonly record struct PlacementRequest(
    string Name, ClusterRef? Cluster, AksNodeResourceGroup? ClusterInfo, string? SubscriptionId, string? NodeResourceGroup, string? ResourceGroupName);

/// <summary>
/// Where New-AksEgressIp and New-AksEgressIpPrefix put their resource: -ResourceGroupName, else the cluster's node resource group
/// (refused before any write when AKS has locked it down). The one owner of that rule for both cmdlets.
/// </summary>
internal sealed record ResourcePlacement(string SubscriptionId, string ResourceGroupName, bool InNodeResourceGroup, AksNodeResourceGroup? Cluster)
{
    /// <param name="freshCluster">Read a cluster named by id from ARM even when this session read it moments ago.</param>
    /// <param name="resourceKind">"public IP" or "public IP prefix", for the messages.</param>
    /// <param name="cmdlet">The cmdlet the advice names (New-AksEgressIp, New-AksEgressIpPrefix).</param>
    public static async Task<ResourcePlacement> ResolveAsync(ArmSession s, ClusterService clusters, PlacementRequest request, bool freshCluster,
        string resourceKind, string cmdlet, IOperationContext context)
    {
        var info = request.ClusterInfo;
        if (info is null && request.Cluster is not null)
            info = (await clusters.GetModelAsync(request.Cluster, context, fresh: freshCluster).ConfigureAwait(false)).Model.Info;
        var sub = (request.SubscriptionId ?? NullIfEmpty(info?.SubscriptionId) ?? request.Cluster?.SubscriptionId ?? s.SubscriptionId).ToLowerInvariant();
        var nodeRg = NullIfEmpty(info?.NodeResourceGroup) ?? request.NodeResourceGroup;
        var targetRg = request.ResourceGroupName ?? nodeRg
            ?? throw new AksEgressException(ErrorIds.MissingClusterContext, EgressErrorCategory.InvalidArgument,
                $"Where should the {resourceKind} go? Give -ResourceGroupName, or a cluster (-ClusterId, or pipe Get-AksNodeResourceGroup) so its node resource group is used.",
                request.Name, $"Example: {cmdlet} -Name {request.Name} -ResourceGroupName egress-rg -Location eastus");
        var inNodeRg = nodeRg is not null && string.Equals(targetRg, nodeRg, StringComparison.OrdinalIgnoreCase);
        if (inNodeRg)
        {
            context.WriteVerbose($"Target resource group {targetRg} is the node resource group of {info?.ClusterName ?? "the cluster"}");
            if (info?.NodeResourceGroupLocked == true)
                throw new AksEgressException(ErrorIds.NodeResourceGroupLocked, EgressErrorCategory.PermissionDenied,
                    ArmErrorMapper.NodeRgLockedMessage(targetRg, info.ClusterName), $"{targetRg}/{request.Name}", ArmErrorMapper.NodeRgLockedActionFor(cmdlet));
        }
        return new ResourcePlacement(sub, targetRg, inNodeRg, info);
    }
}
