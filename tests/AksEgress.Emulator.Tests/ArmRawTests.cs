using System.Net;
using System.Text.Json.Nodes;
using Xunit;
using static AksEgress.Emulator.Tests.TestUtil;

namespace AksEgress.Emulator.Tests;

public class ArmRawTests
{
    [Fact]
    public async Task Cluster_get_has_real_quirks_and_headers()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        http.DefaultRequestHeaders.Add("x-ms-correlation-request-id", "corr-123");
        var (st, body, resp) = await Send(http, HttpMethod.Get, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01");
        Assert.Equal(200, st);
        Assert.Equal("application/json", resp.Content.Headers.ContentType!.ToString());
        Assert.Equal("corr-123", resp.Headers.GetValues("x-ms-correlation-request-id").Single());
        Assert.True(resp.Headers.Contains("x-ms-request-id"));
        Assert.True(resp.Headers.Contains("x-ms-ratelimit-remaining-subscription-reads"));
        Assert.Contains("/resourcegroups/demo-rg/", body!["id"]!.GetValue<string>());
        Assert.Equal("Microsoft.ContainerService/ManagedClusters", body["type"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(body["eTag"]?.GetValue<string>()));   // the spec's readOnly eTag (AKS optimistic concurrency)
        var p = body["properties"]!;
        Assert.Equal("1.32", p["kubernetesVersion"]!.GetValue<string>());
        Assert.Equal("standard", p["networkProfile"]!["loadBalancerSku"]!.GetValue<string>());
        Assert.Equal("MC_demo-rg_standard-lb_eastus", p["nodeResourceGroup"]!.GetValue<string>());
        Assert.Equal("SystemAssigned", body["identity"]!["type"]!.GetValue<string>());
        Assert.NotNull(p["identityProfile"]!["kubeletidentity"]!["objectId"]);
        var eff = p["networkProfile"]!["loadBalancerProfile"]!["effectiveOutboundIPs"]!.AsArray();
        Assert.Single(eff);
        var effId = eff[0]!["id"]!.GetValue<string>();
        Assert.Contains("/resourceGroups/MC_demo-rg_standard-lb_eastus/providers/Microsoft.Network/publicIPAddresses/", effId);
        Assert.True(Guid.TryParse(effId.Split('/').Last(), out _));
        var (pst, pip, presp) = await Send(http, HttpMethod.Get, effId.TrimStart('/') + "?api-version=2025-07-01");
        Assert.Equal(200, pst);
        Assert.Equal("application/json; charset=utf-8", presp.Content.Headers.ContentType!.ToString());
        Assert.StartsWith("203.0.113.", pip!["properties"]!["ipAddress"]!.GetValue<string>());
        Assert.Equal("kubernetes", pip["tags"]!["owner"]!.GetValue<string>());
        Assert.Equal("aks-slb-managed-outbound-ip", pip["tags"]!["type"]!.GetValue<string>());

        var basic = (await Send(http, HttpMethod.Get, ClusterPath(emu, "legacy-basic") + "?api-version=2025-10-01")).Body!;
        Assert.Equal("basic", basic["properties"]!["networkProfile"]!["loadBalancerSku"]!.GetValue<string>());
        Assert.Null(basic["properties"]!["networkProfile"]!["loadBalancerProfile"]);
        var natgw = (await Send(http, HttpMethod.Get, ClusterPath(emu, "natgw") + "?api-version=2025-10-01")).Body!;
        Assert.Equal("managedNATGateway", natgw["properties"]!["networkProfile"]!["outboundType"]!.GetValue<string>());
        Assert.Single(natgw["properties"]!["networkProfile"]!["natGatewayProfile"]!["effectiveOutboundIPs"]!.AsArray());
        var locked = (await Send(http, HttpMethod.Get, ClusterPath(emu, "locked") + "?api-version=2025-10-01")).Body!;
        Assert.Equal("ReadOnly", locked["properties"]!["nodeResourceGroupProfile"]!["restrictionLevel"]!.GetValue<string>());
    }

    [Fact]
    public async Task Errors_are_exact_arm_shapes()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        var (st, body, resp) = await Send(http, HttpMethod.Get, ClusterPath(emu, "nope") + "?api-version=2025-10-01");
        Assert.Equal(404, st);
        Assert.Equal("gateway", resp.Headers.GetValues("x-ms-failure-cause").Single());
        Assert.Equal("{\"error\":{\"code\":\"ResourceNotFound\",\"message\":\"The Resource 'Microsoft.ContainerService/managedClusters/nope' under resource group 'demo-rg' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix\"}}", Str(body));
        (st, body, _) = await Send(http, HttpMethod.Get, ClusterPath(emu, "x", "missing-rg") + "?api-version=2025-10-01");
        Assert.Equal(404, st);
        Assert.Equal("{\"error\":{\"code\":\"ResourceGroupNotFound\",\"message\":\"Resource group 'missing-rg' could not be found.\"}}", Str(body));
        (st, body, _) = await Send(http, HttpMethod.Get, PipPath(emu, "demo-rg", "ghost") + "?api-version=2025-07-01");
        Assert.Equal(404, st);
        Assert.Equal("ResourceNotFound", body!["error"]!["code"]!.GetValue<string>());
        Assert.EndsWith("For more details please go to https://aka.ms/ARMResourceNotFoundFix", body["error"]!["message"]!.GetValue<string>());

        using var bad = Arm(emu, "not-a-token");
        (st, body, _) = await Send(bad, HttpMethod.Get, ClusterPath(emu, "natgw") + "?api-version=2025-10-01");
        Assert.Equal(401, st);
        Assert.Equal("InvalidAuthenticationToken", body!["error"]!["code"]!.GetValue<string>());
        using var none = new HttpClient(Handler(emu)) { BaseAddress = emu.ArmEndpoint };
        (st, body, _) = await Send(none, HttpMethod.Get, ClusterPath(emu, "natgw") + "?api-version=2025-10-01");
        Assert.Equal(401, st);
        Assert.Equal("AuthenticationFailed", body!["error"]!["code"]!.GetValue<string>());

        (st, body, _) = await Send(http, HttpMethod.Get, $"subscriptions/{emu.SubscriptionId}/resourceGroups/demo-rg/providers/Microsoft.Foo/bars/x?api-version=1");
        Assert.Equal(404, st);
        Assert.Equal("NoRegisteredProviderFound", body!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Arm_routes_ignore_path_case_and_unknown_paths_answer_like_arm()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        var sub = emu.SubscriptionId;
        // ARM paths are case-insensitive in their literal segments; names keep the caller's spelling
        var (st, body, _) = await Send(http, HttpMethod.Get, $"SUBSCRIPTIONS/{sub}/RESOURCEGROUPS/demo-rg/PROVIDERS/microsoft.containerservice/MANAGEDCLUSTERS/standard-lb/?api-version=2025-10-01");
        Assert.Equal(200, st);
        Assert.Equal("standard-lb", body!["name"]!.GetValue<string>());
        (st, _, _) = await Send(http, HttpMethod.Post, $"subscriptions/{sub}/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/standard-lb/LISTCLUSTERUSERCREDENTIAL?api-version=2025-10-01");
        Assert.Equal(200, st);
        (st, body, _) = await Send(http, HttpMethod.Get, $"subscriptions/{sub}/providers/microsoft.network?api-version=2021-04-01");
        Assert.Equal(200, st);
        Assert.Equal("Microsoft.Network", body!["namespace"]!.GetValue<string>());
        // another subscription
        (st, body, _) = await Send(http, HttpMethod.Get, "subscriptions/11111111-1111-1111-1111-111111111111/resourceGroups?api-version=2021-04-01");
        Assert.Equal(404, st);
        Assert.Equal("{\"error\":{\"code\":\"SubscriptionNotFound\",\"message\":\"The subscription '11111111-1111-1111-1111-111111111111' could not be found.\"}}", Str(body));
        // a list path only answers GET; other methods are an unknown route, not a 405
        (st, body, _) = await Send(http, HttpMethod.Post, $"subscriptions/{sub}/providers/Microsoft.Network/publicIPAddresses?api-version=2025-07-01");
        Assert.Equal(404, st);
        Assert.Equal("{\"error\":{\"code\":\"InvalidResourceType\",\"message\":\"The resource type 'publicIPAddresses' could not be found in the namespace 'Microsoft.Network' for api version '2025-07-01'.\"}}", Str(body));
        // a resource path with a method it does not support (PATCH of a public IP is UpdateTags)
        (st, body, _) = await Send(http, HttpMethod.Post, PipPath(emu, "demo-rg", "x") + "?api-version=2025-07-01");
        Assert.Equal(405, st);
        Assert.Equal("MethodNotAllowed", body!["error"]!["code"]!.GetValue<string>());
        // an empty segment is not a name
        (st, body, _) = await Send(http, HttpMethod.Get, $"subscriptions/{sub}/resourceGroups//providers/Microsoft.Network/natGateways?api-version=2025-07-01");
        Assert.Equal(404, st);
        Assert.Equal("InvalidResourceType", body!["error"]!["code"]!.GetValue<string>());
        // an operation id under a provider the emulator does not model
        (st, body, _) = await Send(http, HttpMethod.Get, $"subscriptions/{sub}/providers/Microsoft.Storage/locations/eastus/operations/abc?api-version=2025-07-01");
        Assert.Equal(404, st);
        Assert.Equal("NoRegisteredProviderFound", body!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Cluster_list_is_paged_with_absolute_nextLink_and_last_page_has_none()
    {
        await using var emu = await AksEmulator.StartAsync(new EmulatorOptions { PageSize = 4, ExtraClusters = 3 });
        using var http = Arm(emu);
        var names = new List<string>();
        string? url = $"subscriptions/{emu.SubscriptionId}/providers/Microsoft.ContainerService/managedClusters?api-version=2025-10-01";
        var pages = 0;
        while (url is not null)
        {
            var (st, body, _) = await Send(http, HttpMethod.Get, url);
            Assert.Equal(200, st);
            pages++;
            names.AddRange(body!["value"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()));
            var obj = body.AsObject();
            if (obj.TryGetPropertyValue("nextLink", out var next))
            {
                var link = next!.GetValue<string>();
                Assert.StartsWith(emu.ArmEndpoint.ToString(), link);
                Assert.Contains("api-version=", link);
                Assert.Contains("$skipToken=", link);
                url = link;
            }
            else url = null;
        }
        Assert.Equal(3, pages);
        Assert.Equal(12, names.Distinct().Count());   // 6 in demo-rg, 3 egress-path clusters in paths-rg, 3 fleet
        Assert.Contains("fleet-0003", names);
        var (_, empty, _) = await Send(http, HttpMethod.Get, $"subscriptions/{emu.SubscriptionId}/resourceGroups/egress-rg/providers/Microsoft.ContainerService/managedClusters?api-version=2025-10-01");
        Assert.Equal("{\"value\":[]}", Str(empty));
    }

    [Fact]
    public async Task Public_ip_put_is_a_real_lro_and_validates()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        var body = JsonNode.Parse("{\"location\":\"eastus\",\"sku\":{\"name\":\"Standard\"},\"properties\":{\"publicIPAllocationMethod\":\"Static\"},\"zones\":[\"1\",\"2\",\"3\"],\"tags\":{\"purpose\":\"egress\"}}");
        var (st, created, resp) = await Send(http, HttpMethod.Put, PipPath(emu, "egress-rg", "pinned-egress") + "?api-version=2025-07-01", body);
        Assert.Equal(201, st);
        Assert.Equal("Updating", created!["properties"]!["provisioningState"]!.GetValue<string>());
        Assert.Null(created["properties"]!["ipAddress"]);
        Assert.StartsWith(emu.ArmEndpoint.ToString(), resp.Headers.GetValues("Azure-AsyncOperation").Single());
        Assert.Contains("/providers/Microsoft.Network/locations/eastus/operations/", resp.Headers.GetValues("Azure-AsyncOperation").Single());
        Assert.True(resp.Headers.Contains("Retry-After"));
        var url = resp.Headers.GetValues("Azure-AsyncOperation").Single();
        Assert.Equal("{\"status\":\"InProgress\"}", Str((await Send(http, HttpMethod.Get, url)).Body));
        Assert.Equal("{\"status\":\"Succeeded\"}", Str((await Send(http, HttpMethod.Get, url)).Body));
        var (gst, got, _) = await Send(http, HttpMethod.Get, PipPath(emu, "egress-rg", "pinned-egress") + "?api-version=2025-07-01");
        Assert.Equal(200, gst);
        var addr = got!["properties"]!["ipAddress"]!.GetValue<string>();
        Assert.Matches(@"^(203\.0\.113|198\.51\.100)\.\d+$", addr);
        Assert.Equal("Succeeded", got["properties"]!["provisioningState"]!.GetValue<string>());
        Assert.Equal("Regional", got["sku"]!["tier"]!.GetValue<string>());
        Assert.Equal("egress", got["tags"]!["purpose"]!.GetValue<string>());
        Assert.StartsWith("W/\"", got["etag"]!.GetValue<string>());

        // update keeps the address
        var (ust, _, uresp) = await Send(http, HttpMethod.Put, PipPath(emu, "egress-rg", "pinned-egress") + "?api-version=2025-07-01", body);
        Assert.Equal(200, ust);
        Assert.Equal("Succeeded", await CompleteLro(http, uresp));
        Assert.Equal(addr, emu.World.GetPublicIpAddress("egress-rg", "pinned-egress"));

        (st, var err, _) = await Send(http, HttpMethod.Put, PipPath(emu, "egress-rg", "Allow Egress") + "?api-version=2025-07-01", body);
        Assert.Equal(400, st);
        Assert.Equal("InvalidResourceName", err!["error"]!["code"]!.GetValue<string>());
        Assert.StartsWith("Resource name Allow Egress is invalid. The name can be up to 80 characters long.", err["error"]!["message"]!.GetValue<string>());

        (st, err, _) = await Send(http, HttpMethod.Put, PipPath(emu, "egress-rg", "basic-ip") + "?api-version=2025-07-01", JsonNode.Parse("{\"location\":\"eastus\",\"sku\":{\"name\":\"Basic\"}}"));
        Assert.Equal(400, st);
        Assert.Equal("IPv4BasicSkuPublicIpCountLimitReached", err!["error"]!["code"]!.GetValue<string>());

        (st, err, _) = await Send(http, HttpMethod.Put, PipPath(emu, "MC_demo-rg_locked_eastus", "sneaky") + "?api-version=2025-07-01", body);
        Assert.Equal(403, st);
        Assert.Equal("DenyAssignmentAuthorizationFailed", err!["error"]!["code"]!.GetValue<string>());
        Assert.Contains("'Microsoft.Network/publicIPAddresses/write'", err["error"]!["message"]!.GetValue<string>());
        Assert.Contains("nrg-lockdown", err["error"]!["message"]!.GetValue<string>());

        (st, err, _) = await Send(http, HttpMethod.Put, PipPath(emu, "no-such-rg", "x") + "?api-version=2025-07-01", body);
        Assert.Equal(404, st);
        Assert.Equal("ResourceGroupNotFound", err!["error"]!["code"]!.GetValue<string>());

        emu.World.PublicIpQuota = emu.World.Dump()["publicIPAddresses"]!.AsArray().Count;
        (st, err, _) = await Send(http, HttpMethod.Put, PipPath(emu, "egress-rg", "one-too-many") + "?api-version=2025-07-01", body);
        Assert.Equal(400, st);
        Assert.Equal($"{{\"error\":{{\"code\":\"PublicIPCountLimitReached\",\"message\":\"Cannot create more than {emu.World.PublicIpQuota} public IP addresses for this subscription in this region.\",\"details\":[]}}}}", Str(err));
    }

    [Fact]
    public async Task Public_ip_delete_is_lro_and_refuses_ips_in_use()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        emu.World.AddPublicIp("egress-rg", "spare");
        var (st, _, resp) = await Send(http, HttpMethod.Delete, PipPath(emu, "egress-rg", "spare") + "?api-version=2025-07-01");
        Assert.Equal(202, st);
        var location = resp.Headers.Location!.ToString();
        Assert.Contains("/operationResults/", location);
        var (lst, _, _) = await Send(http, HttpMethod.Get, location);
        Assert.Equal(202, lst);
        (lst, _, _) = await Send(http, HttpMethod.Get, location);
        Assert.Equal(204, lst);
        Assert.Null(emu.World.GetPublicIp("egress-rg", "spare"));

        var managed = emu.World.GetCluster("standard-lb")!["properties"]!["networkProfile"]!["loadBalancerProfile"]!["effectiveOutboundIPs"]![0]!["id"]!.GetValue<string>();
        var (dst, err, _) = await Send(http, HttpMethod.Delete, managed.TrimStart('/') + "?api-version=2025-07-01");
        Assert.Equal(400, dst);
        Assert.Equal("PublicIPAddressCannotBeDeleted", err!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Credentials_user_admin_and_aad()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        var (st, body, _) = await Send(http, HttpMethod.Post, ClusterPath(emu, "standard-lb") + "/listClusterUserCredential?api-version=2025-10-01");
        Assert.Equal(200, st);
        Assert.Equal("clusterUser", body!["kubeconfigs"]![0]!["name"]!.GetValue<string>());
        var yaml = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(body["kubeconfigs"]![0]!["value"]!.GetValue<string>()));
        Assert.Contains("certificate-authority-data: ", yaml);
        Assert.Contains("server: " + emu.GetKubernetesEndpoint("standard-lb").ToString().TrimEnd('/'), yaml);
        Assert.Contains("token: ", yaml);

        (st, body, _) = await Send(http, HttpMethod.Post, ClusterPath(emu, "standard-lb") + "/listClusterAdminCredential?api-version=2025-10-01");
        Assert.Equal(200, st);
        Assert.Equal("clusterAdmin", body!["kubeconfigs"]![0]!["name"]!.GetValue<string>());

        (st, body, _) = await Send(http, HttpMethod.Post, ClusterPath(emu, "aad") + "/listClusterUserCredential?api-version=2025-10-01");
        yaml = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(body!["kubeconfigs"]![0]!["value"]!.GetValue<string>()));
        Assert.Contains("command: kubelogin", yaml);
        Assert.Contains("- 6dae42f8-4368-4678-94ff-3960e28e3630", yaml);
        Assert.DoesNotContain("token:", yaml);

        (st, body, _) = await Send(http, HttpMethod.Post, ClusterPath(emu, "aad") + "/listClusterAdminCredential?api-version=2025-10-01");
        Assert.Equal(400, st);
        Assert.Equal("{\"error\":{\"code\":\"BadRequest\",\"message\":\"Getting static credential isn't allowed because this cluster is set to disable local accounts.\"}}", Str(body));
    }

    [Fact]
    public async Task Cluster_put_validates_load_balancer_profile()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        var cluster = emu.World.GetCluster("standard-lb")!;
        var lbp = cluster["properties"]!["networkProfile"]!["loadBalancerProfile"]!.AsObject();

        emu.World.AddPublicIp("noperm-rg", "forbidden-ip");
        lbp.Remove("managedOutboundIPs");
        lbp["outboundIPs"] = JsonNode.Parse($"{{\"publicIPs\":[{{\"id\":\"{emu.World.GetPublicIpId("noperm-rg", "forbidden-ip")}\"}}]}}");
        // ARM's linked access check is about the CALLER: one that may write the cluster but not join the IP gets 403.
        emu.World.RemoveRoleAssignments(emu.World.CallerObjectId);
        emu.World.AssignRole(emu.World.CallerObjectId, $"/subscriptions/{emu.SubscriptionId}/resourceGroups/demo-rg", "Contributor", "User");
        emu.World.AssignRole(emu.World.CallerObjectId, $"/subscriptions/{emu.SubscriptionId}/resourceGroups/{emu.World.GetNodeResourceGroup("standard-lb")}", "Contributor", "User");
        var (st, err, _) = await Send(http, HttpMethod.Put, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01", cluster);
        Assert.Equal(403, st);
        Assert.Equal("LinkedAuthorizationFailed", err!["error"]!["code"]!.GetValue<string>());
        Assert.Contains("'Microsoft.Network/publicIPAddresses/join/action' on the linked scope(s) '" + emu.World.GetPublicIpId("noperm-rg", "forbidden-ip") + "'", err["error"]!["message"]!.GetValue<string>());
        emu.World.AssignRole(emu.World.CallerObjectId, $"/subscriptions/{emu.SubscriptionId}", "Owner", "User");

        lbp["managedOutboundIPs"] = JsonNode.Parse("{\"count\":2}");
        (st, err, _) = await Send(http, HttpMethod.Put, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01", cluster);
        Assert.Equal(400, st);
        Assert.Equal("InvalidLoadBalancerProfile", err!["error"]!["code"]!.GetValue<string>());

        lbp.Remove("outboundIPs");
        lbp["allocatedOutboundPorts"] = 1001;
        (st, _, _) = await Send(http, HttpMethod.Put, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01", cluster);
        Assert.Equal(400, st);
        lbp["allocatedOutboundPorts"] = 1024;
        lbp["idleTimeoutInMinutes"] = 200;
        (st, _, _) = await Send(http, HttpMethod.Put, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01", cluster);
        Assert.Equal(400, st);
        lbp["idleTimeoutInMinutes"] = 30;
        lbp["outboundIPs"] = JsonNode.Parse($"{{\"publicIPs\":[{{\"id\":\"{emu.World.GetPublicIpId("egress-rg", "does-not-exist")}\"}}]}}");
        lbp.Remove("managedOutboundIPs");
        (st, err, _) = await Send(http, HttpMethod.Put, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01", cluster);
        Assert.Equal(400, st);
        Assert.Equal("PublicIPNotFound", err!["error"]!["code"]!.GetValue<string>());

        // managed count 2 -> a second GUID-named IP appears after the LRO
        lbp.Remove("outboundIPs");
        lbp["managedOutboundIPs"] = JsonNode.Parse("{\"count\":2}");
        var (ok, resp200, resp) = await Send(http, HttpMethod.Put, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01", cluster);
        Assert.Equal(200, ok);
        Assert.Equal("Updating", resp200!["properties"]!["provisioningState"]!.GetValue<string>());
        var ao = resp.Headers.GetValues("Azure-AsyncOperation").Single();
        Assert.Contains("/providers/Microsoft.ContainerService/locations/eastus/operations/", ao);
        var poll = (await Send(http, HttpMethod.Get, ao)).Body!;
        Assert.Equal("InProgress", poll["status"]!.GetValue<string>());
        Assert.NotNull(poll["name"]);
        Assert.NotNull(poll["startTime"]);
        Assert.Equal("Updating", emu.World.GetCluster("standard-lb")!["properties"]!["provisioningState"]!.GetValue<string>());
        Assert.Single(emu.World.GetCluster("standard-lb")!["properties"]!["networkProfile"]!["loadBalancerProfile"]!["effectiveOutboundIPs"]!.AsArray());
        Assert.Equal("Succeeded", (await Send(http, HttpMethod.Get, ao)).Body!["status"]!.GetValue<string>());
        var after = (await Send(http, HttpMethod.Get, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01")).Body!;
        Assert.Equal("Succeeded", after["properties"]!["provisioningState"]!.GetValue<string>());
        Assert.Equal(2, after["properties"]!["networkProfile"]!["loadBalancerProfile"]!["effectiveOutboundIPs"]!.AsArray().Count);
        Assert.Equal(1024, after["properties"]!["networkProfile"]!["loadBalancerProfile"]!["allocatedOutboundPorts"]!.GetValue<int>());
    }

    [Fact]
    public async Task Public_ip_zones_cannot_change_and_patch_replaces_the_tags()
    {
        await using var emu = await AksEmulator.StartAsync(Fast(lroPolls: 0));
        using var http = Arm(emu);
        var path = PipPath(emu, "egress-rg", "z") + "?api-version=2025-07-01";
        var put = new JsonObject { ["location"] = "eastus", ["sku"] = new JsonObject { ["name"] = "Standard" }, ["zones"] = new JsonArray("1"),
            ["tags"] = new JsonObject { ["owner"] = "net" }, ["properties"] = new JsonObject { ["publicIPAllocationMethod"] = "Static" } };
        var (created, _, createdResp) = await Send(http, HttpMethod.Put, path, put);
        Assert.Equal(201, created);
        var poll = createdResp.Headers.GetValues("Azure-AsyncOperation").Single();
        Assert.Equal("Succeeded", (await Send(http, HttpMethod.Get, new Uri(poll).PathAndQuery.TrimStart('/'))).Body!["status"]!.GetValue<string>());
        var again = (JsonObject)put.DeepClone();
        again["zones"] = new JsonArray("2");
        var (st, body, _) = await Send(http, HttpMethod.Put, path, again);
        Assert.Equal(400, st);
        Assert.Equal("ResourceAvailabilityZonesCannotBeModified", body!["error"]!["code"]!.GetValue<string>());
        Assert.Contains("existing availability zone constraint 1 and the request has availability zone constraint 2", body["error"]!["message"]!.GetValue<string>());

        (st, body, _) = await Send(http, HttpMethod.Patch, path, new JsonObject { ["tags"] = new JsonObject { ["env"] = "prod" } });
        Assert.Equal(200, st);
        Assert.Equal("{\"env\":\"prod\"}", body!["tags"]!.ToJsonString());
        Assert.Equal("1", body["zones"]![0]!.GetValue<string>());
    }
}
