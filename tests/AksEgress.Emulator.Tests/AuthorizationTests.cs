using System.Text;
using System.Text.Json.Nodes;
using Xunit;
using static AksEgress.Emulator.Tests.TestUtil;

namespace AksEgress.Emulator.Tests;

/// <summary>The emulator's Azure RBAC: ARM's linked access check is about the caller; role assignments and definitions.</summary>
public class AuthorizationTests
{
    private static string Rg(AksEmulator emu, string rg) => $"/subscriptions/{emu.SubscriptionId}/resourceGroups/{rg}";

    /// <summary>The cluster body with these outbound IPs (instead of managed ones).</summary>
    private static JsonObject WithOutboundIps(AksEmulator emu, params string[] ids)
    {
        var cluster = emu.World.GetCluster("standard-lb")!;
        var lbp = cluster["properties"]!["networkProfile"]!["loadBalancerProfile"]!.AsObject();
        lbp.Remove("managedOutboundIPs");
        lbp["outboundIPs"] = new JsonObject { ["publicIPs"] = new JsonArray(ids.Select(i => (JsonNode)new JsonObject { ["id"] = i }).ToArray()) };
        return cluster;
    }

    /// <summary>The caller may write the cluster (Contributor on its group and the node group) and nothing else.</summary>
    private static void LimitCaller(AksEmulator emu)
    {
        emu.World.RemoveRoleAssignments(emu.World.CallerObjectId);
        emu.World.AssignRole(emu.World.CallerObjectId, Rg(emu, "demo-rg"), "Contributor", "User");
        emu.World.AssignRole(emu.World.CallerObjectId, Rg(emu, emu.World.GetNodeResourceGroup("standard-lb")!), "Contributor", "User");
    }

    [Fact]
    public async Task Linked_access_check_names_the_caller_the_action_and_the_linked_scope()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        emu.World.AddPublicIp("noperm-rg", "ip1");
        var ipId = emu.World.GetPublicIpId("noperm-rg", "ip1");
        LimitCaller(emu);

        var (st, err, _) = await Send(http, HttpMethod.Put, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01", WithOutboundIps(emu, ipId));
        Assert.Equal(403, st);
        Assert.Equal("LinkedAuthorizationFailed", err!["error"]!["code"]!.GetValue<string>());
        Assert.Equal($"The client 'alice@contoso.com' with object id '{emu.World.CallerObjectId}' has permission to perform action 'Microsoft.ContainerService/managedClusters/write' " +
                     $"on scope '/subscriptions/{emu.SubscriptionId}/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/standard-lb'; however, it does not have permission " +
                     $"to perform action 'Microsoft.Network/publicIPAddresses/join/action' on the linked scope(s) '{ipId}' or the linked scope(s) are invalid.",
            err["error"]!["message"]!.GetValue<string>());
        Assert.NotEqual("Updating", emu.World.GetCluster("standard-lb")!["properties"]!["provisioningState"]!.GetValue<string>());

        // A custom role with just join/action on the IP's group is enough (wildcards in actions count too).
        emu.World.AddCustomRole("IP joiner", ["Microsoft.Network/publicIPAddresses/*/action", "Microsoft.Network/publicIPAddresses/read"]);
        emu.World.AssignRole(emu.World.CallerObjectId, Rg(emu, "noperm-rg"), "IP joiner", "User");
        (st, err, _) = await Send(http, HttpMethod.Put, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01", WithOutboundIps(emu, ipId));
        Assert.True(st is 200 or 202, $"{st}: {err}");
    }

    [Fact]
    public async Task The_cluster_identitys_rights_do_not_decide_the_put()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        emu.World.AddPublicIp("noperm-rg", "ip1");
        // The cluster identity has nothing on noperm-rg; the caller (subscription Owner by default) may join the IP: accepted.
        Assert.False(emu.World.HasPermission(emu.World.GetClusterPrincipalId("standard-lb"), "Microsoft.Network/publicIPAddresses/join/action", emu.World.GetPublicIpId("noperm-rg", "ip1")));
        var (st, body, resp) = await Send(http, HttpMethod.Put, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01", WithOutboundIps(emu, emu.World.GetPublicIpId("noperm-rg", "ip1")));
        Assert.True(st is 200 or 202, $"{st}: {body}");
        Assert.Equal("Succeeded", await CompleteLro(http, resp));
    }

    [Fact]
    public async Task Several_denied_links_use_arms_respectively_form()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        emu.World.AddPublicIp("noperm-rg", "ip1");
        LimitCaller(emu);
        var cluster = WithOutboundIps(emu, emu.World.GetPublicIpId("noperm-rg", "ip1"));
        var subnet = $"{Rg(emu, "noperm-rg")}/providers/Microsoft.Network/virtualNetworks/vnet/subnets/nodes";
        cluster["properties"]!["agentPoolProfiles"]![0]!["vnetSubnetID"] = subnet;
        var (st, err, _) = await Send(http, HttpMethod.Put, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01", cluster);
        Assert.Equal(403, st);
        Assert.Contains($"perform action(s) 'Microsoft.Network/publicIPAddresses/join/action,Microsoft.Network/virtualNetworks/subnets/join/action' on the linked scope(s) '{emu.World.GetPublicIpId("noperm-rg", "ip1")},{subnet}' (respectively)",
            err!["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task Role_assignments_and_definitions_are_listed_as_arm_does()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        emu.World.AddPublicIp("egress-rg", "ip1");
        var principal = emu.World.GetClusterPrincipalId("standard-lb");
        var ipScope = emu.World.GetPublicIpId("egress-rg", "ip1");

        var (st, list, _) = await Send(http, HttpMethod.Get, $"{ipScope.TrimStart('/')}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=principalId%20eq%20'{principal}'");
        Assert.Equal(200, st);
        var value = list!["value"]!.AsArray();
        // Above the IP: its group egress-rg (Network Contributor); the node resource group is a sibling, not listed.
        var rgAssignment = Assert.Single(value)!;
        Assert.Equal(Rg(emu, "egress-rg"), rgAssignment["properties"]!["scope"]!.GetValue<string>());
        Assert.Equal($"/subscriptions/{emu.SubscriptionId}/providers/Microsoft.Authorization/roleDefinitions/4d97b98b-1d4f-4787-a291-c67834d212e7", rgAssignment["properties"]!["roleDefinitionId"]!.GetValue<string>());
        Assert.Equal("Microsoft.Authorization/roleAssignments", rgAssignment["type"]!.GetValue<string>());

        // At the subscription: principalId eq lists at, above AND below (both groups); atScope() only at or above (none).
        (st, list, _) = await Send(http, HttpMethod.Get, $"subscriptions/{emu.SubscriptionId}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=principalId%20eq%20'{principal}'");
        Assert.Equal(2, list!["value"]!.AsArray().Count);
        (st, list, _) = await Send(http, HttpMethod.Get, $"subscriptions/{emu.SubscriptionId}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()%20and%20principalId%20eq%20'{principal}'");
        Assert.Empty(list!["value"]!.AsArray());

        var (dst, def, _) = await Send(http, HttpMethod.Get, rgAssignment["properties"]!["roleDefinitionId"]!.GetValue<string>().TrimStart('/') + "?api-version=2022-04-01");
        Assert.Equal(200, dst);
        Assert.Equal("Network Contributor", def!["properties"]!["roleName"]!.GetValue<string>());
        Assert.Contains(def["properties"]!["permissions"]![0]!["actions"]!.AsArray(), a => a!.GetValue<string>() == "Microsoft.Network/*");

        (st, var bad, _) = await Send(http, HttpMethod.Get, $"{ipScope.TrimStart('/')}/providers/Microsoft.Authorization/roleAssignments?api-version=2015-07-01");
        Assert.Equal(400, st);
        Assert.Equal("NoRegisteredProviderFound", bad!["error"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Reading_role_assignments_needs_the_read_action()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        LimitCaller(emu);
        var scope = Rg(emu, "noperm-rg");
        var (st, err, _) = await Send(http, HttpMethod.Get, $"{scope.TrimStart('/')}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()");
        Assert.Equal(403, st);
        Assert.Equal("AuthorizationFailed", err!["error"]!["code"]!.GetValue<string>());
        Assert.Contains($"perform action 'Microsoft.Authorization/roleAssignments/read' over scope '{scope}/providers/Microsoft.Authorization'", err["error"]!["message"]!.GetValue<string>());
        // Reader at the group is enough (*/read).
        emu.World.AssignRole(emu.World.CallerObjectId, scope, "Reader", "User");
        (st, _, _) = await Send(http, HttpMethod.Get, $"{scope.TrimStart('/')}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()");
        Assert.Equal(200, st);
    }

    [Fact]
    public async Task Admin_api_assigns_and_removes_roles_and_creates_custom_roles()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        var principal = emu.World.GetClusterPrincipalId("standard-lb");
        var ip = emu.World.GetPublicIpId("noperm-rg", "x");
        const string join = "Microsoft.Network/publicIPAddresses/join/action";
        async Task<int> Admin(HttpMethod m, string path, string json)
        {
            using var req = new HttpRequestMessage(m, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
            return (int)(await http.SendAsync(req)).StatusCode;
        }
        Assert.Equal(201, await Admin(HttpMethod.Post, "_emulator/roleDefinitions", "{\"roleName\":\"joiner\",\"actions\":[\"Microsoft.Network/publicIPAddresses/join/action\"]}"));
        Assert.Equal(201, await Admin(HttpMethod.Post, "_emulator/roleAssignments", $"{{\"principal\":\"standard-lb\",\"scope\":\"{Rg(emu, "noperm-rg")}\",\"role\":\"joiner\"}}"));
        Assert.True(emu.World.HasPermission(principal, join, ip));
        Assert.False(emu.World.HasPermission(principal, "Microsoft.Network/publicIPAddresses/read", ip));
        Assert.Equal(200, await Admin(HttpMethod.Delete, "_emulator/roleAssignments", $"{{\"principal\":\"standard-lb\",\"scope\":\"{Rg(emu, "noperm-rg")}\"}}"));
        Assert.False(emu.World.HasPermission(principal, join, ip));
        Assert.Equal(400, await Admin(HttpMethod.Post, "_emulator/roleAssignments", $"{{\"principal\":\"caller\",\"scope\":\"{Rg(emu, "noperm-rg")}\",\"role\":\"No Such Role\"}}"));
    }
}
