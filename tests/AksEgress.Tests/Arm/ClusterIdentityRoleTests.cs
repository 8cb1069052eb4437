using System.Text.Json.Nodes;
using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Engine.OutboundIps;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>
/// Two different identities: ARM's LinkedAuthorizationFailed is about the CALLER; the CLUSTER identity's rights on an outbound
/// IP outside the node resource group are checked best effort before the PUT (warnings, never a failure).
/// </summary>
public class ClusterIdentityRoleTests
{
    private static readonly string[] Required = ClusterIdentityRoleCheck.RequiredActions;

    [Fact]
    public void Roles_allow_actions_through_wildcards_and_notActions_subtract()
    {
        Assert.Empty(ClusterIdentityRoleCheck.Missing([new RolePermissions("Network Contributor", ["Microsoft.Network/*"], [])], Required));
        Assert.Empty(ClusterIdentityRoleCheck.Missing([new RolePermissions("Owner", ["*"], [])], Required));
        Assert.Empty(ClusterIdentityRoleCheck.Missing([new RolePermissions("custom", ["microsoft.network/publicipaddresses/read", "Microsoft.Network/publicIPAddresses/*/action"], [])], Required));
        // Two roles together cover both actions.
        Assert.Empty(ClusterIdentityRoleCheck.Missing([new RolePermissions("a", ["Microsoft.Network/publicIPAddresses/read"], []), new RolePermissions("b", ["Microsoft.Network/publicIPAddresses/join/action"], [])], Required));
        Assert.Equal(["Microsoft.Network/publicIPAddresses/join/action"], ClusterIdentityRoleCheck.Missing([new RolePermissions("Reader", ["*/read"], [])], Required));
        Assert.Equal(["Microsoft.Network/publicIPAddresses/join/action"], ClusterIdentityRoleCheck.Missing([new RolePermissions("x", ["Microsoft.Network/*"], ["Microsoft.Network/publicIPAddresses/join/action"])], Required));
        Assert.Equal(Required, ClusterIdentityRoleCheck.Missing([], Required));
        Assert.Equal(Required, ClusterIdentityRoleCheck.Missing([new RolePermissions("Storage", ["Microsoft.Storage/*"], [])], Required));
    }

    [Fact]
    public void The_cluster_identity_is_the_system_assigned_or_the_user_assigned_control_plane_identity()
    {
        Assert.Equal(("p-sys", "system-assigned identity"), ClusterIdentityRoleCheck.IdentityOf(JsonNode.Parse("""{"identity":{"type":"SystemAssigned","principalId":"p-sys","tenantId":"t"}}""")!.AsObject()));
        var (uai, kind) = ClusterIdentityRoleCheck.IdentityOf(JsonNode.Parse("""{"identity":{"type":"UserAssigned","userAssignedIdentities":{"/subscriptions/s/resourceGroups/ids/providers/Microsoft.ManagedIdentity/userAssignedIdentities/cp":{"principalId":"p-uai","clientId":"c"}}}}""")!.AsObject());
        Assert.Equal("p-uai", uai);
        Assert.Contains("'cp'", kind);
        var (sp, spKind) = ClusterIdentityRoleCheck.IdentityOf(JsonNode.Parse("""{"properties":{"servicePrincipalProfile":{"clientId":"app-1"}}}""")!.AsObject());
        Assert.Null(sp);
        Assert.Contains("service principal (client id app-1)", spKind);
    }

    private static async Task<(ConnectedEngine F, string IpId)> ForeignIp(string rg = "noperm-rg")
    {
        var f = await ConnectedEngine.StartAsync();
        f.Emu.World.AddPublicIp(rg, "foreign");
        return (f, f.Emu.World.GetPublicIpId(rg, "foreign"));
    }

    /// <summary>Set-AksOutboundIp, approved (the result is there).</summary>
    private static async Task<OutboundIpAssignment> Set(ConnectedEngine f, string id, RecordingContext ctx)
    {
        var r = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = [id] }, ctx);
        Assert.NotNull(r);
        return r;
    }

    [Fact]
    public async Task An_ip_the_cluster_identity_has_no_role_on_warns_with_the_exact_grant_and_the_change_is_applied()
    {
        var (f, id) = await ForeignIp();
        await using var _ = f;
        var principal = f.Emu.World.GetClusterPrincipalId("standard-lb");
        var ctx = new RecordingContext();
        var r = await Set(f, id, ctx);
        Assert.Equal("Updated", r.Action);   // Azure accepts it: the caller may join the IP
        var w = Assert.Single(ctx.Warnings);
        Assert.Contains($"principal id {principal}", w);
        Assert.Contains("Microsoft.Network/publicIPAddresses/read and Microsoft.Network/publicIPAddresses/join/action", w);
        Assert.Contains($"New-AzRoleAssignment -ObjectId {principal} -RoleDefinitionName 'Network Contributor' -Scope /subscriptions/{f.Sub}/resourceGroups/noperm-rg", w);
        // The check ran before the PUT.
        var reqs = f.Emu.Requests.Entries.ToList();
        Assert.True(reqs.FindIndex(e => e.PathAndQuery.Contains("Microsoft.Authorization/roleAssignments", StringComparison.OrdinalIgnoreCase)) < reqs.FindIndex(e => e.Method == "PUT"));
    }

    [Fact]
    public async Task Network_contributor_or_a_custom_role_with_the_actions_gives_no_warning()
    {
        var (f, id) = await ForeignIp("egress-rg");   // the cluster identity is Network Contributor there
        await using var _ = f;
        var ctx = new RecordingContext();
        Assert.Equal("Updated", (await Set(f, id, ctx)).Action);
        Assert.Empty(ctx.Warnings);

        f.Emu.World.AddPublicIp("noperm-rg", "custom");
        f.Emu.World.AddCustomRole("pip user", ["Microsoft.Network/publicIPAddresses/read", "Microsoft.Network/publicIPAddresses/join/action"]);
        f.Emu.World.AssignRole(f.Emu.World.GetClusterPrincipalId("standard-lb"), f.Emu.World.GetPublicIpId("noperm-rg", "custom"), "pip user");
        ctx = new RecordingContext();
        Assert.Equal("Updated", (await Set(f, f.Emu.World.GetPublicIpId("noperm-rg", "custom"), ctx)).Action);
        Assert.Empty(ctx.Warnings);
    }

    [Fact]
    public async Task A_caller_who_may_not_read_role_assignments_gets_a_check_skipped_warning_and_the_change_still_applies()
    {
        var (f, id) = await ForeignIp();
        await using var _ = f;
        var w0 = f.Emu.World;
        // The caller may change the cluster and join the IP, but not read role assignments there.
        w0.RemoveRoleAssignments(w0.CallerObjectId);
        w0.AssignRole(w0.CallerObjectId, $"/subscriptions/{f.Sub}/resourceGroups/demo-rg", "Contributor", "User");
        w0.AssignRole(w0.CallerObjectId, $"/subscriptions/{f.Sub}/resourceGroups/{w0.GetNodeResourceGroup("standard-lb")}", "Contributor", "User");
        w0.AddCustomRole("joiner", ["Microsoft.Network/publicIPAddresses/join/action"]);
        w0.AssignRole(w0.CallerObjectId, $"/subscriptions/{f.Sub}/resourceGroups/noperm-rg", "joiner", "User");
        var ctx = new RecordingContext();
        var r = await Set(f, id, ctx);
        Assert.Equal("Updated", r.Action);
        var w = Assert.Single(ctx.Warnings);
        Assert.Contains("was skipped", w);
        Assert.Contains("Microsoft.Authorization/roleAssignments/read", w);
        Assert.Equal([w0.GetPublicIpAddress("noperm-rg", "foreign")!], w0.GetExpectedEgressAddresses("standard-lb").ToArray());
    }

    [Fact]
    public async Task A_caller_who_may_not_join_the_ip_gets_LinkedAuthorizationFailed_naming_the_caller_not_the_cluster_identity()
    {
        var (f, id) = await ForeignIp();
        await using var _ = f;
        var w0 = f.Emu.World;
        w0.RemoveRoleAssignments(w0.CallerObjectId);
        w0.AssignRole(w0.CallerObjectId, $"/subscriptions/{f.Sub}/resourceGroups/demo-rg", "Contributor", "User");
        w0.AssignRole(w0.CallerObjectId, $"/subscriptions/{f.Sub}/resourceGroups/{w0.GetNodeResourceGroup("standard-lb")}", "Contributor", "User");
        w0.GrantNetworkContributor("standard-lb", "noperm-rg");   // the cluster identity's rights are fine: not the point
        var before = w0.GetExpectedEgressAddresses("standard-lb").ToArray();
        var e = await Assert.ThrowsAsync<AksEgressException>(() => Set(f, id, new RecordingContext()));
        Assert.Equal(ErrorIds.LinkedAuthorizationFailed, e.ErrorId);
        Assert.Equal(EgressErrorCategory.PermissionDenied, e.Category);
        Assert.Contains($"the caller '{w0.CallerName}' (object id {w0.CallerObjectId})", e.Message);
        Assert.Contains($"'Microsoft.Network/publicIPAddresses/join/action' on '{id}'", e.Message);
        Assert.Contains($"New-AzRoleAssignment -ObjectId {w0.CallerObjectId} -RoleDefinitionName 'Network Contributor' -Scope {id}", e.RecommendedAction);
        Assert.DoesNotContain(w0.GetClusterPrincipalId("standard-lb"), e.RecommendedAction);
        Assert.Equal(before, w0.GetExpectedEgressAddresses("standard-lb").ToArray());
    }
}
