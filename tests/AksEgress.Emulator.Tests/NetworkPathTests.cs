using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Xunit;
using static AksEgress.Emulator.Tests.TestUtil;

namespace AksEgress.Emulator.Tests;

/// <summary>Issue 11 section 4: the network resources behind each egress path and the kubelet's egress decision per path.</summary>
public class NetworkPathTests
{
    private static string Net(AksEmulator emu, string rg, string rest) =>
        $"subscriptions/{emu.SubscriptionId}/resourceGroups/{rg}/providers/Microsoft.Network/{rest}?api-version=2025-07-01";

    private static async Task<string> ProbeOn(Kubernetes k, string name, string? node = null)
    {
        var pod = KubernetesTests.CurlPod(name, "https://api.ipify.org", KubernetesTests.McrImage);
        if (node is not null) pod.Spec.NodeName = node;
        await k.CoreV1.CreateNamespacedPodAsync(pod, "default");
        await KubernetesTests.WaitForPhase(k, name, "Succeeded", "Failed");
        using var s = await k.CoreV1.ReadNamespacedPodLogAsync(name, "default");
        return (await new StreamReader(s).ReadToEndAsync()).Trim();
    }

    [Fact]
    public async Task Udr_cluster_egress_follows_the_subnet_route_to_the_classic_firewall()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        var fwIp = emu.World.GetPublicIpAddress("demo-rg", "fw-egress-ip")!;

        // The ARM view: pool → subnet → route table → 0.0.0.0/0 → VirtualAppliance 10.1.0.4 → hub-fw (real ipconfig id segment).
        var subnetId = emu.World.GetCluster("udr")!["properties"]!["agentPoolProfiles"]![0]!["vnetSubnetID"]!.GetValue<string>();
        Assert.EndsWith("/virtualNetworks/aks-vnet/subnets/aks-subnet", subnetId);
        var (status, subnet, _) = await Send(http, HttpMethod.Get, Net(emu, "demo-rg", "virtualNetworks/aks-vnet/subnets/aks-subnet"));
        Assert.Equal(200, status);
        Assert.EndsWith("/routeTables/aks-udr", subnet!["properties"]!["routeTable"]!["id"]!.GetValue<string>());
        var (_, rt, _) = await Send(http, HttpMethod.Get, Net(emu, "demo-rg", "routeTables/aks-udr"));
        var route = rt!["properties"]!["routes"]![0]!["properties"]!;
        Assert.Equal(("0.0.0.0/0", "VirtualAppliance", "10.1.0.4"), (route["addressPrefix"]!.GetValue<string>(), route["nextHopType"]!.GetValue<string>(), route["nextHopIpAddress"]!.GetValue<string>()));
        var (_, vnet, _) = await Send(http, HttpMethod.Get, Net(emu, "demo-rg", "virtualNetworks/aks-vnet"));
        Assert.EndsWith("/virtualNetworks/hub-vnet", vnet!["properties"]!["virtualNetworkPeerings"]![0]!["properties"]!["remoteVirtualNetwork"]!["id"]!.GetValue<string>());
        var (_, fw, _) = await Send(http, HttpMethod.Get, Net(emu, "demo-rg", "azureFirewalls/hub-fw"));
        var ipc = fw!["properties"]!["ipConfigurations"]![0]!;
        Assert.Contains("/azureFirewalls/hub-fw/azureFirewallIpConfigurations/", ipc["id"]!.GetValue<string>());
        Assert.Equal("10.1.0.4", ipc["properties"]!["privateIPAddress"]!.GetValue<string>());
        Assert.Equal(new[] { fwIp }, emu.World.GetExpectedEgressAddresses("udr"));

        using var k = Kube(emu, "udr");
        Assert.Equal(fwIp, await ProbeOn(k, "via-fw"));

        // A NAT gateway on AzureFirewallSubnet takes all of the firewall's internet traffic.
        var natIp = emu.World.AttachNewNatGateway("demo-rg", "hub-vnet", "AzureFirewallSubnet", "fw-natgw");
        Assert.Equal(new[] { natIp }, emu.World.GetExpectedEgressAddresses("udr"));
        Assert.Equal(natIp, await ProbeOn(k, "via-fw-nat"));

        // An appliance that is not a modelled firewall, or a None / VPN gateway next hop: no Azure public address.
        emu.World.SetRoute("demo-rg", "aks-udr", "default-to-firewall", "0.0.0.0/0", "VirtualAppliance", "10.1.0.99");
        Assert.Empty(emu.World.GetExpectedEgressAddresses("udr"));
        emu.World.SetRoute("demo-rg", "aks-udr", "default-to-firewall", "0.0.0.0/0", "None");
        Assert.Empty(emu.World.GetExpectedEgressAddresses("udr"));
        // Longest prefix wins: split routes to Internet override the blackhole default.
        emu.World.SetRoute("demo-rg", "aks-udr", "low-half", "0.0.0.0/1", "VirtualAppliance", "10.1.0.4");
        Assert.Equal(new[] { natIp }, emu.World.GetExpectedEgressAddresses("udr"));
    }

    [Fact]
    public async Task User_assigned_nat_gateway_snats_to_any_of_its_ips_and_prefix_addresses()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        var ip1 = emu.World.GetPublicIpAddress("paths-rg", "uanat-ip-1")!;
        var ip2 = emu.World.GetPublicIpAddress("paths-rg", "uanat-ip-2")!;
        var expected = new[] { ip1, ip2, "192.0.2.0", "192.0.2.1", "192.0.2.2", "192.0.2.3" };
        Assert.Equal(expected, emu.World.GetExpectedEgressAddresses("uanat"));

        var cluster = emu.World.GetCluster("uanat")!;
        Assert.Equal("userAssignedNATGateway", cluster["properties"]!["networkProfile"]!["outboundType"]!.GetValue<string>());
        var (_, subnet, _) = await Send(http, HttpMethod.Get, Net(emu, "paths-rg", "virtualNetworks/uanat-vnet/subnets/nodes"));
        Assert.EndsWith("/natGateways/uanat-natgw", subnet!["properties"]!["natGateway"]!["id"]!.GetValue<string>());
        var (_, ng, _) = await Send(http, HttpMethod.Get, Net(emu, "paths-rg", "natGateways/uanat-natgw"));
        Assert.Equal(2, ng!["properties"]!["publicIpAddresses"]!.AsArray().Count);
        Assert.EndsWith("/publicIPPrefixes/uanat-prefix", ng["properties"]!["publicIpPrefixes"]![0]!["id"]!.GetValue<string>());
        var (status, prefix, _) = await Send(http, HttpMethod.Get,
            $"subscriptions/{emu.SubscriptionId}/resourceGroups/paths-rg/providers/Microsoft.Network/publicIPPrefixes/uanat-prefix?api-version=2025-07-01");
        Assert.Equal(200, status);
        Assert.Equal("192.0.2.0/30", prefix!["properties"]!["ipPrefix"]!.GetValue<string>());

        using var k = Kube(emu, "uanat");
        var seen = new HashSet<string>();
        for (var i = 0; i < 6; i++) seen.Add(await ProbeOn(k, "nat-" + i));
        Assert.Subset(expected.ToHashSet(), seen);
    }

    [Fact]
    public async Task Secured_hub_firewall_snats_to_its_literal_public_addresses()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        var (_, fw, _) = await Send(http, HttpMethod.Get, Net(emu, "paths-rg", "azureFirewalls/secured-hub-fw"));
        Assert.Equal("AZFW_Hub", fw!["properties"]!["sku"]!["name"]!.GetValue<string>());
        var hub = fw["properties"]!["hubIPAddresses"]!;
        Assert.Equal("10.100.0.132", hub["privateIPAddress"]!.GetValue<string>());
        var addrs = hub["publicIPs"]!["addresses"]!.AsArray().Select(a => a!["address"]!.GetValue<string>()).ToArray();
        Assert.Equal(2, addrs.Length);
        Assert.Equal(addrs, emu.World.GetExpectedEgressAddresses("udr-hub"));
        var (_, list, _) = await Send(http, HttpMethod.Get, $"subscriptions/{emu.SubscriptionId}/providers/Microsoft.Network/azureFirewalls?api-version=2025-07-01");
        Assert.Equal(2, list!["value"]!.AsArray().Count);
    }

    [Fact]
    public async Task Node_public_ip_pool_egresses_from_its_prefix_while_the_other_pool_uses_the_load_balancer()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        var lb = emu.World.GetExpectedEgressAddresses("nodepip", "nodepool1");
        Assert.Single(lb);
        var pub = emu.World.GetExpectedEgressAddresses("nodepip", "pubpool");
        Assert.Equal(new[] { "192.0.2.16", "192.0.2.17", "192.0.2.18", "192.0.2.19" }, pub);
        using var k = Kube(emu, "nodepip");
        var nodes = await k.CoreV1.ListNodeAsync(labelSelector: "agentpool=pubpool");
        Assert.Equal(2, nodes.Items.Count);
        var seen = await ProbeOn(k, "on-pub", nodes.Items[0].Metadata.Name);
        Assert.Contains(seen, pub);
        var other = (await k.CoreV1.ListNodeAsync(labelSelector: "agentpool=nodepool1")).Items[0].Metadata.Name;
        Assert.Equal(lb[0], await ProbeOn(k, "on-lb", other));
    }

    private static JsonObject GraphQuery(string query, JsonObject? options = null, params string[] subscriptions) => new()
    {
        ["subscriptions"] = new JsonArray(subscriptions.Select(x => (JsonNode)JsonValue.Create(x)!).ToArray()),
        ["query"] = query,
        ["options"] = options ?? new JsonObject { ["resultFormat"] = "table" },
    };

    private const string FirewallQuery = "resources | where type =~ 'microsoft.network/azurefirewalls' | where tostring(properties.hubIPAddresses.privateIPAddress) == '10.100.0.132' or tostring(properties.ipConfigurations) contains '\"privateIPAddress\":\"10.100.0.132\"' | project id";

    [Fact]
    public async Task Resource_graph_answers_the_firewall_query_in_pages_and_refuses_any_other_query_as_invalid()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        const string path = "providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01";
        var (st, body, _) = await Send(http, HttpMethod.Post, path, GraphQuery(FirewallQuery, null, emu.SubscriptionId));
        Assert.Equal(200, st);
        Assert.Equal("false", body!["resultTruncated"]!.GetValue<string>());
        Assert.Equal("id", body["data"]!["columns"]![0]!["name"]!.GetValue<string>());
        var row = Assert.Single(body["data"]!["rows"]!.AsArray());
        Assert.EndsWith("/resourceGroups/paths-rg/providers/Microsoft.Network/azureFirewalls/secured-hub-fw", row![0]!.GetValue<string>());
        // the classic firewall by its ipConfiguration address (table format only here: the spec types data as an object, while
        // the objectArray answer is an array, so the contract check would judge that real answer a violation)
        var classic = FirewallQuery.Replace("10.100.0.132", "10.1.0.4", StringComparison.Ordinal);
        (st, body, _) = await Send(http, HttpMethod.Post, path, GraphQuery(classic, null, emu.SubscriptionId));
        Assert.EndsWith("/azureFirewalls/hub-fw", Assert.Single(body!["data"]!["rows"]!.AsArray())![0]!.GetValue<string>());
        // another subscription's scope sees nothing
        (_, body, _) = await Send(http, HttpMethod.Post, path, GraphQuery(FirewallQuery, null, "11111111-1111-1111-1111-111111111111"));
        Assert.Equal(0, body!["totalRecords"]!.GetValue<int>());
        // paging: $skipToken until the last page
        emu.World.AddHubFirewall("paths-rg", "twin-fw", "10.100.0.132", 1);
        emu.World.ResourceGraphPageSize = 1;
        (_, body, _) = await Send(http, HttpMethod.Post, path, GraphQuery(FirewallQuery, null, emu.SubscriptionId));
        Assert.Equal(2, body!["totalRecords"]!.GetValue<int>());
        Assert.Equal(1, body["count"]!.GetValue<int>());
        var token = body["$skipToken"]!.GetValue<string>();
        (_, body, _) = await Send(http, HttpMethod.Post, path, GraphQuery(FirewallQuery, new JsonObject { ["resultFormat"] = "table", ["$skipToken"] = token }, emu.SubscriptionId));
        Assert.EndsWith("/azureFirewalls/twin-fw", body!["data"]!["rows"]![0]![0]!.GetValue<string>());
        Assert.Null(body["$skipToken"]);
        // not a KQL engine: any other query is refused as Resource Graph refuses an invalid one
        (st, body, _) = await Send(http, HttpMethod.Post, path, GraphQuery("resources | project id", null, emu.SubscriptionId));
        Assert.Equal(400, st);
        Assert.Equal("BadRequest", body!["error"]!["code"]!.GetValue<string>());
        Assert.Equal("InvalidQuery", body["error"]!["details"]![0]!["code"]!.GetValue<string>());
        (st, _, _) = await Send(http, HttpMethod.Post, "providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01", GraphQuery(FirewallQuery, null, emu.SubscriptionId));
        Assert.Equal(400, st);
    }

    [Fact]
    public async Task Node_pool_scale_sets_list_their_instance_public_ips_only_at_api_version_2017_03_30()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        var nodeRg = "MC_paths-rg_nodepip_eastus";
        var (st, sets, _) = await Send(http, HttpMethod.Get, $"subscriptions/{emu.SubscriptionId}/resourceGroups/{nodeRg}/providers/Microsoft.Compute/virtualMachineScaleSets?api-version=2024-07-01");
        Assert.Equal(200, st);
        var own = sets!["value"]!.AsArray().Single(v => v!["tags"]!["aks-managed-poolName"]!.GetValue<string>() == "pubnopfx")!;
        Assert.Matches("^aks-pubnopfx-[0-9]{8}-vmss$", own["name"]!.GetValue<string>());
        var pipsPath = $"subscriptions/{emu.SubscriptionId}/resourceGroups/{nodeRg}/providers/Microsoft.Compute/virtualMachineScaleSets/{own["name"]}/publicipaddresses";
        var (st2, pips, _) = await Send(http, HttpMethod.Get, pipsPath + "?api-version=2017-03-30");
        Assert.Equal(200, st2);
        var addrs = pips!["value"]!.AsArray().Select(p => p!["properties"]!["ipAddress"]!.GetValue<string>()).ToArray();
        Assert.Equal(emu.World.GetExpectedEgressAddresses("nodepip", "pubnopfx"), addrs);
        Assert.All(pips["value"]!.AsArray(), p => Assert.Contains("/virtualMachines/", p!["properties"]!["ipConfiguration"]!["id"]!.GetValue<string>()));
        // a pool without node public IPs has none; any other api-version is refused as ARM does
        var lbSet = sets["value"]!.AsArray().Single(v => v!["tags"]!["aks-managed-poolName"]!.GetValue<string>() == "nodepool1")!;
        var (_, none, _) = await Send(http, HttpMethod.Get, pipsPath.Replace(own["name"]!.GetValue<string>(), lbSet["name"]!.GetValue<string>(), StringComparison.Ordinal) + "?api-version=2017-03-30");
        Assert.Empty(none!["value"]!.AsArray());
        var (bad, err, _) = await Send(http, HttpMethod.Get, pipsPath + "?api-version=2025-07-01");
        Assert.Equal(400, bad);
        Assert.Equal("NoRegisteredProviderFound", err!["error"]!["code"]!.GetValue<string>());
    }
}
