using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json.Nodes;
using AksEgress.Engine;
using AksEgress.Engine.Arm;
using Azure;
using Azure.Identity;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>
/// The words of each mapped ARM failure (ErrorId, category, target, message and the recommended action a user reads), for
/// the error bodies ARM documents (ErrorResponse envelope, bare {code,message}, details[], additionalInfo PolicyViolation)
/// and the failures without a response.
/// </summary>
public class ArmErrorMessageTests
{
    private static readonly ErrorScope Cluster = new(ArmTargetKind.Cluster, "rg1/c1") { ClusterName = "c1", ResourceGroupName = "rg1" };
    private static readonly ErrorScope Ip = new(ArmTargetKind.PublicIp, "egress-rg/ip1") { ResourceGroupName = "egress-rg" };
    private static readonly ErrorScope Group = new(ArmTargetKind.ResourceGroup, "egress-rg");
    private static readonly ErrorScope Other = new(ArmTargetKind.Other, "/subscriptions/s/providers/x");
    private const string Sub = "0b1f6471-1bf0-4dda-aec3-cb9272f09590";

    [Fact]
    public void Error_object_comes_from_the_envelope_or_a_bare_body()
    {
        Assert.Equal("InEnvelope", (string?)ArmErrorMapper.ErrorObject("""{"error":{"code":"InEnvelope"}}""")!["code"]);
        Assert.Equal("Bare", (string?)ArmErrorMapper.ErrorObject("""{"code":"Bare","message":"m"}""")!["code"]);
        Assert.Null(ArmErrorMapper.ErrorObject("  "));
        Assert.Null(ArmErrorMapper.ErrorObject("<html>502 Bad Gateway</html>"));
    }

    [Fact]
    public void Parse_error_reads_code_and_message_of_an_envelope_or_a_bare_body()
    {
        Assert.Equal(("C1", "M1"), ArmErrorMapper.ParseError("""{"error":{"code":"C1","message":"M1"}}"""));
        Assert.Equal(("C2", "M2"), ArmErrorMapper.ParseError("""{"code":"C2","message":"M2"}"""));
        Assert.Equal((null, null), ArmErrorMapper.ParseError(""));
    }

    [Fact]
    public void A_body_that_is_not_json_becomes_the_message_cut_at_500_characters()
    {
        Assert.Equal((null, "upstream timed out"), ArmErrorMapper.ParseError("upstream timed out"));
        var longBody = "<html>" + new string('z', 700);
        var (code, msg) = ArmErrorMapper.ParseError(longBody);
        Assert.Null(code);
        Assert.Equal(longBody[..500], msg);
    }

    [Fact]
    public void Node_resource_group_lockdown_words_with_and_without_the_cluster()
    {
        Assert.Equal("The node resource group 'MC_rg_c_eastus' of cluster 'c' is locked down (restrictionLevel ReadOnly): " +
                     "AKS puts a deny assignment on it, so nobody (not even an Owner) can create or change resources there.",
            ArmErrorMapper.NodeRgLockedMessage("MC_rg_c_eastus", "c"));
        Assert.StartsWith("The node resource group 'MC_rg_c_eastus' is locked down", ArmErrorMapper.NodeRgLockedMessage("MC_rg_c_eastus", null));
        Assert.Equal("Create the IP in a resource group you own and pass it with -ResourceGroupName, e.g. Set-AksOutboundIp -ResourceGroupName egress-rg " +
                     "(give the cluster identity Network Contributor on that group).", ArmErrorMapper.NodeRgLockedActionFor("Set-AksOutboundIp"));
        Assert.Contains("New-AksEgressIp -ResourceGroupName egress-rg", ArmErrorMapper.NodeRgLockedAction);
    }

    [Fact]
    public void An_error_object_without_details_keeps_its_own_words()
    {
        var error = new JsonObject { ["code"] = "InternalServerError", ["message"] = "Something went wrong." };
        var e = ArmErrorMapper.Map(500, "InternalServerError", "Something went wrong.", Other, error: error);
        Assert.Equal("ARM request for '/subscriptions/s/providers/x' failed with HTTP 500: InternalServerError: Something went wrong.", e.Message);
    }

    [Fact]
    public void Map_body_maps_the_innermost_detail()
    {
        var e = ArmErrorMapper.MapBody(409, """{"error":{"code":"Conflict","message":"outer","details":[{"code":"ScopeLocked","message":"The scope 'x' cannot perform write operation because following scope(s) are locked: '/subscriptions/s/resourceGroups/egress-rg'."}]}}""", Ip);
        Assert.Equal(ErrorIds.ScopeLocked, e.ErrorId);
        Assert.EndsWith("(reported inside Conflict: outer)", e.Message);
    }

    [Fact]
    public void Remote_words_drop_a_missing_code_or_message()
    {
        Assert.Equal("ARM request for '/subscriptions/s/providers/x' failed with HTTP 400: only a message", ArmErrorMapper.Map(400, null, "only a message", Other).Message);
        Assert.Equal("ARM request for '/subscriptions/s/providers/x' failed with HTTP 400: OnlyACode", ArmErrorMapper.Map(400, "OnlyACode", null, Other).Message);
    }

    [Fact]
    public void Resource_group_not_found_says_what_to_check()
    {
        var e = ArmErrorMapper.Map(404, "ResourceGroupNotFound", "Resource group 'nope' could not be found.", Cluster);
        Assert.Equal("Resource group not found: Resource group 'nope' could not be found.", e.Message);
        Assert.Equal("rg1/c1", e.TargetObject);
        Assert.Contains("Connect-AksEgress -SubscriptionId", e.RecommendedAction);
    }

    [Fact]
    public void Subscription_not_found_names_the_subscription_and_how_to_reach_it()
    {
        var e = ArmErrorMapper.Map(404, "SubscriptionNotFound", $"The subscription '{Sub}' could not be found.", Cluster);
        Assert.Equal(ErrorIds.SubscriptionNotFound, e.ErrorId);
        Assert.Equal(EgressErrorCategory.ObjectNotFound, e.Category);
        Assert.Equal($"The subscription '{Sub}' (of 'rg1/c1') does not exist, or the identity of this session cannot see it. ARM said: SubscriptionNotFound: The subscription '{Sub}' could not be found.", e.Message);
        Assert.Contains($"Connect-AksEgress -SubscriptionId {Sub} (add -TenantId when it belongs to another tenant)", e.RecommendedAction);
        Assert.Contains($"Set-AzContext -Subscription {Sub} when AksEgress follows your Az context", e.RecommendedAction);
        Assert.Contains("Get-AzSubscription (or az account list)", e.RecommendedAction);
    }

    [Fact]
    public void Invalid_subscription_id_is_subscription_not_found_even_without_a_named_subscription()
    {
        var e = ArmErrorMapper.Map(400, "InvalidSubscriptionId", "The provided subscription identifier is malformed or invalid.", Cluster);
        Assert.Equal(ErrorIds.SubscriptionNotFound, e.ErrorId);
        Assert.StartsWith("The subscription of 'rg1/c1' does not exist", e.Message);
        Assert.Contains("Connect-AksEgress -SubscriptionId <id>", e.RecommendedAction);
        Assert.Contains("Set-AzContext -Subscription <id>", e.RecommendedAction);
    }

    [Fact]
    public void A_subscription_code_with_an_unexpected_status_is_not_subscription_not_found()
    {
        Assert.Equal(ErrorIds.ArmRequestFailed, ArmErrorMapper.Map(400, "SubscriptionNotFound", "x", Other).ErrorId);
        Assert.Equal(ErrorIds.ArmRequestFailed, ArmErrorMapper.Map(404, "InvalidSubscriptionId", "x", Other).ErrorId);
        Assert.Equal(ErrorIds.ArmRequestFailed, ArmErrorMapper.Map(400, "ResourceGroupNotFound", "x", Other).ErrorId);
    }

    [Fact]
    public void Not_found_words_per_target_kind()
    {
        var c = ArmErrorMapper.Map(404, "ResourceNotFound", "The Resource was not found.", Cluster);
        Assert.Equal("AKS cluster 'rg1/c1' was not found. The Resource was not found.", c.Message);
        Assert.Contains("Get-AksNodeResourceGroup lists the clusters you can see", c.RecommendedAction);
        Assert.Equal("AKS cluster 'rg1/c1' was not found.", ArmErrorMapper.Map(404, null, null, Cluster).Message);
        var p = ArmErrorMapper.Map(404, "ResourceNotFound", "gone", Ip);
        Assert.Equal("Public IP 'egress-rg/ip1' was not found. gone", p.Message);
        Assert.Contains("create the IP with New-AksEgressIp", p.RecommendedAction);
        var g = ArmErrorMapper.Map(404, "ResourceNotFound", "gone", Group);
        Assert.Equal(ErrorIds.ResourceGroupNotFound, g.ErrorId);
        Assert.Equal("Resource group 'egress-rg' was not found. gone", g.Message);
        Assert.Equal("Check the resource group name and subscription.", g.RecommendedAction);
        var o = ArmErrorMapper.Map(404, "ResourceNotFound", "gone", Other);
        Assert.Equal(ErrorIds.ArmRequestFailed, o.ErrorId);
        Assert.Equal(EgressErrorCategory.ObjectNotFound, o.Category);
        Assert.Equal("ARM returned 404 for '/subscriptions/s/providers/x': ResourceNotFound: gone", o.Message);
        Assert.Equal("Check the name and subscription.", o.RecommendedAction);
    }

    [Fact]
    public void Unauthorized_asks_to_sign_in_again()
    {
        var e = ArmErrorMapper.Map(401, "InvalidAuthenticationToken", "The access token is invalid.", Cluster);
        Assert.Equal(ErrorIds.AuthenticationFailed, e.ErrorId);
        Assert.Equal(EgressErrorCategory.AuthenticationError, e.Category);
        Assert.Equal("ARM rejected the credential (401 Unauthorized): InvalidAuthenticationToken: The access token is invalid.", e.Message);
        Assert.Contains("pass a fresh -AccessToken for the right tenant and audience", e.RecommendedAction);
    }

    [Fact]
    public void A_lock_names_its_scope_and_how_to_lift_it()
    {
        const string scope = "/subscriptions/s/resourceGroups/egress-rg";
        var msg = $"The scope '/subscriptions/s/resourceGroups/egress-rg/providers/Microsoft.Network/publicIPAddresses/ip1' cannot perform delete operation because following scope(s) are locked: '{scope}'. Please remove the lock and try again.";
        var e = ArmErrorMapper.Map(409, "ScopeLocked", msg, Ip);
        Assert.Equal(ErrorIds.ScopeLocked, e.ErrorId);
        Assert.Equal(EgressErrorCategory.PermissionDenied, e.Category);
        Assert.Equal($"'egress-rg/ip1' cannot be changed because a management lock is set on '{scope}'. Retrying will not help. ARM said: {msg}", e.Message);
        Assert.StartsWith($"Remove the lock (or ask its owner to): Get-AzResourceLock -Scope {scope} | Remove-AzResourceLock (or: az lock list --query \"[?starts_with(id, '{scope}')]\" then az lock delete --ids <lock id>)", e.RecommendedAction);
        Assert.EndsWith("run the command again, and put the lock back afterwards.", e.RecommendedAction);
    }

    [Fact]
    public void A_lock_without_a_named_scope_says_where_it_may_be()
    {
        var e = ArmErrorMapper.Map(409, "ScopeLocked", "locked", Ip);
        Assert.StartsWith("'egress-rg/ip1' cannot be changed because a management lock is set on the resource, its resource group or its subscription. Retrying", e.Message);
        Assert.Contains("Get-AzResourceLock -Scope <scope>", e.RecommendedAction);
        Assert.Contains("starts_with(id, '<scope>')", e.RecommendedAction);
    }

    private static JsonObject PolicyError(JsonObject info) => new()
    {
        ["code"] = "RequestDisallowedByPolicy",
        ["message"] = "Resource 'ip1' was disallowed by policy.",
        ["additionalInfo"] = new JsonArray(new JsonObject { ["type"] = "PolicyViolation", ["info"] = info }),
    };

    [Fact]
    public void Policy_refusal_names_assignment_definition_effect_and_where_to_ask_for_an_exemption()
    {
        var error = PolicyError(new JsonObject
        {
            ["policyDefinitionDisplayName"] = "Allowed locations", ["policyDefinitionId"] = "/providers/Microsoft.Authorization/policyDefinitions/e56962a6",
            ["policyDefinitionEffect"] = "deny", ["policyAssignmentId"] = "/subscriptions/s/providers/Microsoft.Authorization/policyAssignments/loc",
            ["policyAssignmentName"] = "loc", ["policyAssignmentDisplayName"] = "Only EU regions", ["policyAssignmentScope"] = "/subscriptions/s",
        });
        var e = ArmErrorMapper.Map(403, "RequestDisallowedByPolicy", "Resource 'ip1' was disallowed by policy.", Ip, error: error);
        Assert.Equal(ErrorIds.RequestDisallowedByPolicy, e.ErrorId);
        Assert.Equal(EgressErrorCategory.PermissionDenied, e.Category);
        Assert.Equal("Azure Policy refused the request for 'egress-rg/ip1': policy assignment 'Only EU regions' (loc) [/subscriptions/s/providers/Microsoft.Authorization/policyAssignments/loc], " +
                     "policy definition 'Allowed locations', effect 'deny'. A role does not help. ARM said: Resource 'ip1' was disallowed by policy.", e.Message);
        Assert.Equal("Change the request so it complies with the policy (e.g. other tags, location, SKU or resource group), or ask the owner of policy assignment 'Only EU regions' (loc) " +
                     "at '/subscriptions/s' for an exemption (New-AzPolicyExemption / az policy exemption create).", e.RecommendedAction);
    }

    [Fact]
    public void Policy_refusal_with_fewer_names_uses_what_it_has()
    {
        var sameNames = PolicyError(new JsonObject { ["policyAssignmentName"] = "loc", ["policyAssignmentDisplayName"] = "loc", ["policyDefinitionId"] = "/providers/Microsoft.Authorization/policyDefinitions/e56962a6" });
        var e = ArmErrorMapper.Map(403, "RequestDisallowedByPolicy", "refused", Ip, error: sameNames);
        Assert.Equal("Azure Policy refused the request for 'egress-rg/ip1': policy assignment 'loc', policy definition '/providers/Microsoft.Authorization/policyDefinitions/e56962a6'. A role does not help. ARM said: refused", e.Message);
        Assert.Contains("ask the owner of policy assignment 'loc' for an exemption", e.RecommendedAction);

        var idOnly = PolicyError(new JsonObject { ["policyAssignmentId"] = "/subscriptions/s/providers/Microsoft.Authorization/policyAssignments/a1" });
        var i = ArmErrorMapper.Map(403, "RequestDisallowedByPolicy", "refused", Ip, error: idOnly);
        Assert.Equal("Azure Policy refused the request for 'egress-rg/ip1': policy assignment '(not named in the error)' [/subscriptions/s/providers/Microsoft.Authorization/policyAssignments/a1]. A role does not help. ARM said: refused", i.Message);

        var displayOnly = PolicyError(new JsonObject { ["policyAssignmentName"] = "n1" });
        Assert.Contains("policy assignment 'n1'. A role", ArmErrorMapper.Map(403, "RequestDisallowedByPolicy", "refused", Ip, error: displayOnly).Message);
    }

    [Fact]
    public void Policy_refusal_without_additional_info_reads_the_policy_identifiers_in_the_message()
    {
        const string msg = "Resource 'ip1' was disallowed by policy. Policy identifiers: '[{\"policyAssignment\":{\"name\":\"Deny public IPs\",\"id\":\"/subscriptions/s/providers/Microsoft.Authorization/policyAssignments/nopip\"},\"policyDefinition\":{\"name\":\"x\"}}]'.";
        var error = new JsonObject { ["code"] = "RequestDisallowedByPolicy", ["message"] = msg };
        var e = ArmErrorMapper.Map(403, "RequestDisallowedByPolicy", msg, Ip, error: error);
        Assert.StartsWith("Azure Policy refused the request for 'egress-rg/ip1': policy assignment 'Deny public IPs' [/subscriptions/s/providers/Microsoft.Authorization/policyAssignments/nopip]. A role", e.Message);
    }

    [Fact]
    public void Policy_refusal_without_any_names_says_so()
    {
        var e = ArmErrorMapper.Map(403, "RequestDisallowedByPolicy", "refused", Ip, error: new JsonObject { ["code"] = "RequestDisallowedByPolicy", ["message"] = "refused" });
        Assert.Equal("Azure Policy refused the request for 'egress-rg/ip1': policy assignment '(not named in the error)'. A role does not help. ARM said: refused", e.Message);
        Assert.Equal("Change the request so it complies with the policy (e.g. other tags, location, SKU or resource group), or ask the owner of policy assignment '(not named in the error)' for an exemption (New-AzPolicyExemption / az policy exemption create).", e.RecommendedAction);
    }

    [Fact]
    public void A_deny_assignment_names_its_id_and_scope_when_arm_gives_them()
    {
        const string msg = "The client 'u' with object id 'o' has been denied access to perform action 'Microsoft.Network/publicIPAddresses/write' over scope 'x' by deny assignment with name 'stack-deny' and Id 'a1b2' at scope '/subscriptions/s/resourceGroups/egress-rg'.";
        var e = ArmErrorMapper.Map(403, "DenyAssignmentAuthorizationFailed", msg, Ip);
        Assert.Equal(ErrorIds.DenyAssignmentAuthorizationFailed, e.ErrorId);
        Assert.Equal($"A deny assignment 'stack-deny' (id a1b2) at scope '/subscriptions/s/resourceGroups/egress-rg' forbids this on 'egress-rg/ip1'; deny assignments override role assignments, so no role helps. ARM said: {msg}", e.Message);
        Assert.Equal("Ask the owner of deny assignment 'stack-deny' (a managed application, a deployment stack or a blueprint usually sets it: Get-AzDenyAssignment -Scope /subscriptions/s/resourceGroups/egress-rg) " +
                     "to exclude your identity or lift it, or use a resource or resource group it does not cover.", e.RecommendedAction);
    }

    [Fact]
    public void A_deny_assignment_with_only_a_name_says_no_more()
    {
        const string msg = "Access denied by deny assignment with name 'stack-deny'.";
        var e = ArmErrorMapper.Map(403, "DenyAssignmentAuthorizationFailed", msg, Ip);
        Assert.Equal(ErrorIds.DenyAssignmentAuthorizationFailed, e.ErrorId);
        Assert.StartsWith("A deny assignment 'stack-deny' forbids this on 'egress-rg/ip1';", e.Message);
        Assert.Contains("usually sets it: Get-AzDenyAssignment) to exclude", e.RecommendedAction);
    }

    [Theory]
    [InlineData("denied by deny assignment with name 'nrg-lockdown-123' at scope '/subscriptions/s/resourceGroups/MC_rg1_c1_eastus'")]
    [InlineData("denied by deny assignment with name 'nrg_lockdown' at scope '/subscriptions/s/resourceGroups/MC_rg1_c1_eastus'")]
    [InlineData("denied by the node resource group deny assignment: deny assignment with name 'x-123'")]
    [InlineData("denied by a deny assignment")]
    public void The_aks_lockdown_deny_assignment_is_node_resource_group_locked(string msg)
    {
        var scope = new ErrorScope(ArmTargetKind.PublicIp, "MC_rg1_c1_eastus/ip1") { ResourceGroupName = "MC_rg1_c1_eastus", ClusterName = "c1" };
        var e = ArmErrorMapper.Map(403, "DenyAssignmentAuthorizationFailed", msg, scope);
        Assert.Equal(ErrorIds.NodeResourceGroupLocked, e.ErrorId);
        Assert.Equal(EgressErrorCategory.PermissionDenied, e.Category);
        Assert.Equal(ArmErrorMapper.NodeRgLockedMessage("MC_rg1_c1_eastus", "c1") + " ARM said: " + msg, e.Message);
        Assert.Equal(ArmErrorMapper.NodeRgLockedAction, e.RecommendedAction);
    }

    [Fact]
    public void The_lockdown_without_a_resource_group_name_names_the_target()
    {
        var e = ArmErrorMapper.Map(403, "DenyAssignmentAuthorizationFailed", "nrg-lockdown", new ErrorScope(ArmTargetKind.ResourceGroup, "MC_x"));
        Assert.StartsWith("The node resource group 'MC_x' is locked down", e.Message);
    }

    [Fact]
    public void Linked_authorization_without_a_cluster_name_names_the_target()
    {
        var e = ArmErrorMapper.Map(403, "LinkedAuthorizationFailed", "no details", new ErrorScope(ArmTargetKind.Other, "/subscriptions/s/x"));
        Assert.Equal(ErrorIds.LinkedAuthorizationFailed, e.ErrorId);
        Assert.StartsWith("You are not allowed to link what the update of cluster '/subscriptions/s/x' refers to", e.Message);
    }

    [Theory]
    [InlineData("Microsoft.Network/publicIPAddresses/write", "Network Contributor")]
    [InlineData("Microsoft.ContainerService/managedClusters/listClusterUserCredential/action", "Azure Kubernetes Service Cluster User Role")]
    [InlineData("Microsoft.ContainerService/managedClusters/listClusterAdminCredential/action", "Azure Kubernetes Service Cluster Admin Role")]
    [InlineData("Microsoft.ContainerService/managedClusters/write", "Azure Kubernetes Service Contributor Role")]
    [InlineData("Microsoft.Resources/subscriptions/resourceGroups/read", "Reader (to read) or Contributor (to change)")]
    public void Authorization_failed_asks_for_the_role_that_grants_the_action_at_its_scope(string action, string role)
    {
        var msg = $"The client 'u@x.com' with object id 'o' does not have authorization to perform action '{action}' over scope '/subscriptions/s/resourceGroups/rg1' or the scope is invalid.";
        var e = ArmErrorMapper.Map(403, "AuthorizationFailed", msg, Cluster);
        Assert.Equal($"You are not allowed to do this on 'rg1/c1'. It may not perform '{action}' on '/subscriptions/s/resourceGroups/rg1'. ARM said: {msg}", e.Message);
        Assert.Equal($"Ask an owner to grant your identity the '{role}' role on /subscriptions/s/resourceGroups/rg1, then sign in again.", e.RecommendedAction);
    }

    [Fact]
    public void Authorization_failed_without_action_words_still_says_what_to_ask_for()
    {
        var e = ArmErrorMapper.Map(403, "Forbidden", "Forbidden.", Cluster);
        Assert.Equal(ErrorIds.AuthorizationFailed, e.ErrorId);
        Assert.Equal("You are not allowed to do this on 'rg1/c1'. ARM said: Forbidden.", e.Message);
        Assert.Equal("Ask an owner to grant your identity the 'Reader (to read) or Contributor (to change)' role on the resource or its resource group, then sign in again.", e.RecommendedAction);
    }

    [Fact]
    public void Public_ip_quota_names_the_fix()
    {
        var e = ArmErrorMapper.Map(400, "StandardSkuPublicIPCountLimitReached", "Cannot create more than 10 public IP addresses for this subscription in this region.", Ip);
        Assert.Equal(ErrorIds.PublicIpQuotaExceeded, e.ErrorId);
        Assert.Equal(EgressErrorCategory.QuotaExceeded, e.Category);
        Assert.Equal("egress-rg/ip1", e.TargetObject);
        Assert.Equal("The public IP quota of this subscription and region is used up: Cannot create more than 10 public IP addresses for this subscription in this region.", e.Message);
        Assert.Contains("request a quota increase (Azure portal: Quotas > Networking)", e.RecommendedAction);
        Assert.Equal(400, e.HttpStatus);
        Assert.Equal("StandardSkuPublicIPCountLimitReached", e.RemoteCode);
    }

    [Fact]
    public void The_quota_name_and_in_use_codes_count_only_on_a_400()
    {
        Assert.Equal(ErrorIds.ConflictingOperation, ArmErrorMapper.Map(409, "PublicIPCountLimitReached", "x", Ip).ErrorId);
        Assert.Equal(ErrorIds.ConflictingOperation, ArmErrorMapper.Map(409, "PublicIPAddressInUse", "x", Ip).ErrorId);
        Assert.Equal(ErrorIds.ArmRequestFailed, ArmErrorMapper.Map(500, "InvalidResourceName", "x", Ip).ErrorId);
    }

    [Fact]
    public void An_invalid_name_says_which_names_azure_accepts()
    {
        var e = ArmErrorMapper.Map(400, "InvalidResourceName", "Resource name ip! is invalid.", Ip);
        Assert.Equal(ErrorIds.InvalidPublicIpName, e.ErrorId);
        Assert.Equal(EgressErrorCategory.InvalidArgument, e.Category);
        Assert.Equal("Azure rejected the name: Resource name ip! is invalid.", e.Message);
        Assert.Equal("Use 1-80 letters, digits, '_', '.' or '-', starting with a letter or digit.", e.RecommendedAction);
    }

    [Fact]
    public void An_ip_in_use_is_named_and_targeted()
    {
        const string ipId = "/subscriptions/s/resourceGroups/egress-rg/providers/Microsoft.Network/publicIPAddresses/ip1";
        var onIp = ArmErrorMapper.Map(400, "PublicIPAddressCannotBeDeleted", $"Public IP address {ipId} can not be deleted since it is still allocated to resource lb.", Ip);
        Assert.Equal(ErrorIds.PublicIpInUse, onIp.ErrorId);
        Assert.Equal(EgressErrorCategory.InvalidOperation, onIp.Category);
        Assert.Equal("egress-rg/ip1", onIp.TargetObject);
        Assert.StartsWith("Public IP 'egress-rg/ip1' is still in use: ", onIp.Message);
        Assert.Contains("Set-AksOutboundIp", onIp.RecommendedAction);

        var onCluster = ArmErrorMapper.Map(400, "PublicIPAddressInUse", $"Resource {ipId}, is in use by another cluster.", Cluster);
        Assert.Equal(ipId, onCluster.TargetObject);
        Assert.StartsWith($"Public IP '{ipId}' is still in use: ", onCluster.Message);

        var unnamed = ArmErrorMapper.Map(400, "PublicIPAddressInUse", "in use", Cluster);
        Assert.Equal("rg1/c1", unnamed.TargetObject);
        Assert.Equal("Public IP '(named below)' is still in use: in use", unnamed.Message);
    }

    [Fact]
    public void Busy_and_throttled_say_to_wait()
    {
        var busy = ArmErrorMapper.Map(409, "OperationNotAllowed", "Another operation is in progress.", Cluster);
        Assert.Equal(ErrorIds.ConflictingOperation, busy.ErrorId);
        Assert.Equal(EgressErrorCategory.ResourceBusy, busy.Category);
        Assert.Equal("'rg1/c1' is busy with another operation: OperationNotAllowed: Another operation is in progress.", busy.Message);
        Assert.Contains("check provisioningState", busy.RecommendedAction);
        Assert.Equal(ErrorIds.ConflictingOperation, ArmErrorMapper.Map(429, "RetryableErrorDueToAnotherOperation", "busy", Cluster).ErrorId);
        var throttled = ArmErrorMapper.Map(429, "TooManyRequests", "slow down", Cluster);
        Assert.Equal(ErrorIds.ArmThrottled, throttled.ErrorId);
        Assert.Equal(EgressErrorCategory.LimitsExceeded, throttled.Category);
        Assert.Equal("ARM throttled the requests even after retries: TooManyRequests: slow down", throttled.Message);
        Assert.Contains("ForEach-Object -Parallel -ThrottleLimit", throttled.RecommendedAction);
        Assert.Equal(ErrorIds.ArmRequestFailed, ArmErrorMapper.Map(400, "RetryableErrorDueToAnotherOperation", "x", Cluster).ErrorId);
    }

    [Theory]
    [InlineData(500, EgressErrorCategory.ResourceUnavailable, "Azure had a server error; run the command again later.")]
    [InlineData(503, EgressErrorCategory.ResourceUnavailable, "Azure had a server error; run the command again later.")]
    [InlineData(400, EgressErrorCategory.InvalidOperation, "Check the message above; fix the input and run again.")]
    [InlineData(499, EgressErrorCategory.InvalidOperation, "Check the message above; fix the input and run again.")]
    public void Other_failures_say_whose_side_it_is(int status, EgressErrorCategory category, string action)
    {
        var e = ArmErrorMapper.Map(status, "SomeCode", "some words", Cluster);
        Assert.Equal(ErrorIds.ArmRequestFailed, e.ErrorId);
        Assert.Equal(category, e.Category);
        Assert.Equal($"ARM request for 'rg1/c1' failed with HTTP {status}: SomeCode: some words", e.Message);
        Assert.Equal(action, e.RecommendedAction);
    }

    [Fact]
    public void Transport_finds_a_token_failure_anywhere_in_the_exception_tree()
    {
        var inner = new AuthenticationFailedException("AzureCliCredential authentication failed: Bearer abc.def.ghi");
        var e = ArmErrorMapper.MapTransport(new AggregateException(new IOException("x"), new InvalidOperationException("wrap", inner)), new Uri("https://management.azure.com/"), false, "rg1/c1");
        Assert.Equal(ErrorIds.AuthenticationFailed, e.ErrorId);
        Assert.Equal("rg1/c1", e.TargetObject);
        Assert.DoesNotContain("abc.def.ghi", e.Message);
        Assert.Equal("Sign in (az login, Connect-AzAccount, or Connect-AksEgress -Identity / -AccessToken) and try again.", e.RecommendedAction);
    }

    [Fact]
    public void Transport_names_the_deepest_network_error()
    {
        var e = ArmErrorMapper.MapTransport(new RequestFailedException(0, "outer words", new HttpRequestException("middle words", new SocketException((int)SocketError.TimedOut))),
            new Uri("https://arm.contoso.test/"), false, "rg1/c1");
        Assert.Equal(ErrorIds.EndpointUnreachable, e.ErrorId);
        Assert.Equal("https://arm.contoso.test/", e.TargetObject);
        Assert.Equal($"Could not reach the ARM endpoint https://arm.contoso.test/ (after retries): {new SocketException((int)SocketError.TimedOut).Message}", e.Message);
        Assert.Equal("Check network access, proxy settings and -ArmEndpoint, then try again.", e.RecommendedAction);
    }

    [Fact]
    public void A_failure_with_a_status_and_no_network_cause_is_unexpected()
    {
        var e = ArmErrorMapper.MapTransport(new RequestFailedException(500, "server said no"), new Uri("https://management.azure.com/"), false, "rg1/c1");
        Assert.Equal(ErrorIds.UnexpectedError, e.ErrorId);
        Assert.Equal(EgressErrorCategory.NotSpecified, e.Category);
        Assert.Equal("rg1/c1", e.TargetObject);
        Assert.StartsWith("Unexpected failure calling ARM for 'rg1/c1': server said no", e.Message);
        Assert.Equal("Run the command again with -Debug to see the requests; if it persists, report the message above.", e.RecommendedAction);
    }

    [Fact]
    public void Tls_failure_target_is_the_endpoint()
    {
        var e = ArmErrorMapper.MapTransport(new HttpRequestException("ssl", new AuthenticationException("bad cert")), new Uri("https://arm.contoso.test/"), true, "rg1/c1");
        Assert.Equal(ErrorIds.TlsValidationFailed, e.ErrorId);
        Assert.Equal("https://arm.contoso.test/", e.TargetObject);
        Assert.Equal("The TLS certificate of the ARM endpoint https://arm.contoso.test/ was not trusted (not issued by the CA passed with -CaCertificatePath, or the host name does not match).", e.Message);
        Assert.Equal("Pass the PEM of the CA that issued this endpoint's certificate with -CaCertificatePath, and use the host name the certificate was issued for.", e.RecommendedAction);
        var system = ArmErrorMapper.MapTransport(new HttpRequestException("ssl", new AuthenticationException("bad cert")), new Uri("https://arm.contoso.test/"), false, "rg1/c1");
        Assert.Equal("The TLS certificate of the ARM endpoint https://arm.contoso.test/ was not trusted.", system.Message);
        Assert.Equal("For a custom ARM endpoint with a private CA, run Connect-AksEgress -ArmEndpoint <url> -CaCertificatePath <ca.pem>. TLS validation is never turned off.", system.RecommendedAction);
    }

    [Theory]
    [InlineData("/subscriptions/s1/resourceGroups/rg1/providers/Microsoft.Network/publicIPAddresses/ip1", "/subscriptions/s1/resourceGroups/rg1")]
    [InlineData("/subscriptions/s1/resourcegroups/rg1", "/subscriptions/s1/resourceGroups/rg1")]
    [InlineData("subscriptions/s1/resourceGroups/rg1/", "/subscriptions/s1/resourceGroups/rg1")]
    [InlineData("/subscriptions/s1", null)]
    [InlineData("/subscriptions/s1/providers/Microsoft.Network/x", null)]
    [InlineData("/tenants/s1/resourceGroups/rg1", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Resource_group_id_of_a_resource_id(string? id, string? expected) => Assert.Equal(expected, ArmErrorMapper.ResourceGroupIdOf(id));
}
