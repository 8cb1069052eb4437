namespace AksEgress.Engine.OutboundIps;

/// <summary>
/// The properties a ManagedCluster PUT must not send back: every property the published AKS 2025-10-01 spec
/// (managedClusters.json, including the common-types TrackedResource it derives from) marks readOnly, as the SDKs strip them.
/// Paths use '[]' for "each array item" and '{}' for "each map value". Kept as data so a new spec version is a table change.
/// </summary>
internal static class ReadOnlyFields
{
    public static readonly string[] ManagedCluster =
    {
        "eTag", "id", "name", "type", "systemData",
        "identity.principalId", "identity.tenantId",
        "identity.userAssignedIdentities{}.clientId", "identity.userAssignedIdentities{}.principalId",
        "properties.provisioningState", "properties.powerState", "properties.maxAgentPools", "properties.currentKubernetesVersion",
        "properties.fqdn", "properties.privateFQDN", "properties.azurePortalFQDN", "properties.resourceUID", "properties.status.provisioningError",
        "properties.addonProfiles{}.identity",
        "properties.agentPoolProfiles[].eTag", "properties.agentPoolProfiles[].currentOrchestratorVersion",
        "properties.agentPoolProfiles[].nodeImageVersion", "properties.agentPoolProfiles[].provisioningState",
        "properties.agentPoolProfiles[].status.provisioningError", "properties.agentPoolProfiles[].localDNSProfile.state",
        "properties.ingressProfile.webAppRouting.identity",
        "properties.networkProfile.loadBalancerProfile.effectiveOutboundIPs",
        "properties.networkProfile.natGatewayProfile.effectiveOutboundIPs",
        "properties.oidcIssuerProfile.issuerURL",
        "properties.podIdentityProfile.userAssignedIdentities[].provisioningInfo",
        "properties.podIdentityProfile.userAssignedIdentities[].provisioningState",
        "properties.privateLinkResources[].privateLinkServiceID",
    };

    /// <summary>
    /// A managed cluster PUT body made from the cluster's full GET JSON: a copy with every readOnly property removed, and its
    /// properties.networkProfile (created when absent) for the caller to change.
    /// </summary>
    public static (JsonObject Body, JsonObject NetworkProfile) ClusterPutBody(JsonObject clusterJson)
    {
        var body = (JsonObject)clusterJson.DeepClone();
        Strip(body, ManagedCluster);
        var props = body["properties"] as JsonObject ?? new JsonObject();
        body["properties"] = props;
        var np = props["networkProfile"] as JsonObject ?? new JsonObject();
        props["networkProfile"] = np;
        return (body, np);
    }

    /// <summary>Removes every path in <paramref name="paths"/> from <paramref name="root"/> (in place).</summary>
    public static void Strip(JsonObject root, IEnumerable<string> paths)
    {
        foreach (var path in paths) Remove(root, path.Split('.'), 0);
    }

    private static void Remove(JsonNode? node, string[] parts, int i)
    {
        if (node is not JsonObject o) return;
        var part = parts[i];
        var each = part.EndsWith("[]", StringComparison.Ordinal) ? "[]" : part.EndsWith("{}", StringComparison.Ordinal) ? "{}" : null;
        var name = each is null ? part : part[..^2];
        if (i == parts.Length - 1 && each is null) { o.Remove(name); return; }
        if (!o.TryGetPropertyValue(name, out var child) || child is null) return;
        if (each == "[]") { if (child is JsonArray a) foreach (var item in a) Remove(item, parts, i + 1); }
        else if (each == "{}") { if (child is JsonObject m) foreach (var (_, v) in m.ToList()) Remove(v, parts, i + 1); }
        else Remove(child, parts, i + 1);
    }
}
