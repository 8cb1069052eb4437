using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Identity;

namespace AksEgress.Engine.Arm;

internal enum ArmTargetKind { Cluster, PublicIp, ResourceGroup, Subscription, Other }

/// <summary>What a request was about, so an ARM error can be turned into a message that names the right thing and the fix.</summary>
internal sealed record ErrorScope(ArmTargetKind Kind, string Target)
{
    public string? ClusterName { get; init; }
    /// <summary>True when the target is inside a cluster's node resource group.</summary>
    public bool InNodeResourceGroup { get; init; }
    public string? ResourceGroupName { get; init; }
}

/// <summary>The ONE place where ARM failures become <see cref="AksEgressException"/>s.</summary>
internal static partial class ArmErrorMapper
{
    [GeneratedRegex(@"perform action '(?<action>[^']+)' over scope '(?<scope>[^']+)'", RegexOptions.IgnoreCase)]
    private static partial Regex AuthzRegex();

    [GeneratedRegex(@"/subscriptions/[^/\s']+/resourceGroups/[^/\s']+/providers/Microsoft\.Network/publicIPAddresses/[^/\s',]+", RegexOptions.IgnoreCase)]
    private static partial Regex PublicIpIdRegex();
    [GeneratedRegex(@"following scope\(s\) are locked: '(?<scope>[^']+)'", RegexOptions.IgnoreCase)]
    private static partial Regex LockedScopeRegex();

    [GeneratedRegex(@"subscription (identifier )?'(?<id>[^']+)'", RegexOptions.IgnoreCase)]
    private static partial Regex SubscriptionInMessageRegex();
    [GeneratedRegex(@"deny assignment with name '(?<name>[^']+)'(?: and Id '(?<id>[^']+)')?(?: at scope '(?<scope>[^']+)')?", RegexOptions.IgnoreCase)]
    private static partial Regex DenyAssignmentRegex();

    /// <summary>The error object of an ARM error body ({"error":{...}} or a bare {code,message}), or null.</summary>
    public static JsonObject? ErrorObject(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) return null;
        try { var node = JsonNode.Parse(body) as JsonObject; return node?["error"] as JsonObject ?? node; }
        catch (JsonException) { return null; }
    }

    /// <summary>Maps an ARM error response body (nested details[] and additionalInfo included).</summary>
    public static AksEgressException MapBody(int status, string? body, ErrorScope scope, Exception? inner = null)
    {
        var (code, msg) = ParseError(body);
        return Map(status, code, msg, scope, inner, ErrorObject(body));
    }

    /// <summary>
    /// The innermost useful error of a failed operation: ARM wraps the real cause in details[] (a deployment or operation that
    /// "failed" with the policy, lock or quota error inside). Descends depth-first to the deepest entry that has a code.
    /// </summary>
    internal static JsonObject? Innermost(JsonObject? error)
    {
        if (error?["details"] is not JsonArray details) return error;
        foreach (var d in details)
        {
            if (d is not JsonObject child || ManagedClusterModel.Str(child, "code") is null) continue;
            return Innermost(child);
        }
        return error;
    }

    public static (string? Code, string? Message) ParseError(string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) return (null, null);
        try
        {
            var node = JsonNode.Parse(body) as JsonObject;
            var err = node?["error"] as JsonObject ?? node;
            return (ManagedClusterModel.Str(err, "code"), ManagedClusterModel.Str(err, "message"));
        }
        catch (JsonException) { return (null, body.Length > 500 ? body[..500] : body); }
    }

    public static string NodeRgLockedMessage(string nodeResourceGroup, string? clusterName) =>
        $"The node resource group '{nodeResourceGroup}'{(clusterName is null ? "" : $" of cluster '{clusterName}'")} is locked down (restrictionLevel ReadOnly): " +
        "AKS puts a deny assignment on it, so nobody (not even an Owner) can create or change resources there.";

    public static string NodeRgLockedActionFor(string cmdlet) =>
        $"Create the IP in a resource group you own and pass it with -ResourceGroupName, e.g. {cmdlet} -ResourceGroupName egress-rg (give the cluster identity Network Contributor on that group).";

    public static readonly string NodeRgLockedAction = NodeRgLockedActionFor("New-AksEgressIp");

    public static AksEgressException Map(int status, string? code, string? message, ErrorScope scope, Exception? inner = null, JsonObject? error = null)
    {
        var innermost = Innermost(error);
        if (innermost is not null && !ReferenceEquals(innermost, error))
        {
            // The real cause is nested: map by it, keep the outer words as context.
            var innerCode = ManagedClusterModel.Str(innermost, "code");
            var innerMessage = ManagedClusterModel.Str(innermost, "message");
            message = $"{innerMessage} (reported inside {code}: {message})";
            code = innerCode;
            error = innermost;
        }
        message = Redaction.Text(message ?? "");
        var remote = $"{code}: {message}".Trim(' ', ':');
        AksEgressException E(string id, EgressErrorCategory cat, string text, string action) =>
            new(id, cat, text, scope.Target, action, inner) { RemoteCode = code, HttpStatus = status };

        if (status == 404 && string.Equals(code, "ResourceGroupNotFound", StringComparison.OrdinalIgnoreCase))
            return E(ErrorIds.ResourceGroupNotFound, EgressErrorCategory.ObjectNotFound, $"Resource group not found: {message}",
                "Check the resource group name and the subscription (Connect-AksEgress -SubscriptionId), or create the group first.");
        if ((status == 404 && string.Equals(code, "SubscriptionNotFound", StringComparison.OrdinalIgnoreCase))
            || (status == 400 && string.Equals(code, "InvalidSubscriptionId", StringComparison.OrdinalIgnoreCase)))
        {
            var subId = SubscriptionInMessageRegex().Match(message) is { Success: true } sm ? sm.Groups["id"].Value : null;
            var which = subId is null ? $"The subscription of '{scope.Target}'" : $"The subscription '{subId}' (of '{scope.Target}')";
            return E(ErrorIds.SubscriptionNotFound, EgressErrorCategory.ObjectNotFound,
                $"{which} does not exist, or the identity of this session cannot see it. ARM said: {remote}",
                $"Check the subscription id in the resource id. If it is right, use an identity that can see that subscription: Connect-AksEgress -SubscriptionId {subId ?? "<id>"} " +
                $"(add -TenantId when it belongs to another tenant), or Set-AzContext -Subscription {subId ?? "<id>"} when AksEgress follows your Az context; " +
                "Get-AzSubscription (or az account list) shows the subscriptions you can see, and an owner of the subscription can give you Reader on it.");
        }
        if (status == 404)
            return scope.Kind switch
            {
                ArmTargetKind.Cluster => E(ErrorIds.ClusterNotFound, EgressErrorCategory.ObjectNotFound,
                    $"AKS cluster '{scope.Target}' was not found. {message}".TrimEnd(),
                    "Check the cluster and resource group names; Get-AksNodeResourceGroup lists the clusters you can see."),
                ArmTargetKind.PublicIp => E(ErrorIds.PublicIpNotFound, EgressErrorCategory.ObjectNotFound,
                    $"Public IP '{scope.Target}' was not found. {message}".TrimEnd(),
                    "Check the id, or create the IP with New-AksEgressIp."),
                ArmTargetKind.ResourceGroup => E(ErrorIds.ResourceGroupNotFound, EgressErrorCategory.ObjectNotFound,
                    $"Resource group '{scope.Target}' was not found. {message}".TrimEnd(), "Check the resource group name and subscription."),
                _ => E(ErrorIds.ArmRequestFailed, EgressErrorCategory.ObjectNotFound, $"ARM returned 404 for '{scope.Target}': {remote}", "Check the name and subscription."),
            };
        if (status == 401)
            return E(ErrorIds.AuthenticationFailed, EgressErrorCategory.AuthenticationError,
                $"ARM rejected the credential (401 Unauthorized): {remote}",
                "Sign in again (Connect-AksEgress, az login or Connect-AzAccount), or pass a fresh -AccessToken for the right tenant and audience.");
        if (string.Equals(code, "ScopeLocked", StringComparison.OrdinalIgnoreCase))
        {
            var lockScope = LockedScopeRegex().Match(message) is { Success: true } lm ? lm.Groups["scope"].Value : null;
            var where = lockScope ?? "the resource, its resource group or its subscription";
            return E(ErrorIds.ScopeLocked, EgressErrorCategory.PermissionDenied,
                $"'{scope.Target}' cannot be changed because a management lock is set on {(lockScope is null ? where : $"'{lockScope}'")}. Retrying will not help. ARM said: {message}",
                $"Remove the lock (or ask its owner to): Get-AzResourceLock -Scope {lockScope ?? "<scope>"} | Remove-AzResourceLock " +
                $"(or: az lock list --query \"[?starts_with(id, '{lockScope ?? "<scope>"}')]\" then az lock delete --ids <lock id>), run the command again, and put the lock back afterwards.");
        }
        if (string.Equals(code, "RequestDisallowedByPolicy", StringComparison.OrdinalIgnoreCase))
        {
            var p = PolicyInfo(error);
            var name = p.DisplayName is not null && p.Name is not null && p.DisplayName != p.Name ? $"'{p.DisplayName}' ({p.Name})" : $"'{p.DisplayName ?? p.Name ?? "(not named in the error)"}'";
            var text = $"Azure Policy refused the request for '{scope.Target}': policy assignment {name}" +
                (p.AssignmentId is not null ? $" [{p.AssignmentId}]" : "") +
                (p.DefinitionDisplayName ?? p.DefinitionId) switch { null => "", var d => $", policy definition '{d}'" } +
                (p.Effect is not null ? $", effect '{p.Effect}'" : "") + $". A role does not help. ARM said: {message}";
            return E(ErrorIds.RequestDisallowedByPolicy, EgressErrorCategory.PermissionDenied, text,
                $"Change the request so it complies with the policy (e.g. other tags, location, SKU or resource group), or ask the owner of policy assignment {name}" +
                $"{(p.AssignmentScope is not null ? $" at '{p.AssignmentScope}'" : "")} for an exemption (New-AzPolicyExemption / az policy exemption create).");
        }
        if (status == 403 && string.Equals(code, "DenyAssignmentAuthorizationFailed", StringComparison.OrdinalIgnoreCase)
            && !IsNodeResourceGroupLockdown(message))
        {
            var dm = DenyAssignmentRegex().Match(message);
            var name = dm.Success ? dm.Groups["name"].Value : "(not named in the error)";
            var id = dm.Success && dm.Groups["id"].Success ? dm.Groups["id"].Value : null;
            var at = dm.Success && dm.Groups["scope"].Success ? dm.Groups["scope"].Value : null;
            return E(ErrorIds.DenyAssignmentAuthorizationFailed, EgressErrorCategory.PermissionDenied,
                $"A deny assignment '{name}'{(id is null ? "" : $" (id {id})")}{(at is null ? "" : $" at scope '{at}'")} forbids this on '{scope.Target}'; deny assignments override role assignments, so no role helps. ARM said: {message}",
                $"Ask the owner of deny assignment '{name}' (a managed application, a deployment stack or a blueprint usually sets it: Get-AzDenyAssignment{(at is null ? "" : $" -Scope {at}")}) to exclude your identity or lift it, or use a resource or resource group it does not cover.");
        }
        if (status == 403 && string.Equals(code, "DenyAssignmentAuthorizationFailed", StringComparison.OrdinalIgnoreCase))
        {
            var rg = scope.ResourceGroupName ?? scope.Target;
            return E(ErrorIds.NodeResourceGroupLocked, EgressErrorCategory.PermissionDenied,
                NodeRgLockedMessage(rg, scope.ClusterName) + $" ARM said: {message}", NodeRgLockedAction);
        }
        if (status == 403 && string.Equals(code, "LinkedAuthorizationFailed", StringComparison.OrdinalIgnoreCase))
        {
            // About the CALLER's rights on the resources the request links to, never the cluster identity's.
            var (text, action) = LinkedAuthorization.Parse(message).Describe(scope.ClusterName ?? scope.Target, message);
            return E(ErrorIds.LinkedAuthorizationFailed, EgressErrorCategory.PermissionDenied, text, action);
        }
        if (status == 403)
        {
            var m = AuthzRegex().Match(message);
            var what = m.Success ? $" It may not perform '{m.Groups["action"].Value}' on '{m.Groups["scope"].Value}'." : "";
            var role = (m.Success ? m.Groups["action"].Value : "").StartsWith("Microsoft.Network", StringComparison.OrdinalIgnoreCase) ? "Network Contributor"
                : (m.Success ? m.Groups["action"].Value : "").StartsWith("Microsoft.ContainerService", StringComparison.OrdinalIgnoreCase)
                    ? (m.Groups["action"].Value.Contains("listClusterUserCredential", StringComparison.OrdinalIgnoreCase) ? "Azure Kubernetes Service Cluster User Role"
                       : m.Groups["action"].Value.Contains("listClusterAdminCredential", StringComparison.OrdinalIgnoreCase) ? "Azure Kubernetes Service Cluster Admin Role"
                       : "Azure Kubernetes Service Contributor Role")
                    : "Reader (to read) or Contributor (to change)";
            return E(ErrorIds.AuthorizationFailed, EgressErrorCategory.PermissionDenied,
                $"You are not allowed to do this on '{scope.Target}'.{what} ARM said: {message}",
                $"Ask an owner to grant your identity the '{role}' role on {(m.Success ? m.Groups["scope"].Value : "the resource or its resource group")}, then sign in again.");
        }
        if (status == 400 && code is not null && code.EndsWith("PublicIPCountLimitReached", StringComparison.OrdinalIgnoreCase))
            return new AksEgressException(ErrorIds.PublicIpQuotaExceeded, EgressErrorCategory.QuotaExceeded,
                $"The public IP quota of this subscription and region is used up: {message}", scope.Target,
                "Delete unused public IPs (Remove-AksEgressIp), reuse an existing one, or request a quota increase (Azure portal: Quotas > Networking).", inner)
            { RemoteCode = code, HttpStatus = status };
        if (status == 400 && string.Equals(code, "InvalidResourceName", StringComparison.OrdinalIgnoreCase))
            return new AksEgressException(ErrorIds.InvalidPublicIpName, EgressErrorCategory.InvalidArgument,
                $"Azure rejected the name: {message}", scope.Target, "Use 1-80 letters, digits, '_', '.' or '-', starting with a letter or digit.", inner)
            { RemoteCode = code, HttpStatus = status };
        if (status == 400 && (string.Equals(code, "PublicIPAddressInUse", StringComparison.OrdinalIgnoreCase) || string.Equals(code, "PublicIPAddressCannotBeDeleted", StringComparison.OrdinalIgnoreCase)))
            return new AksEgressException(ErrorIds.PublicIpInUse, EgressErrorCategory.InvalidOperation,
                // On a cluster PUT the target is the cluster: name the IP from the message instead.
                $"Public IP '{(scope.Kind == ArmTargetKind.PublicIp ? scope.Target : PublicIpIdRegex().Match(message) is { Success: true } pm ? pm.Value : "(named below)")}' is still in use: {message}",
                scope.Kind == ArmTargetKind.PublicIp ? scope.Target : PublicIpIdRegex().Match(message) is { Success: true } pt ? pt.Value : scope.Target,
                "Detach it first: give the cluster other outbound IPs (Set-AksOutboundIp) or remove the Service that uses it (Remove-AksEgressService).", inner)
            { RemoteCode = code, HttpStatus = status };
        if (status == 409 || (status == 429 && string.Equals(code, "RetryableErrorDueToAnotherOperation", StringComparison.OrdinalIgnoreCase)))
            return E(ErrorIds.ConflictingOperation, EgressErrorCategory.ResourceBusy,
                $"'{scope.Target}' is busy with another operation: {remote}",
                "Wait for the running operation to finish (check provisioningState), then run the command again.");
        if (status == 429)
            return E(ErrorIds.ArmThrottled, EgressErrorCategory.LimitsExceeded,
                $"ARM throttled the requests even after retries: {remote}",
                "Wait a minute and run the command again; reduce parallel runs (ForEach-Object -Parallel -ThrottleLimit).");
        return E(ErrorIds.ArmRequestFailed, status >= 500 ? EgressErrorCategory.ResourceUnavailable : EgressErrorCategory.InvalidOperation,
            $"ARM request for '{scope.Target}' failed with HTTP {status}: {remote}",
            status >= 500 ? "Azure had a server error; run the command again later." : "Check the message above; fix the input and run again.");
    }

    /// <summary>Failures without an HTTP response: TLS, connection refused/reset, credential failures.</summary>
    public static AksEgressException MapTransport(Exception e, Uri endpoint, bool customCa, string target)
    {
        var chain = Flatten(e).ToList();
        if (chain.OfType<AuthenticationFailedException>().FirstOrDefault() is { } authFailed)
            return new AksEgressException(ErrorIds.AuthenticationFailed, EgressErrorCategory.AuthenticationError,
                $"Could not get an access token for ARM: {Redaction.Text(authFailed.Message)}", target,
                "Sign in (az login, Connect-AzAccount, or Connect-AksEgress -Identity / -AccessToken) and try again.", e);
        if (chain.OfType<AuthenticationException>().Any())
            return new AksEgressException(ErrorIds.TlsValidationFailed, EgressErrorCategory.AuthenticationError,
                $"The TLS certificate of the ARM endpoint {endpoint} was not trusted{(customCa ? " (not issued by the CA passed with -CaCertificatePath, or the host name does not match)" : "")}.",
                endpoint.ToString(),
                customCa ? "Pass the PEM of the CA that issued this endpoint's certificate with -CaCertificatePath, and use the host name the certificate was issued for."
                         : "For a custom ARM endpoint with a private CA, run Connect-AksEgress -ArmEndpoint <url> -CaCertificatePath <ca.pem>. TLS validation is never turned off.", e);
        if (chain.Any(x => x is SocketException or HttpRequestException or IOException or TimeoutException or TaskCanceledException) || chain.OfType<RequestFailedException>().Any(r => r.Status == 0))
            return new AksEgressException(ErrorIds.EndpointUnreachable, EgressErrorCategory.ConnectionError,
                $"Could not reach the ARM endpoint {endpoint} (after retries): {Redaction.Text(chain.Last().Message)}", endpoint.ToString(),
                "Check network access, proxy settings and -ArmEndpoint, then try again.", e);
        return new AksEgressException(ErrorIds.UnexpectedError, EgressErrorCategory.NotSpecified,
            $"Unexpected failure calling ARM for '{target}': {Redaction.Text(e.Message)}", target,
            "Run the command again with -Debug to see the requests; if it persists, report the message above.", e);
    }

    private static IEnumerable<Exception> Flatten(Exception e)
    {
        var stack = new Stack<Exception>();
        stack.Push(e);
        while (stack.Count > 0)
        {
            var x = stack.Pop();
            yield return x;
            if (x is AggregateException agg) foreach (var i in agg.InnerExceptions) stack.Push(i);
            else if (x.InnerException is not null) stack.Push(x.InnerException);
        }
    }

    /// <summary>AKS's node resource group lockdown deny assignment (nrg-lockdown), as opposed to any other deny assignment.</summary>
    private static bool IsNodeResourceGroupLockdown(string message) =>
        message.Contains("nrg-lockdown", StringComparison.OrdinalIgnoreCase) || message.Contains("nrg_lockdown", StringComparison.OrdinalIgnoreCase)
        || message.Contains("node resource group deny assignment", StringComparison.OrdinalIgnoreCase)
        || !DenyAssignmentRegex().IsMatch(message);

    private sealed record PolicyNames(string? Name, string? DisplayName, string? AssignmentId, string? AssignmentScope, string? DefinitionId, string? DefinitionDisplayName, string? Effect);

    /// <summary>The policy assignment from additionalInfo[type=PolicyViolation].info (or the message's "Policy identifiers").</summary>
    private static PolicyNames PolicyInfo(JsonObject? error)
    {
        if (error?["additionalInfo"] is JsonArray infos)
            foreach (var i in infos)
                if (i?["info"] is JsonObject info && (ManagedClusterModel.Str(info, "policyAssignmentName") ?? ManagedClusterModel.Str(info, "policyAssignmentId")) is not null)
                    return new(ManagedClusterModel.Str(info, "policyAssignmentName"), ManagedClusterModel.Str(info, "policyAssignmentDisplayName"),
                        ManagedClusterModel.Str(info, "policyAssignmentId"), ManagedClusterModel.Str(info, "policyAssignmentScope"),
                        ManagedClusterModel.Str(info, "policyDefinitionId"), ManagedClusterModel.Str(info, "policyDefinitionDisplayName"),
                        ManagedClusterModel.Str(info, "policyDefinitionEffect"));
        var m = Regex.Match(ManagedClusterModel.Str(error, "message") ?? "", @"\\?""policyAssignment\\?"":\{\\?""name\\?"":\\?""(?<name>[^""\\]+)\\?"",\\?""id\\?"":\\?""(?<id>[^""\\]+)");
        return m.Success ? new(null, m.Groups["name"].Value, m.Groups["id"].Value, null, null, null, null) : new(null, null, null, null, null, null, null);
    }

    internal static string? ResourceGroupIdOf(string? resourceId)
    {
        if (string.IsNullOrEmpty(resourceId)) return null;
        var parts = resourceId.Trim('/').Split('/');
        return parts.Length >= 4 && parts[0].Equals("subscriptions", StringComparison.OrdinalIgnoreCase) && parts[2].Equals("resourceGroups", StringComparison.OrdinalIgnoreCase)
            ? $"/subscriptions/{parts[1]}/resourceGroups/{parts[3]}" : null;
    }
}
