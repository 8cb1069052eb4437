using System.Text.RegularExpressions;

namespace AksEgress.Emulator;

/// <summary>
/// ARM's authorization as the emulator models it (docs/emulator.md "Authorization"): who the caller is, ARM's linked access
/// check on a managed cluster PUT (the CALLER's rights on every resource id the body links to), and Microsoft.Authorization
/// role assignments / role definitions (read only).
/// </summary>
internal sealed partial class ArmApi
{
    /// <summary>The api-version the engine pins for Microsoft.Authorization (the current stable one); others are refused as ARM does.</summary>
    internal const string AuthorizationApiVersion = "2022-04-01";

    /// <summary>The caller behind the request's token: the emulator's access token is a user, an Entra token is the managed identity.</summary>
    private (string Name, string ObjectId) Caller(HttpContext ctx)
    {
        var token = ctx.Request.Headers.Authorization.ToString() is { Length: > 7 } a ? a[7..].Trim() : "";
        return token == emu.Tokens.AccessToken ? (W.CallerName, W.CallerObjectId) : (emu.Tokens.MiObjectId, emu.Tokens.MiObjectId);
    }

    /// <summary>The resource ids a managed cluster PUT body links to, each with the action ARM checks the caller has on it.</summary>
    internal static IEnumerable<(string Action, string Id)> LinkedResources(JsonObject body)
    {
        var props = body["properties"] as JsonObject;
        var lbp = JsonUtil.Get(props, "networkProfile", "loadBalancerProfile") as JsonObject;
        foreach (var ip in (JsonUtil.Get(lbp, "outboundIPs", "publicIPs") as JsonArray ?? []).OfType<JsonObject>())
            if (JsonUtil.S(ip, "id") is { Length: > 0 } id) yield return ("Microsoft.Network/publicIPAddresses/join/action", id);
        foreach (var p in (JsonUtil.Get(lbp, "outboundIPPrefixes", "publicIPPrefixes") as JsonArray ?? []).OfType<JsonObject>())
            if (JsonUtil.S(p, "id") is { Length: > 0 } id) yield return ("Microsoft.Network/publicIPPrefixes/join/action", id);
        foreach (var pool in (props?["agentPoolProfiles"] as JsonArray ?? []).OfType<JsonObject>())
            foreach (var key in new[] { "vnetSubnetID", "podSubnetID" })
                if (JsonUtil.S(pool, key) is { Length: > 0 } id) yield return ("Microsoft.Network/virtualNetworks/subnets/join/action", id);
        if (JsonUtil.Get(body, "identity", "userAssignedIdentities") is JsonObject uai)
            foreach (var (id, _) in uai) yield return ("Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", id);
        if (JsonUtil.S(props, "identityProfile", "kubeletidentity", "resourceId") is { Length: > 0 } kubelet)
            yield return ("Microsoft.ManagedIdentity/userAssignedIdentities/assign/action", kubelet);
        if (props?["addonProfiles"] is JsonObject addons)
            foreach (var (_, addon) in addons)
                if (JsonUtil.S(addon, "config", "logAnalyticsWorkspaceResourceID") is { Length: > 0 } ws)
                    yield return ("Microsoft.OperationalInsights/workspaces/sharedkeys/read", ws);
    }

    /// <summary>
    /// ARM's linked access check: the caller must hold each linked resource's action itself (the cluster identity's rights play
    /// no part here). Null when every check passes, else the 403 LinkedAuthorizationFailed body in ARM's wording (one action:
    /// "action 'a' on the linked scope(s) 'id1,id2'"; several: "action(s) 'a1,a2' on the linked scope(s) 'id1,id2' (respectively)").
    /// </summary>
    private JsonObject? LinkedAuthorizationFailure(HttpContext ctx, Cluster c, JsonObject body)
    {
        var (name, oid) = Caller(ctx);
        var denied = LinkedResources(body).Distinct().Where(l => !W.HasPermissionLocked(oid, l.Action, l.Id)).ToList();
        if (denied.Count == 0) return null;
        var clusterId = $"/subscriptions/{Sub}/resourceGroups/{c.ResourceGroup}/providers/Microsoft.ContainerService/managedClusters/{c.Name}";
        var actions = denied.Select(d => d.Action).Distinct().ToList();
        var what = actions.Count == 1
            ? $"action '{actions[0]}' on the linked scope(s) '{string.Join(",", denied.Select(d => d.Id))}'"
            : $"action(s) '{string.Join(",", denied.Select(d => d.Action))}' on the linked scope(s) '{string.Join(",", denied.Select(d => d.Id))}' (respectively)";
        return Err("LinkedAuthorizationFailed",
            $"The client '{name}' with object id '{oid}' has permission to perform action 'Microsoft.ContainerService/managedClusters/write' on scope '{clusterId}'; " +
            $"however, it does not have permission to perform {what} or the linked scope(s) are invalid.");
    }

    private static readonly Regex AuthorizationPath = new(
        @"^(?<scope>/subscriptions/[^/]+(/.*?)?)/providers/Microsoft\.Authorization/(?<type>roleAssignments|roleDefinitions)(/(?<name>[^/]+))?$", Ro);

    /// <summary>Microsoft.Authorization routes at any scope; false when the path is not one.</summary>
    private async Task<bool> Authorization(HttpContext ctx, string method, string path)
    {
        var m = AuthorizationPath.Match(path);
        if (!m.Success) return false;
        var type = m.Groups["type"].Value;
        if (await RefuseApiVersion(ctx, type, [AuthorizationApiVersion], location: null)) return true;
        if (method != "GET") { await MethodNotAllowed(ctx); return true; }
        var scope = m.Groups["scope"].Value;
        var (callerName, oid) = Caller(ctx);
        var readAction = $"Microsoft.Authorization/{type}/read";
        JsonObject? answer = null; var status = 200;
        lock (W.Sync)
        {
            if (!W.HasPermissionLocked(oid, readAction, scope))
            {
                status = 403;
                answer = Err("AuthorizationFailed",
                    $"The client '{callerName}' with object id '{oid}' does not have authorization to perform action '{readAction}' over scope '{scope}/providers/Microsoft.Authorization' or the scope is invalid. If access was recently granted, please refresh your credentials.");
            }
            else if (type.Equals("roleDefinitions", StringComparison.OrdinalIgnoreCase) && m.Groups["name"].Success)
            {
                if (W.RoleDefinitions.GetValueOrDefault(m.Groups["name"].Value) is { } def) answer = def.ToJson(Sub);
                else { status = 404; answer = Err("RoleDefinitionDoesNotExist", "The specified role definition with ID '" + m.Groups["name"].Value + "' does not exist."); }
            }
            else if (type.Equals("roleDefinitions", StringComparison.OrdinalIgnoreCase))
            {
                var roleName = Regex.Match(ctx.Request.Query["$filter"].ToString(), @"roleName\s+eq\s+'(?<n>[^']*)'", Ro) is { Success: true } rn ? rn.Groups["n"].Value : null;
                answer = new JsonObject { ["value"] = new JsonArray(W.RoleDefinitions.Values.Where(r => roleName is null || r.RoleName.Equals(roleName, StringComparison.OrdinalIgnoreCase))
                    .Select(r => (JsonNode)r.ToJson(Sub)).ToArray()) };
            }
            else if (m.Groups["name"].Success)
            {
                if (W.RoleAssignments.FirstOrDefault(a => a.Name.Equals(m.Groups["name"].Value, StringComparison.OrdinalIgnoreCase)) is { } ra) answer = ra.ToJson(Sub);
                else { status = 404; answer = Err("RoleAssignmentNotFound", "The role assignment '" + m.Groups["name"].Value + "' is not found."); }
            }
            else
            {
                // $filter: atScope() = at or above the scope; principalId eq 'x' = that principal's, at, above or below; both may be combined with 'and'.
                var filter = ctx.Request.Query["$filter"].ToString();
                var atScope = filter.Contains("atScope()", StringComparison.OrdinalIgnoreCase);
                var principal = Regex.Match(filter, @"principalId\s+eq\s+'?(?<id>[0-9a-fA-F-]+)'?", Ro) is { Success: true } pm ? pm.Groups["id"].Value : null;
                var list = W.RoleAssignments.Where(a =>
                    (principal is null || a.PrincipalId.Equals(principal, StringComparison.OrdinalIgnoreCase))
                    && (EmulatorWorld.ScopeCovers(a.Scope, scope) || (!atScope && EmulatorWorld.ScopeCovers(scope, a.Scope))));
                answer = new JsonObject { ["value"] = new JsonArray(list.Select(a => (JsonNode)a.ToJson(Sub)).ToArray()) };
            }
        }
        await Write(ctx, status, answer, "application/json; charset=utf-8");
        return true;
    }
}
