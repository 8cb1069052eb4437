using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Azure;
using Azure.Identity;

namespace AksEgress.Engine.Arm;

internal enum ArmTargetKind { Cluster, PublicIp, ResourceGroup, Subscription, Other }

/// <summary>What a request was about, so an ARM error can be turned into a message that names the right thing and the fix.</summary>
internal sealed record ErrorScope(ArmTargetKind Kind, string Target)
{
    /// <summary>Principal id of the cluster identity (LinkedAuthorizationFailed on a cluster PUT).</summary>
    public string? ClusterPrincipalId { get; init; }
    public string? ClusterName { get; init; }
    /// <summary>Resource group id(s) of the public IPs a cluster PUT references.</summary>
    public string? LinkedResourceGroupId { get; init; }
    /// <summary>True when the target is inside a cluster's node resource group.</summary>
    public bool InNodeResourceGroup { get; init; }
    public string? ResourceGroupName { get; init; }
}

/// <summary>The ONE place where ARM failures become <see cref="AksEgressException"/>s.</summary>
internal static partial class ArmErrorMapper
{
    [GeneratedRegex(@"perform action '(?<action>[^']+)' over scope '(?<scope>[^']+)'", RegexOptions.IgnoreCase)]
    private static partial Regex AuthzRegex();
    [GeneratedRegex(@"perform action '(?<action>[^']+)' on the linked scope\(s\) '(?<scope>[^']+)'", RegexOptions.IgnoreCase)]
    private static partial Regex LinkedRegex();

    [GeneratedRegex(@"/subscriptions/[^/\s']+/resourceGroups/[^/\s']+/providers/Microsoft\.Network/publicIPAddresses/[^/\s',]+", RegexOptions.IgnoreCase)]
    private static partial Regex PublicIpIdRegex();

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

    public const string NodeRgLockedAction =
        "Create the IP in a resource group you own and pass it with -ResourceGroupName, e.g. New-AksEgressIp -ResourceGroupName egress-rg (give the cluster identity Network Contributor on that group).";

    public static AksEgressException Map(int status, string? code, string? message, ErrorScope scope, Exception? inner = null)
    {
        message = Redaction.Text(message ?? "");
        var remote = $"{code}: {message}".Trim(' ', ':');
        AksEgressException E(string id, EgressErrorCategory cat, string text, string action) =>
            new(id, cat, text, scope.Target, action, inner) { RemoteCode = code, HttpStatus = status };

        if (status == 404 && string.Equals(code, "ResourceGroupNotFound", StringComparison.OrdinalIgnoreCase))
            return E(ErrorIds.ResourceGroupNotFound, EgressErrorCategory.ObjectNotFound, $"Resource group not found: {message}",
                "Check the resource group name and the subscription (Connect-AksEgress -SubscriptionId), or create the group first.");
        if (status == 404 && string.Equals(code, "SubscriptionNotFound", StringComparison.OrdinalIgnoreCase))
            return E(ErrorIds.SubscriptionNotDetermined, EgressErrorCategory.ObjectNotFound, $"Subscription not found: {message}",
                "Check the subscription id (Connect-AksEgress -SubscriptionId <guid>).");
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
        if (status == 403 && string.Equals(code, "DenyAssignmentAuthorizationFailed", StringComparison.OrdinalIgnoreCase))
        {
            var rg = scope.ResourceGroupName ?? scope.Target;
            return E(ErrorIds.NodeResourceGroupLocked, EgressErrorCategory.PermissionDenied,
                NodeRgLockedMessage(rg, scope.ClusterName) + $" ARM said: {message}", NodeRgLockedAction);
        }
        if (status == 403 && string.Equals(code, "LinkedAuthorizationFailed", StringComparison.OrdinalIgnoreCase))
        {
            var m = LinkedRegex().Match(message);
            var linkedScope = m.Success ? m.Groups["scope"].Value : null;
            var action = m.Success ? m.Groups["action"].Value : "Microsoft.Network/publicIPAddresses/join/action";
            var rgScope = scope.LinkedResourceGroupId ?? ResourceGroupIdOf(linkedScope) ?? "<the public IP's resource group id>";
            var principal = scope.ClusterPrincipalId ?? "<cluster identity principal id>";
            return E(ErrorIds.LinkedAuthorizationFailed, EgressErrorCategory.PermissionDenied,
                $"The identity of cluster '{scope.ClusterName ?? scope.Target}' (principal id {principal}) may not perform '{action}' on '{linkedScope ?? rgScope}': " +
                $"a cluster can only use public IPs it has rights on. ARM said: {message}",
                $"Grant the cluster identity Network Contributor on the IP's resource group: New-AzRoleAssignment -ObjectId {principal} -RoleDefinitionName 'Network Contributor' -Scope {rgScope} " +
                $"(or: az role assignment create --assignee-object-id {principal} --assignee-principal-type ServicePrincipal --role 'Network Contributor' --scope {rgScope}), then run the command again.");
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

    internal static string? ResourceGroupIdOf(string? resourceId)
    {
        if (string.IsNullOrEmpty(resourceId)) return null;
        var parts = resourceId.Trim('/').Split('/');
        return parts.Length >= 4 && parts[0].Equals("subscriptions", StringComparison.OrdinalIgnoreCase) && parts[2].Equals("resourceGroups", StringComparison.OrdinalIgnoreCase)
            ? $"/subscriptions/{parts[1]}/resourceGroups/{parts[3]}" : null;
    }
}
