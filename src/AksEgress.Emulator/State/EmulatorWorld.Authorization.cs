using System.Text.RegularExpressions;

namespace AksEgress.Emulator;

/// <summary>An Azure RBAC role definition (built-in or custom): what its actions and notActions allow.</summary>
internal sealed class RoleDefinition
{
    public required string Name { get; init; }        // GUID
    public required string RoleName { get; init; }
    public bool BuiltIn { get; init; }
    public List<string> Actions { get; init; } = new();
    public List<string> NotActions { get; init; } = new();

    public string Id(string sub) => $"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{Name}";

    /// <summary>ARM's action matching: '*' is a wildcard anywhere in the pattern, case-insensitive; notActions subtract.</summary>
    public bool Allows(string action) => Actions.Any(a => Matches(a, action)) && !NotActions.Any(a => Matches(a, action));

    internal static bool Matches(string pattern, string action) =>
        Regex.IsMatch(action, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal) + "$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    public JsonObject ToJson(string sub) => new()
    {
        ["properties"] = new JsonObject
        {
            ["roleName"] = RoleName,
            ["type"] = BuiltIn ? "BuiltInRole" : "CustomRole",
            ["description"] = BuiltIn ? $"{RoleName} (built-in role, as modelled by the AksEgress emulator)" : "custom role",
            ["assignableScopes"] = new JsonArray(BuiltIn ? "/" : $"/subscriptions/{sub}"),
            ["permissions"] = new JsonArray(new JsonObject
            {
                ["actions"] = new JsonArray(Actions.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray()),
                ["notActions"] = new JsonArray(NotActions.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray()),
                ["dataActions"] = new JsonArray(),
                ["notDataActions"] = new JsonArray(),
            }),
            ["createdOn"] = "2015-02-02T21:55:09.8806423Z",
            ["updatedOn"] = "2025-01-01T00:00:00.0000000Z",
            ["createdBy"] = null,
            ["updatedBy"] = null,
        },
        ["id"] = Id(sub),
        ["type"] = "Microsoft.Authorization/roleDefinitions",
        ["name"] = Name,
    };
}

/// <summary>A role assignment: a principal holds a role at a scope (and everything below it).</summary>
internal sealed class RoleAssignment
{
    public required string Name { get; init; }        // GUID
    public required string Scope { get; init; }
    public required string PrincipalId { get; init; }
    public required string PrincipalType { get; init; }
    public required string RoleDefinitionName { get; init; }

    public string Id => $"{Scope.TrimEnd('/')}/providers/Microsoft.Authorization/roleAssignments/{Name}";

    public JsonObject ToJson(string sub) => new()
    {
        ["properties"] = new JsonObject
        {
            ["roleDefinitionId"] = $"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{RoleDefinitionName}",
            ["principalId"] = PrincipalId,
            ["principalType"] = PrincipalType,
            ["scope"] = Scope,
            ["condition"] = null,
            ["conditionVersion"] = null,
            ["createdOn"] = "2026-01-01T00:00:00.0000000Z",
            ["updatedOn"] = "2026-01-01T00:00:00.0000000Z",
            ["createdBy"] = null,
            ["updatedBy"] = null,
            ["delegatedManagedIdentityResourceId"] = null,
            ["description"] = null,
        },
        ["id"] = Id,
        ["type"] = "Microsoft.Authorization/roleAssignments",
        ["name"] = Name,
    };
}

/// <summary>
/// Azure RBAC as far as the emulator needs it (docs/emulator.md "Authorization"): role definitions (the built-in ones the
/// module talks about, plus custom roles) and role assignments for the caller and the cluster identities. ARM consults it
/// for the caller's rights on every resource a cluster PUT links to (LinkedAuthorizationFailed) and for reading role
/// assignments; the cloud provider consults it for the cluster identity's rights on a Service's public IP.
/// </summary>
public sealed partial class EmulatorWorld
{
    // Built-in role ids are the same in every tenant.
    internal const string OwnerRoleId = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
    internal const string ContributorRoleId = "b24988ac-6180-42a0-ab88-20f7382dd24c";
    internal const string ReaderRoleId = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
    internal const string NetworkContributorRoleId = "4d97b98b-1d4f-4787-a291-c67834d212e7";

    /// <summary>Object id of the emulator's managed identity (the principal of its Entra tokens).</summary>
    public const string ManagedIdentityObjectId = "7f2c3b1e-7c41-4c2a-9a55-5e1f1d0c0002";

    internal Dictionary<string, RoleDefinition> RoleDefinitions { get; } = new(StringComparer.OrdinalIgnoreCase);
    internal List<RoleAssignment> RoleAssignments { get; } = new();

    private void SeedRoles()
    {
        RoleDefinitions.Clear(); RoleAssignments.Clear();
        void Add(string id, string name, string[] actions, string[] notActions) =>
            RoleDefinitions[id] = new RoleDefinition { Name = id, RoleName = name, BuiltIn = true, Actions = actions.ToList(), NotActions = notActions.ToList() };
        Add(OwnerRoleId, "Owner", ["*"], []);
        Add(ContributorRoleId, "Contributor", ["*"],
            ["Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action",
             "Microsoft.Blueprint/blueprintAssignments/write", "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action"]);
        Add(ReaderRoleId, "Reader", ["*/read"], []);
        Add(NetworkContributorRoleId, "Network Contributor",
            ["Microsoft.Authorization/*/read", "Microsoft.Insights/alertRules/*", "Microsoft.Network/*", "Microsoft.ResourceHealth/availabilityStatuses/read",
             "Microsoft.Resources/deployments/*", "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*"], []);
        // The signed-in caller of the default token may do everything in the subscription, as a subscription Owner can.
        AssignRoleLocked(CallerObjectId, $"/subscriptions/{SubscriptionId}", OwnerRoleId, "User");
        // The managed identity (runbooks, -Identity) is Contributor of the subscription: it may change and join, and read role assignments.
        AssignRoleLocked(ManagedIdentityObjectId, $"/subscriptions/{SubscriptionId}", ContributorRoleId, "ServicePrincipal");
    }

    private RoleDefinition? FindRole(string roleNameOrId)
    {
        var id = roleNameOrId.Split('/').Last();
        return RoleDefinitions.GetValueOrDefault(id) ?? RoleDefinitions.Values.FirstOrDefault(r => r.RoleName.Equals(roleNameOrId, StringComparison.OrdinalIgnoreCase));
    }

    private RoleAssignment AssignRoleLocked(string principalId, string scope, string roleNameOrId, string principalType)
    {
        var role = FindRole(roleNameOrId) ?? throw new ArgumentException($"Unknown role '{roleNameOrId}'.", nameof(roleNameOrId));
        scope = scope.TrimEnd('/');
        var existing = RoleAssignments.FirstOrDefault(a => a.PrincipalId.Equals(principalId, StringComparison.OrdinalIgnoreCase)
            && a.Scope.Equals(scope, StringComparison.OrdinalIgnoreCase) && a.RoleDefinitionName.Equals(role.Name, StringComparison.OrdinalIgnoreCase));
        if (existing is not null) return existing;
        var a = new RoleAssignment
        {
            Name = Det.Guid($"ra/{principalId}/{scope.ToLowerInvariant()}/{role.Name}").ToString(), Scope = scope, PrincipalId = principalId,
            PrincipalType = principalType, RoleDefinitionName = role.Name,
        };
        RoleAssignments.Add(a);
        return a;
    }

    /// <summary>True when <paramref name="scope"/> is <paramref name="resourceId"/> or one of its parents (segment-wise, case-insensitive).</summary>
    internal static bool ScopeCovers(string scope, string resourceId)
    {
        var s = scope.TrimEnd('/'); var r = resourceId.TrimEnd('/');
        if (s.Length == 0) return true;   // "/" (tenant root)
        return r.Equals(s, StringComparison.OrdinalIgnoreCase) || r.StartsWith(s + "/", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Whether the principal may perform <paramref name="action"/> on <paramref name="resourceId"/> (any assignment at or above it).</summary>
    internal bool HasPermissionLocked(string principalId, string action, string resourceId) =>
        RoleAssignments.Any(a => a.PrincipalId.Equals(principalId, StringComparison.OrdinalIgnoreCase) && ScopeCovers(a.Scope, resourceId)
                                 && RoleDefinitions.TryGetValue(a.RoleDefinitionName, out var r) && r.Allows(action));

    internal string ResourceGroupScope(string rg) => $"/subscriptions/{SubscriptionId}/resourceGroups/{rg}";

    // ------------------------------------------------------------------ public test helpers

    /// <summary>Principal id of the cluster's (system-assigned) control-plane identity.</summary>
    public string GetClusterPrincipalId(string cluster) { lock (Sync) return Clusters[cluster].PrincipalId; }

    /// <summary>Assigns a role (built-in name such as "Network Contributor", a custom role's name, or a role definition id) at a scope; returns the assignment id.</summary>
    public string AssignRole(string principalId, string scope, string roleNameOrId, string principalType = "ServicePrincipal")
    {
        lock (Sync) return AssignRoleLocked(principalId, scope, roleNameOrId, principalType).Id;
    }

    /// <summary>Removes the principal's role assignments (all of them, or only at <paramref name="scope"/>, or only of one role); returns how many.</summary>
    public int RemoveRoleAssignments(string principalId, string? scope = null, string? roleNameOrId = null)
    {
        lock (Sync)
        {
            var role = roleNameOrId is null ? null : FindRole(roleNameOrId) ?? throw new ArgumentException($"Unknown role '{roleNameOrId}'.", nameof(roleNameOrId));
            return RoleAssignments.RemoveAll(a => a.PrincipalId.Equals(principalId, StringComparison.OrdinalIgnoreCase)
                && (scope is null || a.Scope.Equals(scope.TrimEnd('/'), StringComparison.OrdinalIgnoreCase))
                && (role is null || a.RoleDefinitionName.Equals(role.Name, StringComparison.OrdinalIgnoreCase)));
        }
    }

    /// <summary>Creates a custom role with these actions (wildcards allowed) and returns its role definition id.</summary>
    public string AddCustomRole(string roleName, IEnumerable<string> actions, IEnumerable<string>? notActions = null)
    {
        lock (Sync)
        {
            var existing = RoleDefinitions.Values.FirstOrDefault(r => r.RoleName.Equals(roleName, StringComparison.OrdinalIgnoreCase));
            if (existing is not null) RoleDefinitions.Remove(existing.Name);
            var r = new RoleDefinition { Name = Det.Guid("role/" + roleName.ToLowerInvariant()).ToString(), RoleName = roleName, Actions = actions.ToList(), NotActions = (notActions ?? []).ToList() };
            RoleDefinitions[r.Name] = r;
            return r.Id(SubscriptionId);
        }
    }

    /// <summary>Whether the principal's role assignments allow the action on the resource id.</summary>
    public bool HasPermission(string principalId, string action, string resourceId) { lock (Sync) return HasPermissionLocked(principalId, action, resourceId); }

    /// <summary>Grants the cluster identity Network Contributor on a resource group (a role assignment at the group).</summary>
    public void GrantNetworkContributor(string cluster, string resourceGroup)
    {
        lock (Sync) AssignRoleLocked(Clusters[cluster].PrincipalId, ResourceGroupScope(resourceGroup), NetworkContributorRoleId, "ServicePrincipal");
    }

    /// <summary>Removes the cluster identity's Network Contributor assignment on a resource group.</summary>
    public void RevokeNetworkContributor(string cluster, string resourceGroup) =>
        RemoveRoleAssignments(GetClusterPrincipalId(cluster), ResourceGroupScope(resourceGroup), NetworkContributorRoleId);

    /// <summary>Resource groups where the cluster identity holds Network Contributor (for the world dump).</summary>
    internal IEnumerable<string> NetworkContributorGroupsLocked(Cluster c) =>
        RoleAssignments.Where(a => a.PrincipalId.Equals(c.PrincipalId, StringComparison.OrdinalIgnoreCase) && a.RoleDefinitionName == NetworkContributorRoleId)
            .Select(a => a.Scope.Split('/')).Where(p => p.Length == 5 && p[3].Equals("resourceGroups", StringComparison.OrdinalIgnoreCase)).Select(p => p[4]);
}
