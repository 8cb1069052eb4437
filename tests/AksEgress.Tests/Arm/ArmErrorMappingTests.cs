using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using AksEgress.Engine;
using AksEgress.Engine.Arm;
using Xunit;

namespace AksEgress.Tests.Arm;

public class ArmErrorMappingTests
{
    private static readonly ErrorScope IpScope = new(ArmTargetKind.PublicIp, "egress-rg/x") { ResourceGroupName = "egress-rg" };

    [Fact]
    public void Resource_group_not_found_wins_over_target_kind()
    {
        var e = ArmErrorMapper.Map(404, "ResourceGroupNotFound", "Resource group 'nope' could not be found.", IpScope);
        Assert.Equal(ErrorIds.ResourceGroupNotFound, e.ErrorId);
        Assert.Equal(EgressErrorCategory.ObjectNotFound, e.Category);
        Assert.Equal(404, e.HttpStatus);
        Assert.Equal("ResourceGroupNotFound", e.RemoteCode);
    }

    [Fact]
    public void Not_found_maps_by_target_kind()
    {
        const string msg = "The Resource 'Microsoft.ContainerService/managedClusters/kubeps6495' under resource group 'rgps2683' was not found.";
        Assert.Equal(ErrorIds.ClusterNotFound, ArmErrorMapper.Map(404, "ResourceNotFound", msg, new ErrorScope(ArmTargetKind.Cluster, "rg/c")).ErrorId);
        Assert.Equal(ErrorIds.PublicIpNotFound, ArmErrorMapper.Map(404, "ResourceNotFound", msg, IpScope).ErrorId);
    }

    [Fact]
    public void Authorization_failed_names_action_scope_and_role()
    {
        var e = ArmErrorMapper.Map(403, "AuthorizationFailed",
            "The client 'u@x.com' with object id '4bc84fd5-6d28-415b-b40e-ba1466c05f40' does not have authorization to perform action 'Microsoft.Network/publicIPAddresses/write' over scope '/subscriptions/dff2ec18-6a8e-405c-8e45-b7df7465acf0/resourceGroups/prod-public-ips/providers/Microsoft.Network/publicIPAddresses/x' or the scope is invalid.", IpScope);
        Assert.Equal(ErrorIds.AuthorizationFailed, e.ErrorId);
        Assert.Equal(EgressErrorCategory.PermissionDenied, e.Category);
        Assert.Contains("Microsoft.Network/publicIPAddresses/write", e.Message);
        Assert.Contains("Network Contributor", e.RecommendedAction);
    }

    [Fact]
    public void Deny_assignment_becomes_node_resource_group_locked_with_the_fix()
    {
        var e = ArmErrorMapper.Map(403, "DenyAssignmentAuthorizationFailed", "... deny assignment ... nrg-lockdown", new ErrorScope(ArmTargetKind.PublicIp, "MC_rg_c_eastus/x") { ResourceGroupName = "MC_rg_c_eastus" });
        Assert.Equal(ErrorIds.NodeResourceGroupLocked, e.ErrorId);
        Assert.Contains("MC_rg_c_eastus", e.Message);
        Assert.Contains("-ResourceGroupName egress-rg", e.RecommendedAction);
    }

    private const string Ip1 = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/noperm-rg/providers/Microsoft.Network/publicIPAddresses/ip1";
    private const string Mi1 = "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/ids/providers/Microsoft.ManagedIdentity/userAssignedIdentities/control-plane";
    private const string ClusterId = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/standard-lb";

    [Fact]
    public void Linked_authorization_failed_is_about_the_caller_naming_caller_action_and_scope()
    {
        var e = ArmErrorMapper.Map(403, "LinkedAuthorizationFailed",
            $"The client 'alice@contoso.com' with object id '5b1f6f3e-0000-4000-8000-000000000001' has permission to perform action 'Microsoft.ContainerService/managedClusters/write' on scope '{ClusterId}'; however, it does not have permission to perform action 'Microsoft.Network/publicIPAddresses/join/action' on the linked scope(s) '{Ip1}' or the linked scope(s) are invalid.",
            new ErrorScope(ArmTargetKind.Cluster, ClusterId) { ClusterName = "standard-lb" });
        Assert.Equal(ErrorIds.LinkedAuthorizationFailed, e.ErrorId);
        Assert.Equal(EgressErrorCategory.PermissionDenied, e.Category);
        Assert.Equal(ClusterId, e.TargetObject);
        Assert.Contains("the caller 'alice@contoso.com' (object id 5b1f6f3e-0000-4000-8000-000000000001)", e.Message);
        Assert.Contains($"lacks 'Microsoft.Network/publicIPAddresses/join/action' on '{Ip1}'", e.Message);
        Assert.Contains("the cluster identity's rights play no part", e.Message);
        Assert.Contains($"New-AzRoleAssignment -ObjectId 5b1f6f3e-0000-4000-8000-000000000001 -RoleDefinitionName 'Network Contributor' -Scope {Ip1}", e.RecommendedAction);
        Assert.Contains("az role assignment create --assignee-object-id 5b1f6f3e-0000-4000-8000-000000000001", e.RecommendedAction);
        Assert.Contains("YOUR identity (the caller, not the cluster identity)", e.RecommendedAction);
        Assert.Contains("custom role with Microsoft.Network/publicIPAddresses/join/action", e.RecommendedAction);
    }

    [Fact]
    public void Linked_authorization_with_several_actions_pairs_them_with_their_scopes_and_roles()
    {
        var e = ArmErrorMapper.Map(403, "LinkedAuthorizationFailed",
            $"The client 'ci-deployer' with object id 'aaaa' has permission to perform action 'Microsoft.ContainerService/managedClusters/write' on scope '{ClusterId}'; however, it does not have permission to perform action(s) 'Microsoft.Network/publicIPAddresses/join/action,Microsoft.ManagedIdentity/userAssignedIdentities/assign/action' on the linked scope(s) '{Ip1},{Mi1}' (respectively) or the linked scope(s) are invalid.",
            new ErrorScope(ArmTargetKind.Cluster, ClusterId) { ClusterName = "standard-lb" });
        Assert.Contains($"'Microsoft.Network/publicIPAddresses/join/action' on '{Ip1}'; 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action' on '{Mi1}'", e.Message);
        Assert.Contains($"-RoleDefinitionName 'Network Contributor' -Scope {Ip1}", e.RecommendedAction);
        Assert.Contains($"-RoleDefinitionName 'Managed Identity Operator' -Scope {Mi1}", e.RecommendedAction);
    }

    [Theory]
    // Shapes ARM really sends (public issue threads): one action over a comma-separated list of scopes; "action(s)" with "(respectively)".
    [InlineData("The client 'x' with object id 'y' has permission to perform action 'Microsoft.Compute/virtualMachines/write' on scope '/s/vm'; however, it does not have permission to perform action 'Microsoft.ManagedIdentity/userAssignedIdentities/assign/action' on the linked scope(s) '/s/id1,/s/id2' or the linked scope(s) are invalid.",
        "x", "y", "Microsoft.ManagedIdentity/userAssignedIdentities/assign/action|/s/id1;Microsoft.ManagedIdentity/userAssignedIdentities/assign/action|/s/id2")]
    [InlineData("The client '3629b252' with object id '3629b252' has permission to perform action 'Microsoft.Compute/virtualMachineScaleSets/virtualMachines/write' on scope '/s/vmss/0'; however, it does not have permission to perform action(s) 'Microsoft.Network/virtualNetworks/subnets/join/action' on the linked scope(s) '/s/subnet' (respectively) or the linked scope(s) are invalid.",
        "3629b252", "3629b252", "Microsoft.Network/virtualNetworks/subnets/join/action|/s/subnet")]
    [InlineData("The client has permission to perform action 'Microsoft.Network/virtualNetworks/write' on scope '/s/vnet', however the current tenant 't1' is not authorized to access linked subscription 'sub2'.",
        null, null, "")]
    public void Linked_authorization_messages_parse(string message, string? name, string? oid, string pairs)
    {
        var p = LinkedAuthorization.Parse(message);
        Assert.Equal(name, p.ClientName);
        Assert.Equal(oid, p.ObjectId);
        Assert.Equal(pairs, string.Join(";", p.Denials.Select(d => $"{d.Action}|{d.Scope}")));
        if (p.Denials.Count == 0) { Assert.Equal("t1", p.Tenant); Assert.Equal("sub2", p.LinkedSubscription); }
        else Assert.StartsWith("Microsoft.Compute/", p.WriteAction);
    }

    [Fact]
    public void Cross_tenant_linked_authorization_says_so_instead_of_asking_for_a_role()
    {
        var e = ArmErrorMapper.Map(403, "LinkedAuthorizationFailed",
            "The client has permission to perform action 'Microsoft.ContainerService/managedClusters/write' on scope '/s/c', however the current tenant 't1' is not authorized to access linked subscription 'sub2'.",
            new ErrorScope(ArmTargetKind.Cluster, "/s/c") { ClusterName = "c" });
        Assert.Equal(ErrorIds.LinkedAuthorizationFailed, e.ErrorId);
        Assert.Contains("subscription 'sub2'", e.Message);
        Assert.DoesNotContain("New-AzRoleAssignment", e.RecommendedAction);
    }

    [Theory]
    [InlineData(400, "PublicIPCountLimitReached", ErrorIds.PublicIpQuotaExceeded, EgressErrorCategory.QuotaExceeded)]
    [InlineData(400, "StaticPublicIPCountLimitReached", ErrorIds.PublicIpQuotaExceeded, EgressErrorCategory.QuotaExceeded)]
    [InlineData(400, "InvalidResourceName", ErrorIds.InvalidPublicIpName, EgressErrorCategory.InvalidArgument)]
    [InlineData(409, "OperationNotAllowed", ErrorIds.ConflictingOperation, EgressErrorCategory.ResourceBusy)]
    [InlineData(429, "SubscriptionRequestsThrottled", ErrorIds.ArmThrottled, EgressErrorCategory.LimitsExceeded)]
    [InlineData(401, "InvalidAuthenticationToken", ErrorIds.AuthenticationFailed, EgressErrorCategory.AuthenticationError)]
    [InlineData(400, "PublicIPAddressCannotBeDeleted", ErrorIds.PublicIpInUse, EgressErrorCategory.InvalidOperation)]
    [InlineData(500, "InternalServerError", ErrorIds.ArmRequestFailed, EgressErrorCategory.ResourceUnavailable)]
    public void Codes_map_to_error_ids(int status, string code, string id, EgressErrorCategory category)
    {
        var e = ArmErrorMapper.Map(status, code, "msg", IpScope);
        Assert.Equal(id, e.ErrorId);
        Assert.Equal(category, e.Category);
        Assert.Equal(status, e.HttpStatus);
        Assert.Equal(code, e.RemoteCode);
        Assert.Equal("egress-rg/x", e.TargetObject);
        Assert.False(string.IsNullOrEmpty(e.RecommendedAction));
    }

    [Fact]
    public void Nested_details_surface_the_innermost_code_and_message_with_the_outer_words_as_context()
    {
        const string body = """{"error":{"code":"DeploymentFailed","message":"At least one resource deployment operation failed.","details":[{"code":"Conflict","message":"{}","details":[{"code":"PublicIPCountLimitReached","message":"Cannot create more than 10 public IP addresses for this subscription in this region.","details":[]}]}]}}""";
        var e = ArmErrorMapper.MapBody(400, body, IpScope);
        Assert.Equal(ErrorIds.PublicIpQuotaExceeded, e.ErrorId);
        Assert.Equal("PublicIPCountLimitReached", e.RemoteCode);
        Assert.Contains("Cannot create more than 10", e.Message);
        Assert.Contains("DeploymentFailed", e.Message);
    }

    [Fact]
    public void A_deny_assignment_that_is_not_the_lockdown_names_itself_and_gives_no_lockdown_advice()
    {
        var e = ArmErrorMapper.Map(403, "DenyAssignmentAuthorizationFailed",
            "The client 'u' with object id 'o' has permission to perform action 'Microsoft.Network/publicIPAddresses/write' on scope '/s'; however, the access is denied because of the deny assignment with name 'Blueprint lock' and Id 'abc' at scope '/subscriptions/1/resourceGroups/net'.",
            new ErrorScope(ArmTargetKind.PublicIp, "net/x") { ResourceGroupName = "net" });
        Assert.Equal(ErrorIds.DenyAssignmentAuthorizationFailed, e.ErrorId);
        Assert.Contains("'Blueprint lock'", e.Message);
        Assert.DoesNotContain("locked down", e.Message);
        Assert.DoesNotContain("-ResourceGroupName", e.RecommendedAction);
    }

    [Fact]
    public void Error_envelope_is_parsed_and_tokens_in_messages_are_redacted()
    {
        var (code, msg) = ArmErrorMapper.ParseError("""{"error":{"code":"X","message":"bad Bearer eyJabc.def.ghi","details":[]}}""");
        Assert.Equal("X", code);
        var e = ArmErrorMapper.Map(400, code, msg, IpScope);
        Assert.DoesNotContain("eyJabc", e.Message);
    }
}
