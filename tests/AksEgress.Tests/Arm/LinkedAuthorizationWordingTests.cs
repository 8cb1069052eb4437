using AksEgress.Engine.Arm;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>
/// LinkedAuthorizationFailed as ARM words it (the shapes in LinkedAuthorization's summary): who the caller is, which linked
/// action on which scope, the role that grants it, and the advice when ARM names less than that.
/// </summary>
public class LinkedAuthorizationWordingTests
{
    private const string Ip1 = "/subscriptions/s/resourceGroups/ips/providers/Microsoft.Network/publicIPAddresses/ip1";
    private const string Ip2 = "/subscriptions/s/resourceGroups/ips/providers/Microsoft.Network/publicIPAddresses/ip2";
    private const string Workspace = "/subscriptions/s/resourceGroups/logs/providers/Microsoft.OperationalInsights/workspaces/w1";

    [Theory]
    [InlineData("Microsoft.Network/publicIPAddresses/join/action", "Network Contributor")]
    [InlineData("join/action", "Network Contributor")]
    [InlineData("Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", "Managed Identity Operator")]
    [InlineData("Microsoft.OperationalInsights/workspaces/sharedKeys/action", "Log Analytics Contributor")]
    [InlineData("Microsoft.Compute/diskEncryptionSets/read", null)]
    public void Each_linked_action_maps_to_the_built_in_role_that_grants_it(string action, string? role) =>
        Assert.Equal(role, LinkedAuthorization.RoleFor(action));

    [Theory]
    [InlineData("The client 'alice@contoso.com' with object id 'o1' has permission", "'alice@contoso.com' (object id o1)")]
    [InlineData("The client 'o1' with object id 'o1' has permission", "object id o1")]
    [InlineData("The client '' with object id 'o1' has permission", "object id o1")]
    [InlineData("The client with object id 'o2' has permission", "object id o2")]
    [InlineData("The client 'ci-deployer' with object id '' has permission", "'ci-deployer'")]
    [InlineData("Linked authorization failed.", "(ARM did not name it)")]
    public void The_caller_is_named_by_what_arm_gives(string message, string caller) =>
        Assert.Equal(caller, LinkedAuthorization.Parse(message).Caller);

    [Fact]
    public void Scopes_and_actions_are_trimmed_and_empty_entries_dropped()
    {
        var p = LinkedAuthorization.Parse($"however, it does not have permission to perform action 'Microsoft.Network/publicIPAddresses/join/action' on the linked scope(s) ' {Ip1} ,, {Ip2} ' or the linked scope(s) are invalid.");
        Assert.Equal([new LinkedDenial("Microsoft.Network/publicIPAddresses/join/action", Ip1), new LinkedDenial("Microsoft.Network/publicIPAddresses/join/action", Ip2)], p.Denials);
    }

    [Fact]
    public void A_blank_action_list_is_reported_as_not_named()
    {
        var p = LinkedAuthorization.Parse($"it does not have permission to perform action ' , ' on the linked scope(s) '{Ip1}'");
        Assert.Equal([new LinkedDenial("(not named)", Ip1)], p.Denials);
    }

    [Fact]
    public void Nothing_named_gives_the_general_words_and_a_network_contributor_template()
    {
        var p = LinkedAuthorization.Parse("LinkedAuthorizationFailed");
        Assert.Null(p.WriteAction);
        Assert.Null(p.WriteScope);
        Assert.Null(p.Tenant);
        Assert.Null(p.LinkedSubscription);
        var (message, action) = p.Describe("c1", "LinkedAuthorizationFailed");
        Assert.Equal("You are not allowed to link what the update of cluster 'c1' refers to: the caller (ARM did not name it) lacks an action on a resource the update links to (not named in the error). " +
                     "ARM checks the signed-in caller's own rights on every resource a request links to (the cluster identity's rights play no part in this error). ARM said: LinkedAuthorizationFailed", message);
        Assert.Equal("Ask an owner of the linked resource to grant YOUR identity (the caller, not the cluster identity) the missing action there: " +
                     "New-AzRoleAssignment -ObjectId <your object id> -RoleDefinitionName 'Network Contributor' -Scope <the linked resource or its resource group>. " +
                     "Then sign in again (a new token carries the new rights) and run the command again.", action);
    }

    [Fact]
    public void The_write_the_caller_may_do_is_named_with_its_scope()
    {
        var p = LinkedAuthorization.Parse($"The client 'u' with object id 'o' has permission to perform action 'Microsoft.ContainerService/managedClusters/write' on scope '/subscriptions/s/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/c1'; however, it does not have permission to perform action 'Microsoft.Network/publicIPAddresses/join/action' on the linked scope(s) '{Ip1}' or the linked scope(s) are invalid.");
        Assert.Equal("Microsoft.ContainerService/managedClusters/write", p.WriteAction);
        Assert.Equal("/subscriptions/s/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/c1", p.WriteScope);
        Assert.Contains("the caller 'u' (object id o) may perform 'Microsoft.ContainerService/managedClusters/write' but lacks 'Microsoft.Network/publicIPAddresses/join/action' on '" + Ip1 + "'.", p.Describe("c1", "m").Message);
    }

    [Fact]
    public void An_action_without_a_built_in_role_asks_for_a_role_that_has_it()
    {
        var p = LinkedAuthorization.Parse($"The client with object id 'o9' has permission to perform action 'w' on scope 'x'; however, it does not have permission to perform action 'Microsoft.Compute/diskEncryptionSets/read' on the linked scope(s) '/subscriptions/s/resourceGroups/k/providers/Microsoft.Compute/diskEncryptionSets/d1' or the linked scope(s) are invalid.");
        var (_, action) = p.Describe("c1", "m");
        Assert.Equal("Ask an owner of the linked resource to grant YOUR identity (the caller, not the cluster identity) Microsoft.Compute/diskEncryptionSets/read there: " +
                     "New-AzRoleAssignment -ObjectId o9 -RoleDefinitionName '<a role with Microsoft.Compute/diskEncryptionSets/read>' -Scope /subscriptions/s/resourceGroups/k/providers/Microsoft.Compute/diskEncryptionSets/d1 " +
                     "(or: az role assignment create --assignee-object-id o9 --role '<role>' --scope /subscriptions/s/resourceGroups/k/providers/Microsoft.Compute/diskEncryptionSets/d1), " +
                     "or a custom role with Microsoft.Compute/diskEncryptionSets/read at that scope or its resource group. Then sign in again (a new token carries the new rights) and run the command again.", action);
    }

    [Fact]
    public void The_same_action_on_several_scopes_is_listed_once_and_granted_per_scope()
    {
        var p = LinkedAuthorization.Parse($"The client with object id 'o' has permission to perform action 'w' on scope 'x'; however, it does not have permission to perform action(s) 'Microsoft.Network/publicIPAddresses/join/action,Microsoft.OperationalInsights/workspaces/sharedKeys/action' on the linked scope(s) '{Ip1},{Workspace}' (respectively) or the linked scope(s) are invalid.");
        var (message, action) = p.Describe("c1", "m");
        Assert.Contains($"lacks 'Microsoft.Network/publicIPAddresses/join/action' on '{Ip1}'; 'Microsoft.OperationalInsights/workspaces/sharedKeys/action' on '{Workspace}'.", message);
        Assert.Contains("grant YOUR identity (the caller, not the cluster identity) Microsoft.Network/publicIPAddresses/join/action, Microsoft.OperationalInsights/workspaces/sharedKeys/action there: ", action);
        Assert.Contains($"-RoleDefinitionName 'Network Contributor' -Scope {Ip1} (or: az role assignment create --assignee-object-id o --role 'Network Contributor' --scope {Ip1}); New-AzRoleAssignment", action);
        Assert.Contains($"-RoleDefinitionName 'Log Analytics Contributor' -Scope {Workspace}", action);
    }

    [Fact]
    public void The_cross_tenant_form_names_tenant_and_subscription()
    {
        const string msg = "The client has permission to perform action 'Microsoft.ContainerService/managedClusters/write' on scope 'x', however the current tenant 't-1' is not authorized to access linked subscription 'sub-9'.";
        var p = LinkedAuthorization.Parse(msg);
        Assert.Equal("t-1", p.Tenant);
        Assert.Equal("sub-9", p.LinkedSubscription);
        var (message, action) = p.Describe("c1", msg);
        Assert.Equal($"ARM refused the update of cluster 'c1': it links to a resource in subscription 'sub-9', which the tenant you signed in to ('t-1') may not access. ARM said: {msg}", message);
        Assert.Equal("Use a resource in a subscription of your tenant, or sign in to the tenant that owns subscription 'sub-9' (a subscription moved or registered minutes ago can need a few minutes), then run the command again.", action);
    }
}
