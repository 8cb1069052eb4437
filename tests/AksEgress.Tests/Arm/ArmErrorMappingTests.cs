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

    [Fact]
    public void Linked_authorization_failed_names_the_cluster_identity_and_role_assignment()
    {
        var e = ArmErrorMapper.Map(403, "LinkedAuthorizationFailed",
            "The client 'x' with object id 'y' has permission to perform action 'Microsoft.ContainerService/managedClusters/write' on scope 'z'; however, it does not have permission to perform action 'Microsoft.Network/publicIPAddresses/join/action' on the linked scope(s) '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/noperm-rg/providers/Microsoft.Network/publicIPAddresses/ip1' or the linked scope(s) are invalid.",
            new ErrorScope(ArmTargetKind.Cluster, "cid") { ClusterName = "standard-lb", ClusterPrincipalId = "aaaa-principal" });
        Assert.Equal(ErrorIds.LinkedAuthorizationFailed, e.ErrorId);
        Assert.Contains("aaaa-principal", e.Message);
        Assert.Contains("New-AzRoleAssignment -ObjectId aaaa-principal -RoleDefinitionName 'Network Contributor' -Scope /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/noperm-rg", e.RecommendedAction);
        Assert.Contains("az role assignment create", e.RecommendedAction);
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
