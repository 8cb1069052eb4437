using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.ResourceManager;
using Azure.ResourceManager.Resources;
using Azure.ResourceManager.Resources.Models;
using Xunit;
using static AksEgress.Emulator.Tests.TestUtil;

namespace AksEgress.Emulator.Tests;

public class ArmSdkTests
{
    internal static ArmClient Client(AksEmulator emu, TokenCredential? cred = null)
    {
        var ca = X509Certificate2.CreateFromPem(emu.CaCertificatePem);
        var opts = new ArmClientOptions
        {
            Environment = new ArmEnvironment(emu.ArmEndpoint, "https://management.azure.com/"),
            Transport = new HttpClientTransport(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, e) => ValidateAgainst(ca, c, e) }),
        };
        opts.Retry.MaxRetries = 0;
        opts.SetApiVersion(new ResourceType("Microsoft.ContainerService/managedClusters"), "2025-10-01");
        opts.SetApiVersion(new ResourceType("Microsoft.Network/publicIPAddresses"), "2025-07-01");
        return new ArmClient(cred ?? new StaticTokenCredential(emu.AccessToken), emu.SubscriptionId, opts);
    }

    [Fact]
    public async Task ArmClient_reads_cluster_and_creates_public_ip_through_lro()
    {
        await using var emu = await AksEmulator.StartAsync(Fast(lroPolls: 0));
        var arm = Client(emu);
        var id = new ResourceIdentifier($"/subscriptions/{emu.SubscriptionId}/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/standard-lb");
        GenericResource r = (await arm.GetGenericResource(id).GetAsync()).Value;
        using (var props = JsonDocument.Parse(r.Data.Properties))
        {
            Assert.Equal("MC_demo-rg_standard-lb_eastus", props.RootElement.GetProperty("nodeResourceGroup").GetString());
            Assert.Equal("loadBalancer", props.RootElement.GetProperty("networkProfile").GetProperty("outboundType").GetString());
        }
        var pipId = new ResourceIdentifier($"/subscriptions/{emu.SubscriptionId}/resourceGroups/egress-rg/providers/Microsoft.Network/publicIPAddresses/sdk-ip");
        var data = new GenericResourceData(new AzureLocation("eastus"))
        {
            Properties = BinaryData.FromObjectAsJson(new { publicIPAllocationMethod = "Static" }),
            Sku = new ResourcesSku { Name = "Standard" },
        };
        var op = await arm.GetGenericResources().CreateOrUpdateAsync(WaitUntil.Completed, pipId, data);
        using var created = JsonDocument.Parse(op.Value.Data.Properties);
        var address = created.RootElement.GetProperty("ipAddress").GetString();
        Assert.Equal(emu.World.GetPublicIpAddress("egress-rg", "sdk-ip"), address);
        Assert.Equal("Succeeded", created.RootElement.GetProperty("provisioningState").GetString());
        Assert.Contains(emu.Requests.Entries, e => e.Method == "GET" && e.PathAndQuery.Contains("/providers/Microsoft.Network/locations/eastus/operations/"));
        Assert.All(emu.Requests.Entries, e => Assert.DoesNotContain("Authorization", e.PathAndQuery));
    }

    [Fact]
    public async Task ArmClient_updates_cluster_outbound_ips_through_the_aks_lro()
    {
        await using var emu = await AksEmulator.StartAsync(Fast(lroPolls: 1));
        var ip = emu.World.AddPublicIp("egress-rg", "sdk-pinned");
        var arm = Client(emu);
        var id = new ResourceIdentifier($"/subscriptions/{emu.SubscriptionId}/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/aad");
        var current = (await arm.GetGenericResource(id).GetAsync()).Value.Data;
        var props = System.Text.Json.Nodes.JsonNode.Parse(current.Properties.ToString())!;
        var lbp = props["networkProfile"]!["loadBalancerProfile"]!.AsObject();
        lbp.Remove("managedOutboundIPs");
        lbp["outboundIPs"] = System.Text.Json.Nodes.JsonNode.Parse($"{{\"publicIPs\":[{{\"id\":\"{emu.World.GetPublicIpId("egress-rg", "sdk-pinned")}\"}}]}}");
        var data = new GenericResourceData(current.Location) { Properties = BinaryData.FromString(props.ToJsonString()), Identity = current.Identity, Sku = current.Sku };
        var op = await arm.GetGenericResources().CreateOrUpdateAsync(WaitUntil.Completed, id, data);
        using var after = JsonDocument.Parse(op.Value.Data.Properties);
        Assert.Equal("Succeeded", after.RootElement.GetProperty("provisioningState").GetString());
        var eff = after.RootElement.GetProperty("networkProfile").GetProperty("loadBalancerProfile").GetProperty("effectiveOutboundIPs");
        Assert.Equal(emu.World.GetPublicIpId("egress-rg", "sdk-pinned"), eff[0].GetProperty("id").GetString());
        Assert.Equal(new[] { ip }, emu.World.GetExpectedEgressAddresses("aad"));
        Assert.Contains(emu.Requests.Entries, e => e.PathAndQuery.Contains("/providers/Microsoft.ContainerService/locations/eastus/operations/"));
    }

    [Fact]
    public async Task ArmClient_sees_a_404_as_RequestFailedException()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        var arm = Client(emu);
        var id = new ResourceIdentifier($"/subscriptions/{emu.SubscriptionId}/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/ghost");
        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => arm.GetGenericResource(id).GetAsync());
        Assert.Equal(404, ex.Status);
        Assert.Equal("ResourceNotFound", ex.ErrorCode);
    }
}
