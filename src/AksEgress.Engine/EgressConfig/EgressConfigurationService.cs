using AksEgress.Engine.Clusters;
using AksEgress.Engine.PublicIps;

namespace AksEgress.Engine.EgressConfig;

/// <summary>Get-AksEgressConfiguration: what decides the cluster's egress, and which addresses it uses today.</summary>
internal sealed class EgressConfigurationService(ClusterService clusters, Func<ClusterRef, AksNodeResourceGroup, IOperationContext, Task<IReadOnlyList<EgressGateway>>>? gateways = null)
{
    /// <param name="clusterReadId">The read of a cluster object handed down the pipeline (its ClusterReadId): reused when still
    /// kept (30 s); without it, or when it is gone, the cluster is read from ARM.</param>
    public async Task<EgressConfiguration> GetAsync(ClusterRef cluster, string? clusterReadId, IOperationContext context)
    {
        var (model, _, s) = await clusters.GetModelAsync(cluster, context, fresh: true, clusterReadId).ConfigureAwait(false);
        var config = await BuildAsync(s, model, context).ConfigureAwait(false);
        if (!model.StaticEgressGatewayEnabled || gateways is null) return config;
        // Only clusters with the add-on on cost the Kubernetes calls (list of StaticGatewayConfigurations in every namespace).
        IReadOnlyList<EgressGateway> list;
        try { list = await gateways(cluster, model.Info, context).ConfigureAwait(false); }
        catch (AksEgressException e)
        {
            context.WriteWarning($"Could not list the Static Egress Gateway configurations of cluster {model.Info.ClusterName}: {e.Message}");
            list = Array.Empty<EgressGateway>();
        }
        config.Gateways = new ValueList<EgressGateway>(list);
        return config;
    }

    internal static async Task<EgressConfiguration> BuildAsync(ArmSession s, ManagedClusterModel model, IOperationContext context)
    {
        var info = model.Info;
        var decidedBy = info.EgressDecidedBy;
        string? source = null;
        IReadOnlyList<string> ipIds = Array.Empty<string>();
        int? ports = null, idle = null;
        switch (decidedBy)
        {
            case EgressDecider.BasicLoadBalancerFrontend:
                context.WriteVerbose("Basic load balancer: egress = first LoadBalancer Service frontend");
                break;
            case EgressDecider.LoadBalancerOutboundRule:
                source = model.OutboundIpIds.Count > 0 ? "OutboundIPs" : model.OutboundIpPrefixIds.Count > 0 ? "OutboundIPPrefixes" : "ManagedOutboundIPs";
                ipIds = model.EffectiveOutboundIpIds;
                ports = model.AllocatedOutboundPorts;
                idle = model.IdleTimeoutInMinutes;
                context.WriteVerbose($"Standard load balancer, outboundType loadBalancer: egress = outbound rule IPs ({source})");
                break;
            case EgressDecider.NatGateway:
                ipIds = model.NatGatewayEffectiveOutboundIpIds;
                idle = model.NatGatewayIdleTimeoutInMinutes;
                context.WriteVerbose($"outboundType {info.OutboundType}: egress = NAT gateway IPs");
                break;
            case EgressDecider.UserDefinedRouting:
                context.WriteVerbose("outboundType userDefinedRouting: egress decided by your firewall/NVA");
                break;
        }
        var pinWith = EgressTexts.PinWith(decidedBy, info.LoadBalancerSku, info.OutboundType);
        var explanation = EgressTexts.Explanation(decidedBy, info.OutboundType, source, model.HasNetworkProfile);
        var refs = await PublicIpReader.ResolveAsync(s, ipIds.Where(i => !i.Contains("/publicIPPrefixes/", StringComparison.OrdinalIgnoreCase)).ToArray(), context).ConfigureAwait(false);
        var prefixIds = decidedBy == EgressDecider.LoadBalancerOutboundRule ? ipIds.Concat(model.OutboundIpPrefixIds).Distinct(StringComparer.OrdinalIgnoreCase).ToArray() : ipIds;
        var pools = await new AllowListResolver(s, context, info.SubscriptionId, refs).ResolveAsync(model, prefixIds).ConfigureAwait(false);
        var addresses = pools.SelectMany(p => p.Addresses).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var prefixes = pools.SelectMany(p => p.Prefixes).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var resolution = pools.Select(p => p.Resolution).DefaultIfEmpty(EgressResolution.Unresolvable).Max();
        var notes = pools.Where(p => p.Note is not null)
            .GroupBy(p => p.Note).Select(g => pools.Count > 1 && g.Count() < pools.Count ? $"{string.Join(", ", g.Select(p => p.Pool))}: {g.Key}" : g.Key!).ToArray();
        // Pools are listed one by one only when they egress differently.
        var differ = pools.Select(p => $"{p.DecidedBy}|{p.Resolution}|{string.Join(",", p.AllowList.Order(StringComparer.Ordinal))}").Distinct().Count() > 1;
        return new EgressConfiguration
        {
            SubscriptionId = info.SubscriptionId,
            ResourceGroupName = info.ResourceGroupName,
            ClusterName = info.ClusterName,
            ClusterId = info.ClusterId,
            NodeResourceGroup = info.NodeResourceGroup,
            LoadBalancerSku = info.LoadBalancerSku,
            OutboundType = info.OutboundType,
            NodeResourceGroupLocked = info.NodeResourceGroupLocked,
            EgressDecidedBy = decidedBy,
            OutboundIpSource = source,
            EgressIps = refs,
            EgressIpAddress = addresses,
            EgressIpPrefix = prefixes,
            // An address inside one of the prefixes (an IP carved from an outbound prefix) needs no entry of its own.
            AllowList = addresses.Where(a => Contract.Cidr.Match(prefixes, a) is null).Select(Contract.Cidr.ForAddress).Concat(prefixes)
                .Distinct(StringComparer.OrdinalIgnoreCase).ToArray(),
            Resolution = resolution,
            ResolutionNote = notes.Length == 0 ? null : string.Join(" ", notes),
            NodePool = differ
                ? pools.Select(p => new NodePoolEgress
                {
                    NodePool = p.Pool, EgressDecidedBy = p.DecidedBy, AllowList = p.AllowList.ToArray(), EgressIpAddress = p.Addresses.ToArray(),
                    EgressIpPrefix = p.Prefixes.ToArray(), Resolution = p.Resolution, ResolutionNote = p.Note,
                }).ToArray()
                : new ValueList<NodePoolEgress>(),
            PinWith = pinWith,
            Explanation = explanation,
            AllocatedOutboundPorts = ports,
            IdleTimeoutInMinutes = idle,
            NodeCount = info.NodeCount,
            StaticEgressGatewayEnabled = model.StaticEgressGatewayEnabled,
        };
    }
}
