using System.Text.RegularExpressions;
using AksEgress.Engine.PublicIps;

namespace AksEgress.Engine.OutboundIps;

/// <summary>The permissions of one role definition: actions (wildcards allowed) minus notActions.</summary>
internal sealed record RolePermissions(string RoleName, IReadOnlyList<string> Actions, IReadOnlyList<string> NotActions);

/// <summary>
/// Best-effort check, before Set-AksOutboundIp's PUT, that the CLUSTER identity may use an outbound IP outside the node resource
/// group. AKS documents that the cluster identity needs Network Contributor (or a custom role with publicIPAddresses/read and
/// join/action) on such an IP; without it Azure still accepts the update and the load balancer's reconciliation fails later.
/// The check reads the identity's role assignments at the IP (Microsoft.Authorization, api-version 2022-04-01) and the role
/// definitions they name; anything it cannot read becomes a "check skipped" warning, never a failure.
/// </summary>
internal static class ClusterIdentityRoleCheck
{
    public static readonly string[] RequiredActions = ["Microsoft.Network/publicIPAddresses/read", "Microsoft.Network/publicIPAddresses/join/action"];

    /// <summary>
    /// The cluster's control-plane identity: identity.principalId when system-assigned, the user-assigned identity's principalId
    /// when user-assigned; null for a service principal cluster (Kind then names the client id) or when absent.
    /// </summary>
    public static (string? PrincipalId, string Kind) IdentityOf(JsonObject? cluster)
    {
        var identity = cluster?["identity"] as JsonObject;
        var type = ManagedClusterModel.Str(identity, "type") ?? "";
        if (type.Contains("SystemAssigned", StringComparison.OrdinalIgnoreCase) && ManagedClusterModel.Str(identity, "principalId") is { Length: > 0 } sys)
            return (sys, "system-assigned identity");
        if (identity?["userAssignedIdentities"] is JsonObject uai)
            foreach (var (id, value) in uai)
                if (ManagedClusterModel.Str(value, "principalId") is { Length: > 0 } p)
                    return (p, $"user-assigned identity '{id.Split('/').Last()}'");
        if (ManagedClusterModel.Str(identity, "principalId") is { Length: > 0 } any) return (any, "identity");
        var sp = ManagedClusterModel.Str(cluster?["properties"]?["servicePrincipalProfile"], "clientId");
        return (null, sp is { Length: > 0 } && !sp.Equals("msi", StringComparison.OrdinalIgnoreCase) ? $"service principal (client id {sp})" : "identity (not reported by ARM)");
    }

    /// <summary>ARM's action matching: '*' matches any characters, case-insensitive.</summary>
    public static bool Matches(string pattern, string action) =>
        Regex.IsMatch(action, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    /// <summary>The required actions no role allows (an action is allowed by a role when an action matches and no notAction does).</summary>
    public static IReadOnlyList<string> Missing(IEnumerable<RolePermissions> roles, IEnumerable<string> required)
    {
        var list = roles.ToList();
        return required.Where(a => !list.Any(r => r.Actions.Any(p => Matches(p, a)) && !r.NotActions.Any(p => Matches(p, a)))).ToList();
    }

    /// <summary>True when <paramref name="scope"/> is <paramref name="resourceId"/> or one of its parents.</summary>
    public static bool Covers(string scope, string resourceId)
    {
        var s = scope.TrimEnd('/'); var r = resourceId.TrimEnd('/');
        return s.Length == 0 || r.Equals(s, StringComparison.OrdinalIgnoreCase) || r.StartsWith(s + "/", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The role permissions of a role definition GET body.</summary>
    public static RolePermissions ParseRoleDefinition(JsonObject body)
    {
        var props = body["properties"] as JsonObject;
        var actions = new List<string>(); var notActions = new List<string>();
        foreach (var p in (props?["permissions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            actions.AddRange((p["actions"] as JsonArray ?? []).Select(a => a?.ToString() ?? "").Where(a => a.Length > 0));
            notActions.AddRange((p["notActions"] as JsonArray ?? []).Select(a => a?.ToString() ?? "").Where(a => a.Length > 0));
        }
        return new RolePermissions(ManagedClusterModel.Str(props, "roleName") ?? ManagedClusterModel.Str(body, "name") ?? "?", actions, notActions);
    }

    /// <summary>Writes one warning per outbound IP outside the node resource group that the cluster identity may not use (or could not be checked).</summary>
    public static async Task CheckAsync(ArmSession s, JsonObject cluster, AksNodeResourceGroup info, IEnumerable<PublicIpModel> ips, IOperationContext context)
    {
        var foreign = ips.Where(i => !i.ResourceGroupName.Equals(info.NodeResourceGroup, StringComparison.OrdinalIgnoreCase)).ToList();
        if (foreign.Count == 0) return;
        var (principal, kind) = IdentityOf(cluster);
        if (principal is null)
        {
            context.WriteWarning($"The check of cluster '{info.ClusterName}''s rights on its outbound IP(s) was skipped: its {kind} has no principal id to look up. " +
                                 $"It needs Network Contributor (or {string.Join(" and ", RequiredActions)}) on {string.Join(", ", foreign.Select(f => ArmErrorMapper.ResourceGroupIdOf(f.Id)).Distinct())}, " +
                                 "otherwise the load balancer cannot use the IP.");
            return;
        }
        var definitions = new Dictionary<string, RolePermissions?>(StringComparer.OrdinalIgnoreCase);
        foreach (var ip in foreign)
        {
            string? skipped = null;
            var roles = new List<RolePermissions>();
            try
            {
                var filter = Uri.EscapeDataString($"principalId eq '{principal}'");
                Uri? next = ArmRest.Url(s, ip.Id + "/providers/Microsoft.Authorization/roleAssignments", ApiVersions.Authorization, "$filter=" + filter);
                var assignments = new List<JsonObject>();
                for (var page = 0; next is not null && page < 20; page++)
                {
                    var r = await ArmRest.SendAsync(s, RequestMethod.Get, next, null, context, ip.Id).ConfigureAwait(false);
                    if (!r.IsSuccess) { skipped = Reason(r, ip.Id); break; }
                    var json = r.Json;
                    assignments.AddRange((json?["value"] as JsonArray ?? []).OfType<JsonObject>());
                    next = ManagedClusterModel.Str(json, "nextLink") is { Length: > 0 } nl ? new Uri(nl) : null;
                }
                if (skipped is null)
                    foreach (var a in assignments)
                    {
                        var props = a["properties"] as JsonObject;
                        if (!string.Equals(ManagedClusterModel.Str(props, "principalId"), principal, StringComparison.OrdinalIgnoreCase)) continue;
                        if (ManagedClusterModel.Str(props, "scope") is not { } scope || !Covers(scope, ip.Id)) continue;
                        if (ManagedClusterModel.Str(props, "roleDefinitionId") is not { Length: > 0 } defId) continue;
                        if (!definitions.TryGetValue(defId, out var def))
                        {
                            var r = await ArmRest.SendAsync(s, RequestMethod.Get, ArmRest.Url(s, defId, ApiVersions.Authorization), null, context, defId).ConfigureAwait(false);
                            def = r.IsSuccess && r.Json is { } body ? ParseRoleDefinition(body) : null;
                            if (def is null) { skipped = Reason(r, defId); break; }
                            definitions[defId] = def;
                        }
                        roles.Add(def!);
                    }
            }
            catch (AksEgressException e) { skipped = e.Message; }
            if (skipped is not null)
            {
                context.WriteWarning($"The check of cluster '{info.ClusterName}''s {kind} (principal id {principal}) on public IP '{ip.ResourceGroupName}/{ip.Name}' was skipped: {skipped} " +
                                     "The update goes ahead; make sure that identity has Network Contributor (or a role with " +
                                     $"{string.Join(" and ", RequiredActions)}) on '{ArmErrorMapper.ResourceGroupIdOf(ip.Id)}', otherwise the load balancer cannot use the IP.");
                continue;
            }
            var missing = Missing(roles, RequiredActions);
            if (missing.Count == 0)
            {
                context.WriteVerbose($"Cluster {info.ClusterName}'s {kind} may use public IP {ip.ResourceGroupName}/{ip.Name} (role(s): {string.Join(", ", roles.Select(r => r.RoleName).Distinct())})");
                continue;
            }
            var rg = ArmErrorMapper.ResourceGroupIdOf(ip.Id) ?? ip.Id;
            context.WriteWarning($"Cluster '{info.ClusterName}''s {kind} (principal id {principal}) has no role assignment at public IP '{ip.ResourceGroupName}/{ip.Name}' or above that allows {string.Join(" and ", missing)}. " +
                                 "Azure accepts the update anyway, but the cluster's load balancer cannot use the IP: its reconciliation fails later and egress does not move to it. " +
                                 $"Grant it: New-AzRoleAssignment -ObjectId {principal} -RoleDefinitionName 'Network Contributor' -Scope {rg} " +
                                 $"(or: az role assignment create --assignee-object-id {principal} --assignee-principal-type ServicePrincipal --role 'Network Contributor' --scope {rg}), " +
                                 $"or a custom role with {string.Join(" and ", RequiredActions)}. (Only the identity's own assignments are checked, not group memberships.)");
        }
    }

    private static string Reason(ArmResult r, string scope)
    {
        var (code, msg) = ArmErrorMapper.ParseError(r.Content);
        return r.Status == 403
            ? $"you may not read role assignments or role definitions at '{scope}' (403 {code}; reading them needs Microsoft.Authorization/roleAssignments/read and roleDefinitions/read, e.g. Reader)."
            : $"reading the role assignments at '{scope}' failed with HTTP {r.Status} {code}: {Redaction.Text(msg ?? "")}.";
    }
}
