using AksEgress.Engine.Clusters;
using static AksEgress.Engine.Session.SessionService;

namespace AksEgress.Engine.PublicIps;

/// <summary>
/// Where New-AksEgressIp and New-AksEgressIpPrefix put their resource: -ResourceGroupName, else the cluster's node resource group
/// (refused before any write when AKS has locked it down). The one owner of that rule for both cmdlets.
/// </summary>
internal sealed record ResourcePlacement(string SubscriptionId, string ResourceGroupName, bool InNodeResourceGroup, AksNodeResourceGroup? Cluster,
    string ResourceType, string ResourceKind, string Name)
{
    /// <summary>resource group/name, the target of messages and ShouldProcess.</summary>
    public string Target => $"{ResourceGroupName}/{Name}";

    /// <summary>The ARM id the resource gets.</summary>
    public string Id => $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroupName}/providers/Microsoft.Network/{ResourceType}/{Name}";

    /// <summary>The error scope of requests about the resource (names the node resource group and the cluster in ARM errors).</summary>
    public ErrorScope Scope(ArmTargetKind kind) =>
        new(kind, Target) { ResourceGroupName = ResourceGroupName, InNodeResourceGroup = InNodeResourceGroup, ClusterName = Cluster?.ClusterName };

    /// <summary>
    /// The cluster context a created resource carries (<c>ClusterContextObject</c>): from the cluster read, else from the request.
    /// The one owner of those fallbacks for New-AksEgressIp and New-AksEgressIpPrefix.
    /// </summary>
    public static ClusterContextValues ContextOf(string subscriptionId, AksNodeResourceGroup? info, NewEgressResourceRequest request) => new(
        info?.ClusterName ?? request.Cluster?.ClusterName,
        info?.ResourceGroupName ?? request.Cluster?.ResourceGroupName,
        info?.ClusterId ?? request.Cluster?.ToId(subscriptionId),
        NullIfEmpty(info?.NodeResourceGroup) ?? request.NodeResourceGroup,
        NullIfEmpty(info?.LoadBalancerSku),
        NullIfEmpty(info?.OutboundType));

    /// <param name="freshCluster">Read a cluster named by id from ARM even when this session read it moments ago.</param>
    /// <param name="resourceType">The Microsoft.Network resource type (publicIPAddresses, publicIPPrefixes).</param>
    /// <param name="resourceKind">"public IP" or "public IP prefix", for the messages.</param>
    /// <param name="cmdlet">The cmdlet the advice names (New-AksEgressIp, New-AksEgressIpPrefix).</param>
    public static async Task<ResourcePlacement> ResolveAsync(ArmSession s, ClusterService clusters, NewEgressResourceRequest request, bool freshCluster,
        string resourceType, string resourceKind, string cmdlet, IOperationContext context)
    {
        var info = request.ClusterInfo;
        if (info is null && request.Cluster is not null)
            info = (await clusters.GetModelAsync(request.Cluster, context, fresh: freshCluster).ConfigureAwait(false)).Model.Info;
        var sub = (request.SubscriptionId ?? NullIfEmpty(info?.SubscriptionId) ?? request.Cluster?.SubscriptionId ?? s.SubscriptionId).ToLowerInvariant();
        var nodeRg = NullIfEmpty(info?.NodeResourceGroup) ?? request.NodeResourceGroup;
        var targetRg = request.ResourceGroupName ?? nodeRg
            ?? throw new AksEgressException(ErrorIds.MissingClusterContext, EgressErrorCategory.InvalidArgument,
                $"Where should the {resourceKind} go? Give -ResourceGroupName, or a cluster (-ClusterId, or pipe Get-AksNodeResourceGroup) so its node resource group is used.",
                request.Name, $"Example: {cmdlet} -Name {request.Name} -ResourceGroupName egress-rg -Location eastus");
        var inNodeRg = nodeRg is not null && string.Equals(targetRg, nodeRg, StringComparison.OrdinalIgnoreCase);
        if (inNodeRg)
        {
            context.WriteVerbose($"Target resource group {targetRg} is the node resource group of {info?.ClusterName ?? "the cluster"}");
            if (info?.NodeResourceGroupLocked == true)
                throw new AksEgressException(ErrorIds.NodeResourceGroupLocked, EgressErrorCategory.PermissionDenied,
                    ArmErrorMapper.NodeRgLockedMessage(targetRg, info.ClusterName), $"{targetRg}/{request.Name}", ArmErrorMapper.NodeRgLockedActionFor(cmdlet));
        }
        return new ResourcePlacement(sub, targetRg, inNodeRg, info, resourceType, resourceKind, request.Name);
    }

    /// <summary>
    /// The location to create in: -Location, else the cluster's, else (<paramref name="knownLocation"/> null) the target
    /// resource group's, read from ARM. Normalised (eastus, not "East US").
    /// </summary>
    public async Task<string> LocationAsync(ArmSession s, string? knownLocation, bool given, IOperationContext context)
    {
        var location = knownLocation;
        if (location is not null)
            context.WriteVerbose($"Location {PublicIpModel.NormaliseLocation(location)} ({(given ? "given" : "the cluster's")})");
        else
        {
            context.WriteVerbose($"GET resource group {ResourceGroupName} (for its location)");
            var rgr = await ArmRest.SendCheckedAsync(s, RequestMethod.Get, ArmRest.Url(s, $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroupName}", ApiVersions.ResourceGroups), null, context,
                new ErrorScope(ArmTargetKind.ResourceGroup, ResourceGroupName) { ResourceGroupName = ResourceGroupName }).ConfigureAwait(false);
            location = ManagedClusterModel.Str(rgr!.Json, "location");
            if (location is not null) context.WriteVerbose($"Location {location} (the location of resource group {ResourceGroupName}: no cluster and no -Location given)");
            if (location is null)
                throw new AksEgressException(ErrorIds.MissingClusterContext, EgressErrorCategory.InvalidArgument,
                    $"The location of resource group '{ResourceGroupName}' is unknown.", ResourceGroupName, "Pass -Location.");
        }
        return PublicIpModel.NormaliseLocation(location);
    }

    /// <summary>
    /// The create step of both cmdlets: the location (<see cref="LocationAsync"/>), ShouldProcess ("Create <paramref name="what"/>
    /// in location"), the PUT of <see cref="PutBody"/> and the wait for the creation (LRO). The final body; null when ShouldProcess
    /// declined (-WhatIf).
    /// </summary>
    /// <param name="knownLocation">-Location, the cluster's or the existing resource's; null: the resource group's.</param>
    /// <param name="what">What ShouldProcess names ("static Standard public IP").</param>
    /// <param name="shape">What the verbose line names after "Standard, " ("Static", "IPv4 /28").</param>
    /// <param name="properties">The resource's own properties.</param>
    public async Task<JsonObject?> CreateAsync(ArmSession s, NewEgressResourceRequest request, string? knownLocation, string what, string shape,
        JsonObject properties, ErrorScope scope, IOperationContext context)
    {
        var location = await LocationAsync(s, knownLocation, given: request.Location is not null, context).ConfigureAwait(false);
        if (!context.ShouldProcess(Target, $"Create {what} in {location}"))
            return null;
        context.WriteVerbose($"Creating {ResourceKind} {Target} in {location} (Standard, {shape}{(request.Zones.Length > 0 ? ", zones " + string.Join(",", request.Zones) : "")})");
        var uri = ArmRest.Url(s, Id, ApiVersions.Network);
        var initial = await ArmRest.SendCheckedAsync(s, RequestMethod.Put, uri, PutBody(location, request, properties), context, scope).ConfigureAwait(false);
        var final = await ArmRest.WaitAsync(s, initial!, uri, $"creation of {ResourceKind} {Target}", request.TimeoutSeconds, context, scope).ConfigureAwait(false);
        return final!.Json ?? initial!.Json!;
    }

    /// <summary>
    /// The PUT body of a new public IP or prefix: Standard regional SKU in <paramref name="location"/>, the request's zones (each
    /// once) and tags (when any), and the resource's own <paramref name="properties"/>.
    /// </summary>
    internal static JsonObject PutBody(string location, NewEgressResourceRequest request, JsonObject properties)
    {
        var body = new JsonObject
        {
            ["location"] = location,
            ["sku"] = new JsonObject { ["name"] = "Standard", ["tier"] = "Regional" },
        };
        if (request.Zones.Length > 0) body["zones"] = new JsonArray(request.Zones.Distinct().Select(z => (JsonNode)JsonValue.Create(z)!).ToArray());
        var tags = new JsonObject();
        foreach (var (k, v) in request.Tags) tags[k] = v;
        if (tags.Count > 0) body["tags"] = tags;
        body["properties"] = properties;
        return body;
    }
}

/// <summary>The cluster context values of <see cref="ResourcePlacement.ContextOf"/>.</summary>
internal readonly record struct ClusterContextValues(string? ClusterName, string? ClusterResourceGroupName, string? ClusterId,
    string? NodeResourceGroup, string? LoadBalancerSku, string? OutboundType);
