using AksEgress.Engine.Arm;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>
/// The fields of cluster and public IP bodies that reach the user (Get-AksNodeResourceGroup, Get-AksEgressConfiguration,
/// the outbound-capacity check), each read from the shape ARM really sends, including the fallbacks.
/// </summary>
public class ArmModelFieldTests
{
    private const string Id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c";

    private static ManagedClusterModel Cluster(string json) => ManagedClusterModel.Parse(json.Replace("$ID", Id, StringComparison.Ordinal));

    [Fact]
    public void Outbound_ips_prefixes_nat_gateway_dual_stack_and_gateway_are_read_from_the_network_profile()
    {
        var m = Cluster("""
        {"id":"$ID","name":"c","properties":{"networkProfile":{"loadBalancerSku":"standard","outboundType":"loadBalancer","ipFamilies":["IPv4","ipv6"],
          "staticEgressGatewayProfile":{"enabled":true},
          "loadBalancerProfile":{"managedOutboundIPs":{"count":"2","countIPv6":1},
            "outboundIPs":{"publicIPs":[{"id":"/s/ip1"},{"id":""},{"name":"no id"},{"id":"/s/ip2"}]},
            "outboundIPPrefixes":{"publicIPPrefixes":[{"id":"/s/prefix1"}]},
            "allocatedOutboundPorts":1024.0,"idleTimeoutInMinutes":30},
          "natGatewayProfile":{"effectiveOutboundIPs":[{"id":"/s/nat-ip"}],"idleTimeoutInMinutes":4}}}}
        """);
        Assert.Equal(new[] { "/s/ip1", "/s/ip2" }, m.OutboundIpIds);   // entries without an id are not outbound IPs
        Assert.Equal(new[] { "/s/prefix1" }, m.OutboundIpPrefixIds);
        Assert.Equal(new[] { "/s/nat-ip" }, m.NatGatewayEffectiveOutboundIpIds);
        Assert.Equal(4, m.NatGatewayIdleTimeoutInMinutes);
        Assert.Equal(30, m.IdleTimeoutInMinutes);
        Assert.Equal(1024, m.AllocatedOutboundPorts);                 // a JSON number written as 1024.0
        Assert.Equal(2, m.ManagedOutboundIpCount);                     // a number sent as a string
        Assert.Equal(1, m.ManagedOutboundIpv6Count);
        Assert.True(m.IsDualStack);
        Assert.True(m.StaticEgressGatewayEnabled);
        Assert.True(m.HasNetworkProfile);
        Assert.True(m.IsStandard);
        Assert.False(m.IsBasic);
    }

    [Fact]
    public void Single_stack_without_gateway_profile_is_neither_dual_stack_nor_gateway()
    {
        var m = Cluster("""
        {"id":"$ID","properties":{"networkProfile":{"ipFamilies":["IPv4"],"staticEgressGatewayProfile":{"enabled":"yes"},"loadBalancerProfile":{"managedOutboundIPs":{"count":1}}}}}
        """);
        Assert.False(m.IsDualStack);
        Assert.False(m.StaticEgressGatewayEnabled);   // only a JSON true switches it on
        Assert.Null(m.ManagedOutboundIpv6Count);
        Assert.Empty(m.OutboundIpIds);
        Assert.Null(m.NatGatewayIdleTimeoutInMinutes);
        var v6Only = Cluster("""{"id":"$ID","properties":{"networkProfile":{"loadBalancerProfile":{"managedOutboundIPs":{"countIPv6":2}}}}}""");
        Assert.True(v6Only.IsDualStack);   // managed IPv6 outbound IPs mean dual-stack even without ipFamilies
    }

    [Fact]
    public void Agent_pools_give_node_counts_autoscaler_maximum_surge_and_subnets()
    {
        var m = Cluster("""
        {"id":"$ID","properties":{"agentPoolProfiles":[
          {"name":"sys","count":3,"enableAutoScaling":true,"maxCount":10,"upgradeSettings":{"maxSurge":"33%"},"vnetSubnetID":"/s/subnet","podSubnetID":"/s/pods","enableNodePublicIP":true,"nodePublicIPPrefixID":"/s/npp"},
          {"name":"user","count":"2","enableAutoScaling":"false","maxCount":50},
          "not a pool"]}}
        """);
        Assert.Equal(2, m.AgentPools.Count);
        var sys = m.AgentPools[0];
        Assert.Equal(("sys", 3, "33%", 10), (sys.Name, sys.Count, sys.MaxSurge, sys.MaxCount));
        Assert.Equal(("/s/subnet", "/s/pods", true, "/s/npp"), (sys.VnetSubnetId, sys.PodSubnetId, sys.EnableNodePublicIp, sys.NodePublicIpPrefixId));
        var user = m.AgentPools[1];
        Assert.Null(user.MaxCount);                  // maxCount only counts when the autoscaler is on ("false" as a string is off)
        Assert.False(user.EnableNodePublicIp);
        Assert.Equal(5, m.Info.NodeCount);
        Assert.Equal(10 + 2, OutboundCapacity.MaxNodes(m.AgentPools));
        Assert.Equal(4 + 1, OutboundCapacity.SurgeNodes(m.AgentPools));   // 33% of 10 rounded up, 10% of 2 rounded up
    }

    [Fact]
    public void Proxy_settings_come_without_credentials_and_enabled_false_switches_them_off()
    {
        var on = Cluster("""
        {"id":"$ID","properties":{"httpProxyConfig":{"httpProxy":"http://user:secret@proxy.corp:3128/","httpsProxy":"proxy.corp:3129","noProxy":["localhost","",null,".svc"]}}}
        """);
        Assert.Equal("http://proxy.corp:3128", on.Info.HttpProxy);
        Assert.Equal("http://proxy.corp:3129", on.Info.HttpsProxy);
        Assert.Equal(new[] { "localhost", ".svc" }, on.Info.NoProxy.ToArray());

        var off = Cluster("""{"id":"$ID","properties":{"httpProxyConfig":{"enabled":false,"httpProxy":"http://proxy.corp:3128","noProxy":["x"]}}}""");
        Assert.Null(off.Info.HttpProxy);
        Assert.Empty(off.Info.NoProxy);
        var empty = Cluster("""{"id":"$ID","properties":{"httpProxyConfig":{"enabled":true,"httpProxy":""}}}""");
        Assert.Null(empty.Info.HttpProxy);
    }

    [Fact]
    public void Private_cluster_versions_state_and_id_fallbacks()
    {
        var m = Cluster("""
        {"id":"$ID","location":"westeurope","properties":{"kubernetesVersion":"1.31","privateFQDN":"c-priv.privatelink.westeurope.azmk8s.io","provisioningState":"Updating",
          "nodeResourceGroupProfile":{"restrictionLevel":"readonly"}}}
        """);
        Assert.Equal("1.31", m.Info.KubernetesVersion);             // no currentKubernetesVersion: the requested one
        Assert.Equal("c-priv.privatelink.westeurope.azmk8s.io", m.Info.Fqdn);
        Assert.Equal("c-priv.privatelink.westeurope.azmk8s.io", m.Info.PrivateFqdn);
        Assert.Equal("Updating", m.Info.ProvisioningState);
        Assert.Equal("ReadOnly", m.Info.NodeResourceGroupRestrictionLevel);
        Assert.Equal("c", m.Info.ClusterName);                      // no name field: the last segment of the id
        Assert.Equal("westeurope", m.Info.Location);
        Assert.Equal("", m.Info.NodeResourceGroupId);               // no node resource group: no id made up
        Assert.False(m.HasNetworkProfile);
        Assert.Equal("Unknown", m.Info.OutboundType);

        var noId = ManagedClusterModel.Parse("""{"name":"x","properties":{"nodeResourceGroup":"MC_x"}}""");
        Assert.Equal(("x", "", ""), (noId.Info.ClusterName, noId.Info.SubscriptionId, noId.Info.NodeResourceGroupId));
    }

    [Theory]
    [InlineData("standard", "Standard")]
    [InlineData("BASIC", "Basic")]
    [InlineData(null, "Standard")]
    [InlineData("", "Standard")]
    [InlineData("standardV2", "Standardv2")]   // an unknown SKU is shown title-cased, not dropped
    public void Load_balancer_sku_is_normalised(string? raw, string shown) =>
        Assert.Equal(shown, ManagedClusterModel.NormaliseSku(raw));

    [Fact]
    public void Public_ip_sku_tier_nat_gateway_tags_and_zones()
    {
        var ip = PublicIpModel.Parse("""
        {"id":"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/gip","location":"East US 2",
         "sku":{"name":"StandardV2","tier":"Global"},"tags":{"owner":"net","count":3,"flag":null},"zones":["1",2,""],
         "properties":{"publicIPAllocationMethod":"dynamic","publicIPAddressVersion":"IPv6","natGateway":{"id":"/s/nat"}}}
        """);
        Assert.Equal(("gip", "11111111-1111-1111-1111-111111111111", "rg"), (ip.Name, ip.SubscriptionId, ip.ResourceGroupName));
        Assert.True(ip.IsStandard);                  // StandardV2 is of the Standard family
        Assert.True(ip.IsGlobalTier);
        Assert.False(ip.IsStatic);
        Assert.Equal("IPv6", ip.IpVersion);
        Assert.Equal("/s/nat", ip.AttachedTo);        // attached to a NAT gateway when there is no ipConfiguration
        Assert.False(ip.AksManaged);
        Assert.Equal("net", ip.Tags["OWNER"]);        // tag names are case-insensitive
        Assert.Equal("3", ip.Tags["count"]);
        Assert.Equal("", ip.Tags["flag"]);
        Assert.Equal(new[] { "1", "2" }, ip.Zones);
        Assert.Equal("eastus2", PublicIpModel.NormaliseLocation(ip.Location));

        var basic = PublicIpModel.Parse("""{"id":"/subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/b","sku":{"name":"Basic"},"tags":{"type":"other"}}""");
        Assert.False(basic.IsStandard);
        Assert.False(basic.IsGlobalTier);
        Assert.False(basic.AksManaged);
        Assert.Null(basic.AttachedTo);
        Assert.False(PublicIpModel.Parse("""{"id":"x"}""").IsStandard);   // no sku at all
    }

    [Theory]
    [InlineData(10, "junk", 1)]     // unreadable maxSurge: the default 10%
    [InlineData(10, "-2", 0)]       // never negative
    [InlineData(10, " 2 ", 2)]
    [InlineData(7, "0%", 0)]
    [InlineData(7, "100%", 7)]
    public void Surge_values_that_are_not_plain(int count, string maxSurge, int expected) =>
        Assert.Equal(expected, OutboundCapacity.SurgeFor(count, maxSurge));

    [Fact]
    public void Ports_per_node_are_a_multiple_of_8_within_64000()
    {
        Assert.Equal(64000, OutboundCapacity.MaxPortsPerNode(2, 0));     // no nodes: the maximum
        Assert.Equal(64000, OutboundCapacity.MaxPortsPerNode(4, 2));     // 128000 per node capped at 64000
        Assert.Equal(21328, OutboundCapacity.MaxPortsPerNode(1, 3));     // 21333 rounded down to a multiple of 8
        Assert.True(OutboundCapacity.Fits(1, 21328, 3));
        Assert.False(OutboundCapacity.Fits(1, 21336, 3));
        Assert.True(OutboundCapacity.Fits(0, 0, 3));                       // 0 ports: AKS allocates them itself
        Assert.Equal(12, new AgentPoolModel("p", 12, null, 5).MaxNodes);   // maxCount below count: the count
    }
}
