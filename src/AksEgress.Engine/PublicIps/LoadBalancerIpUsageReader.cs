using AksEgress.Engine.Clusters;
using AksEgress.Engine.Session;
using k8s;

namespace AksEgress.Engine.PublicIps;

/// <summary>Who holds a public IP that is a load balancer frontend (see <see cref="LoadBalancerIpUsageReader"/>).</summary>
internal sealed record LoadBalancerIpHolders(
    string? Frontend,
    string LoadBalancer,
    string? LoadBalancerResourceGroup,
    IReadOnlyList<ManagedClusterModel> OutboundOf,
    ManagedClusterModel? Owner,
    IReadOnlyList<LoadBalancerServiceUser>? Services,
    IReadOnlyList<string> Unknown)
{
    /// <summary>"frontend 'x' of load balancer 'kubernetes' of cluster 'rg/name'".</summary>
    public string Where => $"frontend '{Frontend}' of load balancer '{LoadBalancer}'" +
        (Owner is not null ? $" of cluster '{Owner.Info.ResourceGroupName}/{Owner.Info.ClusterName}'" : LoadBalancerResourceGroup is not null ? $" in resource group '{LoadBalancerResourceGroup}'" : "");

    /// <summary>"; unknown: ..." naming the parts that could not be read, or "".</summary>
    public string UnknownText => Unknown.Count > 0 ? $"; unknown: {string.Join("; ", Unknown)}" : "";

    /// <summary>The live (not being deleted) Services that hold the IP.</summary>
    public IReadOnlyList<LoadBalancerServiceUser> LiveServices => Services?.Where(u => !u.Deleting).ToList() ?? new List<LoadBalancerServiceUser>();
}

/// <summary>
/// Best effort: the clusters whose outboundIPs name a public IP (ARM), and, for a frontend of a cluster's kubernetes load
/// balancer, the LoadBalancer Services of that cluster (found by the load balancer's resource group = the cluster's node
/// resource group) that use it, read with the cluster's credentials from Azure. A part that cannot be read is named in
/// <see cref="LoadBalancerIpHolders.Unknown"/> with the reason; this never throws for it.
/// </summary>
internal sealed class LoadBalancerIpUsageReader(SessionService sessions, ClusterService clusters)
{
    public async Task<LoadBalancerIpHolders> ReadAsync(PublicIpModel ip, IOperationContext context)
    {
        var ct = context.CancellationToken;
        var cfg = ip.IpConfigurationId ?? "";
        var lbName = LoadBalancerName(cfg);
        var frontend = LoadBalancerIpUsers.FrontendName(cfg);
        var lbRg = ArmErrorMapper.ResourceGroupIdOf(cfg)?.Split('/').Last();
        var unknown = new List<string>();
        List<ManagedClusterModel>? all = new();
        try
        {
            await foreach (var m in clusters.ListModelsAsync(ResourceIdParser.ParsePublicIpId(ip.Id).SubscriptionId, null, context).ConfigureAwait(false)) all.Add(m);
        }
        catch (AksEgressException e)
        {
            all = null;
            unknown.Add($"the clusters could not be listed ({FirstLine(e.Message)})");
        }
        var outbound = all?.Where(m => m.OutboundIpIds.Concat(m.EffectiveOutboundIpIds).Any(o => ResourceIdParser.TryParse(o, out var po) && ResourceIdParser.SameId(po!.Canonical, ip.Id))).ToList()
                       ?? new List<ManagedClusterModel>();
        var owner = lbRg is null ? null : all?.FirstOrDefault(m => m.Info.NodeResourceGroup.Equals(lbRg, StringComparison.OrdinalIgnoreCase));
        IReadOnlyList<LoadBalancerServiceUser>? services = null;
        if (owner is not null && outbound.Count == 0)
        {
            try
            {
                var kube = await sessions.KubeClients.GetSessionAsync(new KubeAccess { Cluster = ClusterRef.FromId(owner.Info.ClusterId), ClusterInfo = owner.Info }, context).ConfigureAwait(false);
                var list = await kube.Client.CoreV1.ListServiceForAllNamespacesAsync(cancellationToken: ct).ConfigureAwait(false);
                services = LoadBalancerIpUsers.Match(list.Items, ip.IpAddress, ip.Name, frontend);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                unknown.Add($"the LoadBalancer Services of cluster '{owner.Info.ResourceGroupName}/{owner.Info.ClusterName}' could not be listed ({FirstLine(e.Message)})");
            }
        }
        else if (owner is null && all is not null && outbound.Count == 0)
            unknown.Add($"no cluster has node resource group '{lbRg}', so the Services using load balancer '{lbName}' are unknown");
        return new LoadBalancerIpHolders(frontend, lbName, lbRg, outbound, owner, services, unknown);
    }

    internal static string LoadBalancerName(string ipConfigurationId)
    {
        var parts = ipConfigurationId.Split('/');
        var i = Array.FindIndex(parts, x => x.Equals("loadBalancers", StringComparison.OrdinalIgnoreCase));
        return i >= 0 && i + 1 < parts.Length ? parts[i + 1] : ipConfigurationId;
    }

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
