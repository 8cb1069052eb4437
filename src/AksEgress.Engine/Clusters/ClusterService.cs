using AksEgress.Engine.Session;

namespace AksEgress.Engine.Clusters;

/// <summary>
/// Managed clusters: GET and list (streams pages, follows nextLink). A read the user asks for is always sent to ARM. Every
/// read is kept 30 s under its own token (<see cref="AksNodeResourceGroup.ClusterReadId"/>), so a cmdlet the object is piped
/// to reuses it instead of asking again; and 30 s per cluster for the Kubernetes access path (<see cref="ArmSession.ClusterCache"/>).
/// </summary>
internal sealed class ClusterService(SessionService sessions)
{
    internal static string ClusterKey(string sub, ClusterRef c) => $"{sub}/{c.ResourceGroupName}/{c.ClusterName}".ToLowerInvariant();

    /// <summary>Get-AksNodeResourceGroup (fresh) or the Kubernetes access path (<paramref name="fresh"/> false: the last read of the cluster within 30 s).</summary>
    public async Task<AksNodeResourceGroup> GetAsync(ClusterRef cluster, IOperationContext context, bool fresh) =>
        (await GetModelAsync(cluster, context, fresh).ConfigureAwait(false)).Model.Info;

    /// <summary>
    /// The cluster: the read named by <paramref name="readId"/> when it is this cluster's and younger than 30 s (an object
    /// handed down the pipeline); else, unless <paramref name="fresh"/>, the last read of the cluster within 30 s; else a GET.
    /// Returns the model and, when fetched now, the raw JSON.
    /// </summary>
    public async Task<(ManagedClusterModel Model, JsonObject? Raw, ArmSession Session)> GetModelAsync(ClusterRef cluster, IOperationContext context, bool fresh, string? readId = null)
    {
        var s = await sessions.GetAsync(context).ConfigureAwait(false);
        var sub = cluster.SubscriptionId ?? s.SubscriptionId;
        var key = ClusterKey(sub, cluster);
        if (!string.IsNullOrEmpty(readId) && s.ClusterReads.TryGet(readId, out var piped)
            && string.Equals(KeyOf(piped, sub), key, StringComparison.OrdinalIgnoreCase))
        {
            context.WriteVerbose($"Cluster {cluster} as read moments ago by the command that passed it on");
            return (piped, null, s);
        }
        if (!fresh && s.ClusterCache.TryGet(key, out var cached))
        {
            context.WriteVerbose($"Cluster {cluster} from cache");
            return (cached, null, s);
        }
        context.WriteVerbose($"GET cluster {cluster}");
        var r = await ArmRest.SendCheckedAsync(s, RequestMethod.Get, ArmRest.Url(s, cluster.ToId(sub), ApiVersions.ManagedClusters), null, context,
            new ErrorScope(ArmTargetKind.Cluster, cluster.ToString()) { ClusterName = cluster.ClusterName }).ConfigureAwait(false);
        var raw = r!.Json ?? throw new AksEgressException(ErrorIds.ArmRequestFailed, EgressErrorCategory.InvalidResult,
            $"ARM returned an empty body for cluster {cluster}.", cluster.ToString());
        var model = ManagedClusterModel.Parse(raw);
        Remember(s, key, model);
        return (model, raw, s);
    }

    private static string KeyOf(ManagedClusterModel m, string sub) =>
        ClusterKey(m.Info.SubscriptionId.Length > 0 ? m.Info.SubscriptionId : sub, new ClusterRef(null, m.Info.ResourceGroupName, m.Info.ClusterName));

    /// <summary>
    /// This session is changing the cluster: its last read and every read kept for objects handed down a pipeline are stale
    /// from now on (a cluster object read before Enable-AksStaticEgressGateway or Set-AksOutboundIp is read again downstream).
    /// </summary>
    public static void Forget(ArmSession s, string sub, ClusterRef cluster)
    {
        var key = ClusterKey(sub, cluster);
        s.ClusterCache.Remove(key);
        s.ClusterReads.RemoveWhere(m => string.Equals(KeyOf(m, sub), key, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Gives the read its token and keeps it (by token, and as the cluster's last read for the Kubernetes access path).</summary>
    private static void Remember(ArmSession s, string key, ManagedClusterModel model)
    {
        model.Info.ClusterReadId = Guid.NewGuid().ToString("n");
        s.ClusterReads.Set(model.Info.ClusterReadId, model);
        s.ClusterCache.Set(key, model);
    }

    public async IAsyncEnumerable<AksNodeResourceGroup> ListAsync(string? subscriptionId, string? resourceGroupName, IOperationContext context)
    {
        await foreach (var model in ListModelsAsync(subscriptionId, resourceGroupName, context).ConfigureAwait(false))
            yield return model.Info;
    }

    /// <summary>
    /// The clusters of a subscription whose load balancer profile names <paramref name="publicIpId"/> as an outbound IP (wanted in
    /// outboundIPs, which a running update already shows, or effective), read fresh. Null when the clusters cannot be listed.
    /// </summary>
    public async Task<IReadOnlyList<ManagedClusterModel>?> ClustersUsingOutboundIpAsync(string publicIpId, IOperationContext context)
    {
        var id = ResourceIdParser.Parse(publicIpId, ErrorIds.InvalidResourceId);
        var users = new List<ManagedClusterModel>();
        try
        {
            await foreach (var m in ListModelsAsync(id.SubscriptionId, null, context).ConfigureAwait(false))
                if (m.OutboundIpIds.Concat(m.EffectiveOutboundIpIds).Any(o => ResourceIdParser.TryParse(o, out var po) && ResourceIdParser.SameId(po!.Canonical, id.Canonical)))
                    users.Add(m);
        }
        catch (AksEgressException e) when (e.Category is EgressErrorCategory.PermissionDenied or EgressErrorCategory.ObjectNotFound)
        {
            context.WriteWarning($"Could not list the clusters of subscription {id.SubscriptionId} to check which use public IP {id.Name} as an outbound IP: {e.Message}");
            return null;
        }
        return users;
    }

    internal async IAsyncEnumerable<ManagedClusterModel> ListModelsAsync(string? subscriptionId, string? resourceGroupName, IOperationContext context)
    {
        var s = await sessions.GetAsync(context).ConfigureAwait(false);
        var sub = (subscriptionId ?? s.SubscriptionId).ToLowerInvariant();
        var path = resourceGroupName is null
            ? $"/subscriptions/{sub}/providers/Microsoft.ContainerService/managedClusters"
            : $"/subscriptions/{sub}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerService/managedClusters";
        var scope = resourceGroupName is null ? new ErrorScope(ArmTargetKind.Subscription, sub) : new ErrorScope(ArmTargetKind.ResourceGroup, resourceGroupName) { ResourceGroupName = resourceGroupName };
        Uri? next = ArmRest.Url(s, path, ApiVersions.ManagedClusters);
        var page = 0;
        while (next is not null)
        {
            page++;
            context.WriteVerbose(resourceGroupName is null ? $"GET clusters of subscription {sub} (page {page})" : $"GET clusters of resource group {resourceGroupName} (page {page})");
            var r = await ArmRest.SendCheckedAsync(s, RequestMethod.Get, next, null, context, scope).ConfigureAwait(false);
            var json = r!.Json;
            foreach (var item in (json?["value"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
            {
                ManagedClusterModel? model = null;
                try { model = ManagedClusterModel.Parse(item); }
                catch (Exception e) when (e is InvalidOperationException or FormatException or System.Text.Json.JsonException)
                {
                    context.WriteWarning($"Skipped a cluster that could not be read ({ManagedClusterModel.Str(item, "id")}): {e.Message}");
                }
                if (model is null) continue;
                Remember(s, KeyOf(model, sub), model);
                yield return model;
            }
            var nextLink = ManagedClusterModel.Str(json, "nextLink");
            next = string.IsNullOrWhiteSpace(nextLink) ? null : new Uri(nextLink, UriKind.Absolute);
            context.CancellationToken.ThrowIfCancellationRequested();
        }
    }
}
