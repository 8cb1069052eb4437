using AksEgress.Engine.Arm;
using AksEgress.Engine.Clusters;
using AksEgress.Engine.PublicIps;
using AksEgress.Models;

namespace AksEgress.Engine.EgressConfig;

/// <summary>Get-AksEgressConfiguration: what decides the cluster's egress, and which addresses it uses today.</summary>
internal sealed class EgressConfigurationService(ClusterService clusters, Func<ClusterRef, AksNodeResourceGroup, IOperationContext, Task<IReadOnlyList<EgressGateway>>>? gateways = null)
{
    public async Task<EgressConfiguration> GetAsync(ClusterRef cluster, AksNodeResourceGroup? clusterInfo, IOperationContext context)
    {
        var (model, _, s) = await clusters.GetModelAsync(cluster, context, fresh: false).ConfigureAwait(false);
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
        var pinWith = EgressTexts.PinWith(decidedBy);
        var explanation = EgressTexts.Explanation(decidedBy, info.OutboundType, source, model.HasNetworkProfile);
        var refs = await PublicIpReader.ResolveAsync(s, ipIds, context).ConfigureAwait(false);
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
            EgressIpAddress = refs.Where(r => r.IpAddress is not null).Select(r => r.IpAddress!).ToArray(),
            PinWith = pinWith,
            Explanation = explanation,
            AllocatedOutboundPorts = ports,
            IdleTimeoutInMinutes = idle,
            NodeCount = info.NodeCount,
            StaticEgressGatewayEnabled = model.StaticEgressGatewayEnabled,
        };
    }
}
