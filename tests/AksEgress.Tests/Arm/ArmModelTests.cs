using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using AksEgress.Engine;
using AksEgress.Engine.Arm;
using AksEgress.Engine.OutboundIps;
using Xunit;

namespace AksEgress.Tests.Arm;

public class ArmModelTests
{
    // api-payloads.md §1.2 (real recorded response, trimmed further)
    private const string RealCluster = """
    {"id":"/subscriptions/0e745469-49f8-48c9-873b-24ca87143db1/resourcegroups/rgps2683/providers/Microsoft.ContainerService/managedClusters/kubeps6495",
     "location":"eastus","name":"kubeps6495","type":"Microsoft.ContainerService/ManagedClusters","kind":"Base",
     "properties":{"provisioningState":"Succeeded","powerState":{"code":"Running"},"kubernetesVersion":"1.32","currentKubernetesVersion":"1.32.7",
      "fqdn":"kubep0e74-k7c40z15.hcp.eastus.azmk8s.io",
      "agentPoolProfiles":[{"name":"default","count":3,"vmSize":"standard_a2_v2","provisioningState":"Succeeded","nodeImageVersion":"x","currentOrchestratorVersion":"1.32.7"}],
      "nodeResourceGroup":"MC_rgps2683_kubeps6495_eastus","enableRBAC":true,
      "networkProfile":{"networkPlugin":"azure","loadBalancerSku":"standard",
        "loadBalancerProfile":{"managedOutboundIPs":{"count":4},
          "effectiveOutboundIPs":[{"id":"/subscriptions/0e745469-49f8-48c9-873b-24ca87143db1/resourceGroups/MC_rgps2683_kubeps6495_eastus/providers/Microsoft.Network/publicIPAddresses/b187eaf8-dd5c-4276-b4ad-c3fbc8531e04"}],
          "allocatedOutboundPorts":24,"idleTimeoutInMinutes":40,"backendPoolType":"nodeIPConfiguration"},
        "outboundType":"loadBalancer"},
      "maxAgentPools":100,"resourceUID":"690451aff67e4b00017b9138"},
     "sku":{"name":"Base","tier":"Free"}}
    """;

    [Fact]
    public void Real_cluster_payload_quirks_are_normalised()
    {
        var m = ManagedClusterModel.Parse(RealCluster);
        Assert.Equal("/subscriptions/0e745469-49f8-48c9-873b-24ca87143db1/resourceGroups/rgps2683/providers/Microsoft.ContainerService/managedClusters/kubeps6495", m.Info.ClusterId);
        Assert.Equal("rgps2683", m.Info.ResourceGroupName);
        Assert.Equal("Standard", m.Info.LoadBalancerSku);
        Assert.Equal("loadBalancer", m.Info.OutboundType);
        Assert.Equal("Unrestricted", m.Info.NodeResourceGroupRestrictionLevel);
        Assert.Equal("/subscriptions/0e745469-49f8-48c9-873b-24ca87143db1/resourceGroups/MC_rgps2683_kubeps6495_eastus", m.Info.NodeResourceGroupId);
        Assert.Equal(3, m.Info.NodeCount);
        Assert.Equal("1.32.7", m.Info.KubernetesVersion);
        Assert.False(m.Info.AadEnabled);
        Assert.Null(m.Info.IdentityPrincipalId);
        Assert.Equal(4, m.ManagedOutboundIpCount);
        Assert.Single(m.EffectiveOutboundIpIds);
        Assert.Equal(24, m.AllocatedOutboundPorts);
    }

    [Fact]
    public void Basic_sku_missing_profiles_aad_and_lockdown_are_read()
    {
        var m = ManagedClusterModel.Parse("""
        {"id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c","name":"c","location":"westeurope",
         "identity":{"type":"SystemAssigned","principalId":"11111111-2222-3333-4444-555555555555"},
         "properties":{"nodeResourceGroup":"MC_rg_c_westeurope","aadProfile":{"managed":true},"disableLocalAccounts":true,
          "nodeResourceGroupProfile":{"restrictionLevel":"ReadOnly"},
          "agentPoolProfiles":[{"name":"a","count":2},{"name":"b","count":5}],
          "networkProfile":{"loadBalancerSku":"basic"}}}
        """);
        Assert.Equal("Basic", m.Info.LoadBalancerSku);
        Assert.Equal("loadBalancer", m.Info.OutboundType);
        Assert.True(m.Info.AadEnabled);
        Assert.True(m.Info.LocalAccountsDisabled);
        Assert.True(m.Info.NodeResourceGroupLocked);
        Assert.Equal(7, m.Info.NodeCount);
        Assert.Equal("11111111-2222-3333-4444-555555555555", m.Info.IdentityPrincipalId);

        var old = ManagedClusterModel.Parse("""{"id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/old","properties":{"nodeResourceGroup":"MC_x"}}""");
        Assert.Equal("Unknown", old.Info.LoadBalancerSku);
        Assert.Equal("old", old.Info.ClusterName);
        var noSku = ManagedClusterModel.Parse("""{"id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/n","properties":{"networkProfile":{"outboundType":"userDefinedRouting"}}}""");
        Assert.Equal("Standard", noSku.Info.LoadBalancerSku);
        Assert.Equal("userDefinedRouting", noSku.Info.OutboundType);
    }

    [Fact]
    public void Public_ip_payload_is_read_with_tags_and_attachment()
    {
        var ip = PublicIpModel.Parse("""
        {"name":"ps4050","id":"/subscriptions/947d47b4-7883-4bb9-9d85-c5e8e2f572ce/resourcegroups/ps8046/providers/Microsoft.Network/publicIPAddresses/ps4050","location":"westcentralus",
         "tags":{"type":"aks-slb-managed-outbound-ip"},"zones":["1","2"],
         "properties":{"provisioningState":"Succeeded","ipAddress":"52.159.18.255","publicIPAddressVersion":"IPv4","publicIPAllocationMethod":"Static","idleTimeoutInMinutes":4,
          "ipConfiguration":{"id":"/subscriptions/947d47b4-7883-4bb9-9d85-c5e8e2f572ce/resourceGroups/MC_x/providers/Microsoft.Network/loadBalancers/kubernetes/frontendIPConfigurations/abc"}},
         "type":"Microsoft.Network/publicIPAddresses","sku":{"name":"Standard","tier":"Regional"}}
        """);
        Assert.Equal("/subscriptions/947d47b4-7883-4bb9-9d85-c5e8e2f572ce/resourceGroups/ps8046/providers/Microsoft.Network/publicIPAddresses/ps4050", ip.Id);
        Assert.Equal("52.159.18.255", ip.IpAddress);
        Assert.True(ip.IsStandard && ip.IsStatic && ip.AksManaged);
        Assert.Equal(new[] { "1", "2" }, ip.Zones);
        Assert.Contains("/loadBalancers/kubernetes/", ip.AttachedTo);
    }

    [Theory]
    [InlineData(10, null, 1)]       // default 10%, rounded up
    [InlineData(3, null, 1)]
    [InlineData(3, "33%", 1)]
    [InlineData(10, "50%", 5)]
    [InlineData(10, "3", 3)]
    [InlineData(0, null, 0)]
    public void Surge_nodes_follow_max_surge(int count, string? maxSurge, int expected) =>
        Assert.Equal(expected, OutboundCapacity.SurgeFor(count, maxSurge));

    [Fact]
    public void Capacity_check_uses_ips_times_64000_over_ports()
    {
        // 1 IP, 16000 ports per node: 4 nodes fit, 5 do not.
        Assert.True(OutboundCapacity.Fits(1, 16000, 4));
        Assert.False(OutboundCapacity.Fits(1, 16000, 5));
        Assert.True(OutboundCapacity.Fits(1, 0, 10000));   // automatic
        Assert.Equal(12800, OutboundCapacity.MaxPortsPerNode(1, 5));
        Assert.Equal(0, OutboundCapacity.MaxPortsPerNode(1, 100000));
    }

    [Fact]
    public void Put_body_keeps_only_outbound_ips_and_drops_read_only_fields()
    {
        var raw = (JsonObject)JsonNode.Parse(RealCluster)!;
        raw["identity"] = new JsonObject { ["type"] = "SystemAssigned", ["principalId"] = "p", ["tenantId"] = "t" };
        var body = OutboundIpService.BuildOutboundIpPutBody(raw, new[] { "/subscriptions/s/resourceGroups/egress-rg/providers/Microsoft.Network/publicIPAddresses/a" }, 1024, null);
        var lbp = body["properties"]!["networkProfile"]!["loadBalancerProfile"]!.AsObject();
        Assert.False(lbp.ContainsKey("managedOutboundIPs"));
        Assert.False(lbp.ContainsKey("outboundIPPrefixes"));
        Assert.False(lbp.ContainsKey("effectiveOutboundIPs"));
        Assert.Equal("/subscriptions/s/resourceGroups/egress-rg/providers/Microsoft.Network/publicIPAddresses/a", lbp["outboundIPs"]!["publicIPs"]![0]!["id"]!.GetValue<string>());
        Assert.Equal(1024, lbp["allocatedOutboundPorts"]!.GetValue<int>());
        Assert.Equal(40, lbp["idleTimeoutInMinutes"]!.GetValue<int>());
        Assert.False(body["properties"]!.AsObject().ContainsKey("provisioningState"));
        Assert.False(body["properties"]!.AsObject().ContainsKey("powerState"));
        Assert.False(body["identity"]!.AsObject().ContainsKey("principalId"));
        Assert.Equal("MC_rgps2683_kubeps6495_eastus", body["properties"]!["nodeResourceGroup"]!.GetValue<string>());
        // the source JSON is not modified
        Assert.True(raw["properties"]!["networkProfile"]!["loadBalancerProfile"]!.AsObject().ContainsKey("managedOutboundIPs"));
    }
}
