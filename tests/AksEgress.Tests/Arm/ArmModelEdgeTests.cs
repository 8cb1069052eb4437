using System.Text.Json;
using AksEgress.Engine.Arm;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>
/// Edges of the cluster and public IP bodies the earlier model tests leave open: ids in other casings, missing id, name and
/// location, the FQDN fallback of a private cluster, dual-stack read from ipFamilies alone, a managed NAT gateway's IP count,
/// what a public IP is attached to, and bodies that are not JSON objects.
/// </summary>
public class ArmModelEdgeTests
{
    [Fact]
    public void A_cluster_id_in_lower_case_is_shown_in_the_canonical_casing()
    {
        var m = ManagedClusterModel.Parse("""{"id":"/subscriptions/0e745469-49f8-48c9-873b-24ca87143db1/resourcegroups/rg1/providers/microsoft.containerservice/managedclusters/c1","properties":{}}""");
        Assert.Equal("/subscriptions/0e745469-49f8-48c9-873b-24ca87143db1/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/c1", m.Info.ClusterId);
        Assert.Equal("c1", m.Info.ClusterName);
    }

    [Fact]
    public void A_cluster_body_without_id_name_or_location_gives_empty_fields_not_placeholders()
    {
        var m = ManagedClusterModel.Parse("""{"properties":{"agentPoolProfiles":[{"count":2}]}}""");
        Assert.Equal("", m.Info.ClusterId);
        Assert.Equal("", m.Info.ClusterName);
        Assert.Equal("", m.Info.Location);
        Assert.Equal("", m.Info.SubscriptionId);
        Assert.Equal("", Assert.Single(m.AgentPools).Name);
    }

    [Fact]
    public void A_body_that_is_not_an_object_is_refused_with_what_was_expected()
    {
        Assert.Equal("The managed cluster body is not a JSON object.", Assert.Throws<JsonException>(() => ManagedClusterModel.Parse("[]")).Message);
        Assert.Equal("The public IP body is not a JSON object.", Assert.Throws<JsonException>(() => PublicIpModel.Parse("[]")).Message);
    }

    [Fact]
    public void A_basic_load_balancer_is_basic()
    {
        var m = ManagedClusterModel.Parse("""{"id":"x","properties":{"networkProfile":{"loadBalancerSku":"basic"}}}""");
        Assert.True(m.IsBasic);
        Assert.False(m.IsStandard);
        Assert.Equal("Basic", m.Info.LoadBalancerSku);
    }

    [Fact]
    public void The_public_fqdn_wins_and_a_private_cluster_without_one_shows_its_private_fqdn()
    {
        var both = ManagedClusterModel.Parse("""{"id":"x","properties":{"fqdn":"c1-dns.hcp.eastus.azmk8s.io","privateFQDN":"c1.privatelink.eastus.azmk8s.io"}}""");
        Assert.Equal("c1-dns.hcp.eastus.azmk8s.io", both.Info.Fqdn);
        Assert.Equal("c1.privatelink.eastus.azmk8s.io", both.Info.PrivateFqdn);
        var privateOnly = ManagedClusterModel.Parse("""{"id":"x","properties":{"privateFQDN":"c1.privatelink.eastus.azmk8s.io"}}""");
        Assert.Equal("c1.privatelink.eastus.azmk8s.io", privateOnly.Info.Fqdn);
        var publicOnly = ManagedClusterModel.Parse("""{"id":"x","properties":{"fqdn":"c1-dns.hcp.eastus.azmk8s.io"}}""");
        Assert.Equal("c1-dns.hcp.eastus.azmk8s.io", publicOnly.Info.Fqdn);
    }

    [Theory]
    [InlineData("""{"ipFamilies":["IPv4","IPv6"]}""", true)]
    [InlineData("""{"ipFamilies":["IPv6"]}""", true)]
    [InlineData("""{"ipFamilies":["IPv4"],"loadBalancerProfile":{"managedOutboundIPs":{"count":1,"countIPv6":0}}}""", false)]
    [InlineData("""{}""", false)]
    public void Dual_stack_comes_from_ip_families_or_managed_ipv6_ips(string networkProfile, bool dualStack)
    {
        var m = ManagedClusterModel.Parse("""{"id":"x","properties":{"networkProfile":""" + networkProfile + "}}");
        Assert.Equal(dualStack, m.IsDualStack);
    }

    [Fact]
    public void A_managed_nat_gateway_ip_count_is_read()
    {
        var m = ManagedClusterModel.Parse("""{"id":"x","properties":{"networkProfile":{"outboundType":"managedNATGateway","natGatewayProfile":{"managedOutboundIPProfile":{"count":3}}}}}""");
        Assert.Equal(3, m.NatGatewayManagedOutboundIpCount);
        Assert.Equal("managedNATGateway", m.Info.OutboundType);
    }

    [Fact]
    public void A_public_ip_is_attached_to_its_ip_configuration_with_its_idle_timeout()
    {
        var ip = PublicIpModel.Parse("""
            {"id":"/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Network/publicIPAddresses/ip1","properties":{"idleTimeoutInMinutes":10,
             "ipConfiguration":{"id":"/subscriptions/s1/resourceGroups/mc/providers/Microsoft.Network/loadBalancers/kubernetes/frontendIPConfigurations/f1"}}}
            """);
        Assert.Equal("/subscriptions/s1/resourceGroups/mc/providers/Microsoft.Network/loadBalancers/kubernetes/frontendIPConfigurations/f1", ip.AttachedTo);
        Assert.Equal(10, ip.IdleTimeoutInMinutes);
        Assert.Null(ip.NatGatewayId);
    }

    [Fact]
    public void A_public_ip_body_without_id_name_location_or_tag_values_gives_empty_fields()
    {
        var ip = PublicIpModel.Parse("""{"tags":{"empty":null,"n":5},"zones":[null,"3"]}""");
        Assert.Equal("", ip.Id);
        Assert.Equal("", ip.Name);
        Assert.Equal("", ip.Location);
        Assert.Equal("", ip.Tags["empty"]);
        Assert.Equal("5", ip.Tags["n"]);
        Assert.Equal(["3"], ip.Zones);
    }

    [Fact]
    public void A_public_ip_body_without_a_name_takes_it_from_its_id()
    {
        var ip = PublicIpModel.Parse("""{"id":"/subscriptions/0e745469-49f8-48c9-873b-24ca87143db1/resourceGroups/rg1/providers/Microsoft.Network/publicIPAddresses/from-id"}""");
        Assert.Equal("from-id", ip.Name);
    }

    [Fact]
    public void An_empty_public_ip_model_has_empty_fields()
    {
        var ip = new PublicIpModel();
        Assert.Equal(("", "", "", "", ""), (ip.Id, ip.Name, ip.SubscriptionId, ip.ResourceGroupName, ip.Location));
        Assert.Empty(ip.Zones);
        Assert.Empty(ip.Tags);
    }

    [Theory]
    [InlineData(null, "")]
    [InlineData("East US 2", "eastus2")]
    public void Locations_are_compared_without_spaces_or_case(string? location, string normalised) =>
        Assert.Equal(normalised, PublicIpModel.NormaliseLocation(location));
}
