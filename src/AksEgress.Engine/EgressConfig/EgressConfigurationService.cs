using AksEgress.Engine.Arm;
using AksEgress.Engine.Clusters;
using AksEgress.Engine.PublicIps;
using AksEgress.Models;

namespace AksEgress.Engine.EgressConfig;

/// <summary>Get-AksEgressConfiguration: what decides the cluster's egress, and which addresses it uses today.</summary>
internal sealed class EgressConfigurationService(ClusterService clusters)
{
    public async Task<EgressConfiguration> GetAsync(ClusterRef cluster, AksNodeResourceGroup? clusterInfo, IOperationContext context)
    {
        var (model, _, s) = await clusters.GetModelAsync(cluster, context, fresh: false).ConfigureAwait(false);
        return await BuildAsync(s, model, context).ConfigureAwait(false);
    }

    internal static async Task<EgressConfiguration> BuildAsync(ArmSession s, ManagedClusterModel model, IOperationContext context)
    {
        var info = model.Info;
        var outbound = info.OutboundType.ToLowerInvariant();
        string decidedBy, explanation;
        string? source = null, pinWith = null;
        IReadOnlyList<string> ipIds = Array.Empty<string>();
        int? ports = null, idle = null;
        if (model.IsBasic)
        {
            decidedBy = "BasicLoadBalancerFrontend";
            pinWith = "Set-AksEgressService";
            explanation = "This cluster uses a Basic load balancer: outbound traffic leaves through the first public IP configured on the load balancer, " +
                          "i.e. the IP of the first LoadBalancer Service. ARM alone cannot tell which address that is (before any LoadBalancer Service exists, " +
                          "nodes use an unpredictable Azure address). Pin it with Set-AksEgressService. Note: Basic load balancers were retired on 30 September 2025; migrate to Standard.";
            context.WriteVerbose("Basic load balancer: egress = first LoadBalancer Service frontend");
        }
        else switch (outbound)
        {
            case "loadbalancer":
                decidedBy = "LoadBalancerOutboundRule";
                pinWith = "Set-AksOutboundIp";
                source = model.OutboundIpIds.Count > 0 ? "OutboundIPs" : model.OutboundIpPrefixIds.Count > 0 ? "OutboundIPPrefixes" : "ManagedOutboundIPs";
                ipIds = model.EffectiveOutboundIpIds;
                ports = model.AllocatedOutboundPorts;
                idle = model.IdleTimeoutInMinutes;
                explanation = source switch
                {
                    "OutboundIPs" => "Egress uses the outbound rule of the cluster's Standard load balancer with public IPs you supplied (outboundIPs): these addresses are stable. Change them with Set-AksOutboundIp.",
                    "OutboundIPPrefixes" => "Egress uses the outbound rule of the cluster's Standard load balancer with public IP prefixes you supplied: egress addresses come from those prefixes. Set-AksOutboundIp replaces them with specific public IPs.",
                    _ => "Egress uses the outbound rule of the cluster's Standard load balancer with public IPs AKS created and manages (managedOutboundIPs). They can change if the managed count changes; pin a static IP you own with New-AksEgressIp | Set-AksOutboundIp. A LoadBalancer Service's IP does not change egress here.",
                };
                context.WriteVerbose($"Standard load balancer, outboundType loadBalancer: egress = outbound rule IPs ({source})");
                break;
            case "managednatgateway" or "userassignednatgateway" or "managednatgatewayv2":
                decidedBy = "NatGateway";
                ipIds = model.NatGatewayEffectiveOutboundIpIds;
                idle = model.NatGatewayIdleTimeoutInMinutes;
                explanation = outbound == "userassignednatgateway"
                    ? "Egress goes through the NAT gateway you associated with the cluster subnet: its public IPs or prefixes decide the egress address. Change the NAT gateway's public IPs (Azure networking), not the cluster."
                    : "Egress goes through the AKS-managed NAT gateway: its public IPs (natGatewayProfile) decide the egress address. Change the NAT gateway's public IPs (az aks update --nat-gateway-managed-outbound-ip-count), not a LoadBalancer Service.";
                context.WriteVerbose($"outboundType {info.OutboundType}: egress = NAT gateway IPs");
                break;
            case "userdefinedrouting":
                decidedBy = "UserDefinedRouting";
                explanation = "Egress follows your route table (0.0.0.0/0 to a firewall or NVA): the public IP of your firewall/NVA decides egress, and AKS cannot change it. Pin or read it on the firewall.";
                context.WriteVerbose("outboundType userDefinedRouting: egress decided by your firewall/NVA");
                break;
            case "none":
                decidedBy = "None";
                explanation = "outboundType none: AKS sets up no internet egress; there is no egress IP unless you build your own path.";
                break;
            case "block":
                decidedBy = "Block";
                explanation = "outboundType block: internet egress is blocked by AKS; there is no egress IP.";
                break;
            default:
                decidedBy = "None";
                explanation = model.HasNetworkProfile ? $"Unknown outbound type '{info.OutboundType}': AksEgress cannot tell what decides egress." : "The cluster has no network profile: AksEgress cannot tell what decides egress.";
                break;
        }
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
        };
    }
}
