using System.Text.RegularExpressions;

namespace AksEgress.Engine.Arm;

/// <summary>One resource a request links to, and the action ARM found the caller lacks on it.</summary>
internal sealed record LinkedDenial(string Action, string Scope);

/// <summary>
/// ARM's LinkedAuthorizationFailed, read from its message. ARM checks the CALLER's (the signed-in identity's) rights on every
/// resource id a request body links to, e.g. the outbound public IPs of a managed cluster PUT; the cluster identity plays no
/// part. Shapes seen from ARM:
/// "The client '&lt;name&gt;' with object id '&lt;oid&gt;' has permission to perform action '&lt;write&gt;' on scope '&lt;id&gt;'; however, it does not
/// have permission to perform action '&lt;a&gt;' on the linked scope(s) '&lt;id1,id2&gt;' or the linked scope(s) are invalid.",
/// with several actions "action(s) '&lt;a1,a2&gt;' on the linked scope(s) '&lt;id1,id2&gt;' (respectively)", and the cross-tenant form
/// "The client has permission to perform action '...' on scope '...', however the current tenant '&lt;t&gt;' is not authorized to access
/// linked subscription '&lt;sub&gt;'."
/// </summary>
internal sealed partial record LinkedAuthorization(
    string? ClientName, string? ObjectId, string? WriteAction, string? WriteScope, IReadOnlyList<LinkedDenial> Denials,
    string? Tenant, string? LinkedSubscription)
{
    [GeneratedRegex(@"The client '(?<name>[^']*)' with object id '(?<oid>[^']*)'", RegexOptions.IgnoreCase)]
    private static partial Regex ClientRegex();
    [GeneratedRegex(@"The client with object id '(?<oid>[^']*)'", RegexOptions.IgnoreCase)]
    private static partial Regex ObjectIdOnlyRegex();
    [GeneratedRegex(@"has permission to perform action '(?<action>[^']+)' on scope '(?<scope>[^']+)'", RegexOptions.IgnoreCase)]
    private static partial Regex WriteRegex();
    [GeneratedRegex(@"perform action(?:\(s\))? '(?<actions>[^']+)' on the linked scope\(s\) '(?<scopes>[^']+)'", RegexOptions.IgnoreCase)]
    private static partial Regex LinkedRegex();
    [GeneratedRegex(@"current tenant '(?<tenant>[^']+)' is not authorized to access linked subscription '(?<sub>[^']+)'", RegexOptions.IgnoreCase)]
    private static partial Regex TenantRegex();

    public static LinkedAuthorization Parse(string? message)
    {
        message ??= "";
        string? name = null, oid = null;
        if (ClientRegex().Match(message) is { Success: true } c) { name = c.Groups["name"].Value; oid = c.Groups["oid"].Value; }
        else if (ObjectIdOnlyRegex().Match(message) is { Success: true } o) oid = o.Groups["oid"].Value;
        var w = WriteRegex().Match(message);
        var denials = new List<LinkedDenial>();
        if (LinkedRegex().Match(message) is { Success: true } l)
        {
            static string[] Split(string v) => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var actions = Split(l.Groups["actions"].Value);
            var scopes = Split(l.Groups["scopes"].Value);
            // One action applies to every scope; several are paired with the scopes in order ("respectively").
            for (var i = 0; i < scopes.Length; i++)
                denials.Add(new LinkedDenial(actions.Length == 0 ? "(not named)" : actions[Math.Min(i, actions.Length - 1)], scopes[i]));
        }
        var t = TenantRegex().Match(message);
        return new LinkedAuthorization(string.IsNullOrEmpty(name) ? null : name, string.IsNullOrEmpty(oid) ? null : oid,
            w.Success ? w.Groups["action"].Value : null, w.Success ? w.Groups["scope"].Value : null, denials,
            t.Success ? t.Groups["tenant"].Value : null, t.Success ? t.Groups["sub"].Value : null);
    }

    /// <summary>The built-in role that grants a linked action (the caller needs it on the linked resource), or null.</summary>
    public static string? RoleFor(string action)
    {
        var a = action.ToLowerInvariant();
        if (a.StartsWith("microsoft.network/", StringComparison.Ordinal) || a == "join/action") return "Network Contributor";
        if (a.StartsWith("microsoft.managedidentity/userassignedidentities/", StringComparison.Ordinal)) return "Managed Identity Operator";
        if (a.StartsWith("microsoft.operationalinsights/", StringComparison.Ordinal)) return "Log Analytics Contributor";
        return null;
    }

    /// <summary>"'alice@contoso.com' (object id x)", or what is known of the caller.</summary>
    public string Caller => (ClientName, ObjectId) switch
    {
        ({ } n, { } o) when !n.Equals(o, StringComparison.OrdinalIgnoreCase) => $"'{n}' (object id {o})",
        (_, { } o) => $"object id {o}",
        ({ } n, null) => $"'{n}'",
        _ => "(ARM did not name it)",
    };

    public (string Message, string Action) Describe(string clusterName, string armMessage)
    {
        if (Denials.Count == 0 && Tenant is not null)
            return ($"ARM refused the update of cluster '{clusterName}': it links to a resource in subscription '{LinkedSubscription}', which the tenant you signed in to ('{Tenant}') may not access. ARM said: {armMessage}",
                $"Use a resource in a subscription of your tenant, or sign in to the tenant that owns subscription '{LinkedSubscription}' (a subscription moved or registered minutes ago can need a few minutes), then run the command again.");
        var what = Denials.Count == 0 ? "an action on a resource the update links to (not named in the error)"
            : string.Join("; ", Denials.Select(d => $"'{d.Action}' on '{d.Scope}'"));
        var message = $"You are not allowed to link what the update of cluster '{clusterName}' refers to: the caller {Caller} " +
                      $"{(WriteAction is null ? "" : $"may perform '{WriteAction}' but ")}lacks {what}. ARM checks the signed-in caller's own rights on every resource a request links to " +
                      $"(the cluster identity's rights play no part in this error). ARM said: {armMessage}";
        var principal = ObjectId ?? "<your object id>";
        var grants = Denials.Count == 0
            ? [$"New-AzRoleAssignment -ObjectId {principal} -RoleDefinitionName 'Network Contributor' -Scope <the linked resource or its resource group>"]
            : Denials.GroupBy(d => (Role: RoleFor(d.Action), d.Scope)).Select(g =>
                $"New-AzRoleAssignment -ObjectId {principal} -RoleDefinitionName '{g.Key.Role ?? $"<a role with {g.First().Action}>"}' -Scope {g.Key.Scope} " +
                $"(or: az role assignment create --assignee-object-id {principal} --role '{g.Key.Role ?? "<role>"}' --scope {g.Key.Scope})").ToList();
        var actions = string.Join(", ", Denials.Select(d => d.Action).Distinct(StringComparer.OrdinalIgnoreCase));
        var action = $"Ask an owner of the linked resource to grant YOUR identity (the caller, not the cluster identity) {(actions.Length == 0 ? "the missing action" : actions)} there: " +
                     string.Join("; ", grants) +
                     (actions.Length == 0 ? "" : $", or a custom role with {actions} at that scope or its resource group") +
                     ". Then sign in again (a new token carries the new rights) and run the command again.";
        return (message, action);
    }
}
