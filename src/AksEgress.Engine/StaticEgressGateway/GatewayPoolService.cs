using AksEgress.Engine.Clusters;
using AksEgress.Engine.OutboundIps;

namespace AksEgress.Engine.StaticEgressGateway;

/// <summary>
/// The ARM side of the Static Egress Gateway: the cluster flag (PUT of the managed cluster, If-Match, LRO) and gateway agent
/// pools (managedClusters/{c}/agentPools/{p}, mode Gateway). Facts and sources: docs/research/static-egress-gateway-facts.md.
/// </summary>
internal sealed class GatewayPoolService(ClusterService clusters)
{
    internal const int MaxAttempts = 3;

    internal static bool IsEnabled(JsonObject? cluster) =>
        cluster?["properties"]?["networkProfile"]?["staticEgressGatewayProfile"]?["enabled"] is JsonValue v && v.TryGetValue<bool>(out var b) && b;

    internal static IReadOnlyList<JsonObject> GatewayPools(JsonObject? cluster) =>
        (cluster?["properties"]?["agentPoolProfiles"] as JsonArray)?.OfType<JsonObject>()
            .Where(p => string.Equals(ManagedClusterModel.Str(p, "mode"), "Gateway", StringComparison.OrdinalIgnoreCase)).ToList()
        ?? new List<JsonObject>();

    /// <summary>Why the cluster cannot run the add-on (documented limits), or null.</summary>
    internal static string? Unsupported(ManagedClusterModel model, JsonObject raw)
    {
        if (model.IsDualStack) return "it is dual-stack (IPv4 and IPv6), and the Static Egress Gateway is IPv4 only: gateway nodes get IPv4 secondary IP configurations";
        var podSubnet = (raw["properties"]?["agentPoolProfiles"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(p => !string.IsNullOrEmpty(ManagedClusterModel.Str(p, "podSubnetID")));
        if (podSubnet is not null) return $"agent pool '{ManagedClusterModel.Str(podSubnet, "name")}' uses Azure CNI with a pod subnet (dynamic pod IP allocation), which the Static Egress Gateway does not support";
        return null;
    }

    /// <summary>The PUT body that sets the flag, from the cluster's full GET JSON with every readOnly property removed.</summary>
    internal static JsonObject BuildFlagPutBody(JsonObject clusterJson, bool enabled)
    {
        var (body, np) = ReadOnlyFields.ClusterPutBody(clusterJson);
        np["staticEgressGatewayProfile"] = new JsonObject { ["enabled"] = enabled };
        return body;
    }

    /// <summary>The agentPools PUT body of a gateway pool.</summary>
    internal static JsonObject BuildPoolPutBody(int count, int prefixSize, string? vmSize)
    {
        var props = new JsonObject
        {
            ["mode"] = "Gateway", ["count"] = count, ["osType"] = "Linux", ["type"] = "VirtualMachineScaleSets",
            ["gatewayProfile"] = new JsonObject { ["publicIPPrefixSize"] = prefixSize },
        };
        if (!string.IsNullOrWhiteSpace(vmSize)) props["vmSize"] = vmSize;
        return new JsonObject { ["properties"] = props };
    }

    /// <summary>Sets the flag. Returns null when ShouldProcess declined. <paramref name="beforeDisable"/> runs the teardown (Disable -Force).</summary>
    public async Task<StaticEgressGatewayState?> SetFlagAsync(SetStaticEgressGatewayRequest request, IOperationContext context,
        Func<AksNodeResourceGroup, JsonObject, Task<IReadOnlyList<string>?>>? beforeDisable = null)
    {
        var (model, raw, s) = await clusters.GetModelAsync(request.Cluster, context, fresh: true).ConfigureAwait(false);
        var info = model.Info;
        var sub = info.SubscriptionId.Length > 0 ? info.SubscriptionId : request.Cluster.SubscriptionId ?? s.SubscriptionId;
        var removed = new List<string>();
        if (IsEnabled(raw) == request.Enabled)
        {
            context.WriteVerbose($"Static Egress Gateway of cluster {info.ClusterName} is already {(request.Enabled ? "enabled" : "disabled")}: nothing to change");
            return State("Unchanged");
        }
        if (request.Enabled && Unsupported(model, raw!) is { } why)
            throw new AksEgressException(ErrorIds.StaticEgressGatewayNotSupported, EgressErrorCategory.InvalidOperation,
                $"Cluster '{info.ClusterName}' cannot use the Static Egress Gateway: {why}.", info.ClusterId,
                "See https://learn.microsoft.com/azure/aks/configure-static-egress-gateway#limitations; for one fixed egress IP for the whole cluster use Set-AksOutboundIp instead.");
        if (!request.Enabled && beforeDisable is not null)
        {
            var done = await beforeDisable(info, raw!).ConfigureAwait(false);
            if (done is null) return null;   // the teardown was declined (-WhatIf / No)
            removed.AddRange(done);
            if (removed.Count > 0) (model, raw, _) = await clusters.GetModelAsync(request.Cluster, context, fresh: true).ConfigureAwait(false);
        }
        if (!context.ShouldProcess(info.ClusterId, $"{(request.Enabled ? "Enable" : "Disable")} the Static Egress Gateway add-on (networkProfile.staticEgressGatewayProfile.enabled = {request.Enabled.ToString().ToLowerInvariant()})"))
            return null;
        var clusterUri = ArmRest.Url(s, info.ClusterId, ApiVersions.ManagedClusters);
        var scope = new ErrorScope(ArmTargetKind.Cluster, info.ClusterId) { ClusterName = info.ClusterName, ResourceGroupName = info.ResourceGroupName };
        for (var attempt = 1; ; attempt++)
        {
            var etag = ManagedClusterModel.Str(raw, "eTag");
            var body = BuildFlagPutBody(raw!, request.Enabled);
            context.WriteVerbose($"PUT cluster {info.ResourceGroupName}/{info.ClusterName} with staticEgressGatewayProfile.enabled={request.Enabled.ToString().ToLowerInvariant()}{(etag is null ? "" : $" (If-Match {etag})")}");
            ClusterService.Forget(s, sub, request.Cluster);
            var headers = etag is null ? null : new Dictionary<string, string> { ["If-Match"] = etag };
            var initial = await ArmRest.SendAsync(s, RequestMethod.Put, clusterUri, body, context, scope.Target, requestHeaders: headers).ConfigureAwait(false);
            if (initial.Status == 412 && attempt < MaxAttempts)
            {
                context.WriteVerbose($"Cluster {info.ClusterName} changed since it was read (412): reading it again (attempt {attempt + 1} of {MaxAttempts})");
                (model, raw, _) = await clusters.GetModelAsync(request.Cluster, context, fresh: true).ConfigureAwait(false);
                continue;
            }
            if (!initial.IsSuccess) throw MapGatewayError(initial, scope, info.ClusterId);
            await ArmRest.WaitAsync(s, initial, clusterUri, $"the update of cluster {info.ClusterName}", request.TimeoutSeconds, context, scope).ConfigureAwait(false);
            return State(request.Enabled ? "Enabled" : "Disabled");
        }

        StaticEgressGatewayState State(string action) => new()
        {
            SubscriptionId = sub, ResourceGroupName = info.ResourceGroupName, ClusterName = info.ClusterName, ClusterId = info.ClusterId,
            Enabled = request.Enabled, Action = action, Removed = new ValueList<string>(removed),
        };
    }

    /// <summary>Creates (or scales) the gateway pool; idempotent. Null when ShouldProcess declined.</summary>
    public async Task<EgressGatewayPool?> NewPoolAsync(NewEgressGatewayPoolRequest request, IOperationContext context)
    {
        var (model, raw, s) = await clusters.GetModelAsync(request.Cluster, context, fresh: true).ConfigureAwait(false);
        var info = model.Info;
        var sub = info.SubscriptionId.Length > 0 ? info.SubscriptionId : request.Cluster.SubscriptionId ?? s.SubscriptionId;
        if (!IsEnabled(raw))
            throw NotEnabled(info, $"gateway pool '{request.Name}' cannot be created");
        var poolUri = ArmRest.Url(s, $"{info.ClusterId}/agentPools/{request.Name}", ApiVersions.ManagedClusters);
        var scope = new ErrorScope(ArmTargetKind.Other, $"{info.ClusterId}/agentPools/{request.Name}") { ClusterName = info.ClusterName, ResourceGroupName = info.ResourceGroupName };
        context.WriteVerbose($"GET agent pool {info.ClusterName}/{request.Name}");
        var existing = (await ArmRest.SendCheckedAsync(s, RequestMethod.Get, poolUri, null, context, scope, allow404: true).ConfigureAwait(false))?.Json;
        if (existing is not null)
        {
            var mode = ManagedClusterModel.Str(existing["properties"], "mode");
            var size = existing["properties"]?["gatewayProfile"]?["publicIPPrefixSize"]?.GetValue<int>();
            if (!string.Equals(mode, "Gateway", StringComparison.OrdinalIgnoreCase) || size != request.PrefixSize)
                throw new AksEgressException(ErrorIds.GatewayPoolConflict, EgressErrorCategory.ResourceExists,
                    $"Agent pool '{request.Name}' of cluster '{info.ClusterName}' already exists as {(string.Equals(mode, "Gateway", StringComparison.OrdinalIgnoreCase) ? $"a gateway pool with prefix size /{size}" : $"a {mode ?? "User"} pool")}, not a gateway pool with prefix size /{request.PrefixSize}; AKS cannot change either.",
                    scope.Target, "Pick another -Name, or use the existing pool's prefix size.");
            var count = existing["properties"]?["count"]?.GetValue<int>() ?? 0;
            if (count == request.Count)
            {
                context.WriteVerbose($"Gateway pool {info.ClusterName}/{request.Name} already exists with {count} node(s) and prefix size /{size}: nothing to change");
                return Result(existing, "Unchanged");
            }
        }
        var what = existing is null
            ? $"Create gateway pool '{request.Name}' ({request.Count} node(s){(request.VmSize is null ? "" : " " + request.VmSize)}, public IP prefix /{request.PrefixSize} per gateway): gateway nodes are billed like any node and run only gateway traffic"
            : $"Scale gateway pool '{request.Name}' to {request.Count} node(s)";
        if (!context.ShouldProcess(scope.Target, what)) return null;
        var body = BuildPoolPutBody(request.Count, request.PrefixSize, request.VmSize ?? ManagedClusterModel.Str(existing?["properties"], "vmSize"));
        context.WriteVerbose($"PUT agent pool {info.ClusterName}/{request.Name} (mode Gateway, count {request.Count}, publicIPPrefixSize {request.PrefixSize})");
        ClusterService.Forget(s, sub, request.Cluster);
        var initial = await ArmRest.SendAsync(s, RequestMethod.Put, poolUri, body, context, scope.Target).ConfigureAwait(false);
        if (!initial.IsSuccess) throw MapGatewayError(initial, scope, info.ClusterId);
        var final = await ArmRest.WaitAsync(s, initial, poolUri, $"the {(existing is null ? "creation" : "update")} of gateway pool {request.Name}", request.TimeoutSeconds, context, scope).ConfigureAwait(false);
        return Result(final?.Json ?? initial.Json ?? body, existing is null ? "Created" : "Updated");

        EgressGatewayPool Result(JsonObject pool, string action) => new()
        {
            SubscriptionId = sub, ResourceGroupName = info.ResourceGroupName, ClusterName = info.ClusterName, ClusterId = info.ClusterId,
            PoolName = request.Name,
            Count = pool["properties"]?["count"]?.GetValue<int>() ?? request.Count,
            VmSize = ManagedClusterModel.Str(pool["properties"], "vmSize"),
            PrefixSize = pool["properties"]?["gatewayProfile"]?["publicIPPrefixSize"]?.GetValue<int>() ?? request.PrefixSize,
            ProvisioningState = ManagedClusterModel.Str(pool["properties"], "provisioningState"),
            Action = action,
        };
    }

    /// <summary>
    /// Deletes a gateway pool after <paramref name="refuseIfUsed"/> found no configuration using it. False when it does not exist
    /// or ShouldProcess declined.
    /// </summary>
    public async Task<bool> RemovePoolAsync(RemoveEgressGatewayPoolRequest request, IOperationContext context, Func<AksNodeResourceGroup, Task> refuseIfUsed, bool confirmed = false)
    {
        var (model, _, s) = await clusters.GetModelAsync(request.Cluster, context, fresh: true).ConfigureAwait(false);
        var info = model.Info;
        var sub = info.SubscriptionId.Length > 0 ? info.SubscriptionId : request.Cluster.SubscriptionId ?? s.SubscriptionId;
        var poolUri = ArmRest.Url(s, $"{info.ClusterId}/agentPools/{request.Name}", ApiVersions.ManagedClusters);
        var scope = new ErrorScope(ArmTargetKind.Other, $"{info.ClusterId}/agentPools/{request.Name}") { ClusterName = info.ClusterName, ResourceGroupName = info.ResourceGroupName };
        var existing = (await ArmRest.SendCheckedAsync(s, RequestMethod.Get, poolUri, null, context, scope, allow404: true).ConfigureAwait(false))?.Json;
        if (existing is null)
        {
            context.WriteVerbose($"Gateway pool {info.ClusterName}/{request.Name} does not exist: nothing to remove");
            return false;
        }
        if (!string.Equals(ManagedClusterModel.Str(existing["properties"], "mode"), "Gateway", StringComparison.OrdinalIgnoreCase))
            throw new AksEgressException(ErrorIds.GatewayPoolNotFound, EgressErrorCategory.InvalidArgument,
                $"Agent pool '{request.Name}' of cluster '{info.ClusterName}' is a {ManagedClusterModel.Str(existing["properties"], "mode") ?? "User"} pool, not a gateway pool; Remove-AksEgressGatewayPool removes gateway pools only.",
                scope.Target, "Check the pool name (Get-AksEgressConfiguration lists the gateways), or remove other pools with az aks nodepool delete.");
        await refuseIfUsed(info).ConfigureAwait(false);
        if (!confirmed && !context.ShouldProcess(scope.Target, $"Delete gateway pool '{request.Name}' and its nodes")) return false;
        context.WriteVerbose($"DELETE agent pool {info.ClusterName}/{request.Name}");
        ClusterService.Forget(s, sub, request.Cluster);
        var initial = await ArmRest.SendAsync(s, RequestMethod.Delete, poolUri, null, context, scope.Target).ConfigureAwait(false);
        if (initial.Status == 204) return true;
        if (!initial.IsSuccess) throw MapGatewayError(initial, scope, info.ClusterId);
        await ArmRest.WaitAsync(s, initial, null, $"the deletion of gateway pool {request.Name}", request.TimeoutSeconds, context, scope).ConfigureAwait(false);
        return true;
    }

    /// <summary>A fresh GET of the cluster: its model and full JSON.</summary>
    public async Task<(AksNodeResourceGroup Info, JsonObject Raw)> GetClusterJsonAsync(ClusterRef cluster, IOperationContext context)
    {
        var (model, raw, _) = await clusters.GetModelAsync(cluster, context, fresh: true).ConfigureAwait(false);
        return (model.Info, raw!);
    }

    internal static AksEgressException NotEnabled(AksNodeResourceGroup info, string what) =>
        new(ErrorIds.StaticEgressGatewayNotEnabled, EgressErrorCategory.InvalidOperation,
            $"The Static Egress Gateway add-on is not enabled on cluster '{info.ClusterName}', so {what}.", info.ClusterId,
            "Run Enable-AksStaticEgressGateway for the cluster first.");

    /// <summary>AKS's Static Egress Gateway errors by their own ErrorIds; everything else through the ARM error mapper.</summary>
    internal static AksEgressException MapGatewayError(ArmResult r, ErrorScope scope, string clusterId)
    {
        var (code, msg) = ArmErrorMapper.ParseError(r.Content);
        var (id, category, action) = code switch
        {
            "StaticEgressGatewayInvalidGatewayNodeCount" => (ErrorIds.InvalidGatewayNodeCount, EgressErrorCategory.InvalidArgument, "Use a -Count from 2 to the prefix's address count (2^(32-PrefixSize))."),
            "StaticEgressGatewayNotEnabled" => (ErrorIds.StaticEgressGatewayNotEnabled, EgressErrorCategory.InvalidOperation, "Run Enable-AksStaticEgressGateway for the cluster first."),
            "StaticEgressGatewayHasGatewayNodePools" => (ErrorIds.StaticEgressGatewayInUse, EgressErrorCategory.InvalidOperation, "Remove the gateway pools first (Remove-AksEgressGatewayPool), or run Disable-AksStaticEgressGateway -Force."),
            { } c when c.StartsWith("StaticEgressGateway", StringComparison.OrdinalIgnoreCase) => (ErrorIds.StaticEgressGatewayNotSupported, EgressErrorCategory.InvalidOperation, "See https://learn.microsoft.com/azure/aks/configure-static-egress-gateway#limitations."),
            _ => ((string?)null, EgressErrorCategory.InvalidOperation, ""),
        };
        if (id is null) return ArmErrorMapper.MapBody(r.Status, r.Content, scope);
        return new AksEgressException(id, category, $"AKS refused the request ({code}): {msg}", scope.Target ?? clusterId, action) { RemoteCode = code, HttpStatus = r.Status };
    }
}
