using System.Text.Json.Nodes;
using AksEgress.Engine.StaticEgressGateway;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.StaticEgressGateway;

public class GatewayBodyTests
{
    [Fact]
    public void Pool_body_is_a_gateway_pool_with_the_prefix_size()
    {
        var body = GatewayPoolService.BuildPoolPutBody(4, 30, null);
        Assert.Equal("Gateway", body["properties"]!["mode"]!.GetValue<string>());
        Assert.Equal(4, body["properties"]!["count"]!.GetValue<int>());
        Assert.Equal(30, body["properties"]!["gatewayProfile"]!["publicIPPrefixSize"]!.GetValue<int>());
        Assert.Null(body["properties"]!["vmSize"]);
        Assert.Equal("Standard_D4s_v5", GatewayPoolService.BuildPoolPutBody(2, 31, "Standard_D4s_v5")["properties"]!["vmSize"]!.GetValue<string>());
    }

    [Fact]
    public void Flag_body_sets_the_profile_and_sends_no_read_only_property()
    {
        var cluster = JsonNode.Parse("""{"id":"x","name":"aks","eTag":"e","location":"eastus","properties":{"provisioningState":"Succeeded","fqdn":"f","networkProfile":{"outboundType":"loadBalancer","loadBalancerProfile":{"effectiveOutboundIPs":[{"id":"i"}]}}}}""")!.AsObject();
        var body = GatewayPoolService.BuildFlagPutBody(cluster, true);
        Assert.True(body["properties"]!["networkProfile"]!["staticEgressGatewayProfile"]!["enabled"]!.GetValue<bool>());
        Assert.Null(body["eTag"]);
        Assert.Null(body["properties"]!["provisioningState"]);
        Assert.Null(body["properties"]!["networkProfile"]!["loadBalancerProfile"]!["effectiveOutboundIPs"]);
        Assert.Equal("loadBalancer", body["properties"]!["networkProfile"]!["outboundType"]!.GetValue<string>());
        Assert.False(GatewayPoolService.BuildFlagPutBody(cluster, false)["properties"]!["networkProfile"]!["staticEgressGatewayProfile"]!["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public void Configuration_body_and_same_spec()
    {
        var req = new NewEgressGatewayRequest { Name = "app-gw", Namespace = "apps", PoolName = "gwpool", ExcludeCidr = new[] { "10.0.0.0/8" } };
        var sgc = GatewayService.BuildConfiguration(req);
        Assert.Equal("egressgateway.kubernetes.azure.com/v1alpha1", sgc["apiVersion"]!.GetValue<string>());
        Assert.Equal("StaticGatewayConfiguration", sgc["kind"]!.GetValue<string>());
        Assert.Equal("gwpool", sgc["spec"]!["gatewayNodepoolName"]!.GetValue<string>());
        Assert.Equal("10.0.0.0/8", sgc["spec"]!["excludeCidrs"]![0]!.GetValue<string>());
        Assert.True(GatewayService.SameSpec(sgc, req));
        Assert.False(GatewayService.SameSpec(sgc, req with { PoolName = "other" }));
        Assert.False(GatewayService.SameSpec(sgc, req with { ExcludeCidr = Array.Empty<string>() }));
        Assert.False(GatewayService.SameSpec(sgc, req with { DefaultRoute = "azureNetworking" }));
    }
}
