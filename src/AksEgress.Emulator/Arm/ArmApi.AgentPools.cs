using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace AksEgress.Emulator;

/// <summary>
/// managedClusters/{name}/agentPools: the pools live in the cluster body's agentPoolProfiles (as AKS shows them there too).
/// Gateway pools (mode Gateway, gatewayProfile.publicIPPrefixSize) follow docs/research/static-egress-gateway-facts.md §1.2; error
/// codes marked "assumed" there are not published by AKS and are documented in docs/emulator.md.
/// </summary>
internal sealed partial class ArmApi
{
    private static readonly string[] PoolReadOnly = { "eTag", "currentOrchestratorVersion", "nodeImageVersion", "provisioningState", "status", "powerState" };

    private string ClusterIdOf(Cluster c) => $"/subscriptions/{Sub}/resourcegroups/{c.ResourceGroup}/providers/Microsoft.ContainerService/managedClusters/{c.Name}";

    private JsonObject PoolJson(Cluster c, JsonObject profile)
    {
        var props = JsonUtil.Clone(profile);
        var name = JsonUtil.S(props, "name")!;
        props.Remove("name");
        return new JsonObject
        {
            ["id"] = $"{ClusterIdOf(c)}/agentPools/{name}",
            ["name"] = name,
            ["type"] = "Microsoft.ContainerService/managedClusters/agentPools",
            ["properties"] = props,
        };
    }

    private Cluster? FindCluster(string rg, string name) =>
        W.Clusters.TryGetValue(name, out var c) && c.ResourceGroup.Equals(rg, StringComparison.OrdinalIgnoreCase) ? c : null;

    /// <summary>
    /// True when a request about cluster <paramref name="name"/> (found as <paramref name="c"/>) is answered 404: its resource
    /// group first, then the cluster; <paramref name="notFound"/> is the body, answered with <see cref="Gateway404"/>. Caller holds Sync.
    /// </summary>
    private bool ClusterMissing(string rg, string name, [NotNullWhen(false)] Cluster? c, [NotNullWhen(true)] out JsonObject? notFound)
    {
        notFound = !W.ResourceGroups.ContainsKey(rg) ? RgNotFoundError(rg)
            : c is null ? ResNotFoundError("Microsoft.ContainerService/managedClusters", name, rg)
            : null;
        return notFound is not null;
    }

    /// <summary>
    /// AKS's refusal (409 OperationNotAllowed) of a write to a cluster or one of its agent pools while an earlier operation on
    /// the cluster is still running; null when none is. Caller holds Sync.
    /// </summary>
    private JsonObject? ClusterOperationInProgress(Cluster c) =>
        RunningOperation(c.PendingOperationId) is { } pop
            ? Err("OperationNotAllowed", $"Operation is not allowed because there's an in progress update managed cluster operation with ID {pop.Id} started at {pop.StartTime:yyyy-MM-ddTHH:mm:ss}Z. Please wait for it to complete before retrying.")
            : null;

    private async Task ListAgentPools(HttpContext ctx, string rg, string name)
    {
        JsonObject? body = null, missing;
        lock (W.Sync)
        {
            var c = FindCluster(rg, name);
            if (!ClusterMissing(rg, name, c, out missing))
                body = new JsonObject { ["value"] = new JsonArray(EmulatorWorld.AgentPools(c).OfType<JsonObject>().Select(p => (JsonNode)PoolJson(c, p)).ToArray()) };
        }
        if (missing is not null) { await Gateway404(ctx, missing); return; }
        await Write(ctx, 200, body, AksCt);
    }

    private async Task GetAgentPool(HttpContext ctx, string rg, string name, string pool)
    {
        JsonObject? body = null, missing;
        lock (W.Sync)
        {
            var c = FindCluster(rg, name);
            if (!ClusterMissing(rg, name, c, out missing) && EmulatorWorld.FindPool(c, pool) is { } p) body = PoolJson(c, p);
        }
        if (missing is not null) { await Gateway404(ctx, missing); return; }
        if (body is null) { await Write(ctx, 404, Err("NotFound", $"Could not find agent pool '{pool}' in managed cluster '{name}'."), AksCt); return; }
        await Write(ctx, 200, body, AksCt);
    }

    private static readonly Regex LinuxPoolName = new("^[a-z][a-z0-9]{0,11}$", RegexOptions.CultureInvariant);

    private async Task PutAgentPool(HttpContext ctx, string rg, string name, string pool, FaultRule? fault)
    {
        var req = await K8sApi.ReadBody(ctx);
        var api = ApiVersion(ctx, "2025-10-01");
        int status = 0; JsonObject? resp = null, missing = null; ArmOperation? op = null;
        lock (W.Sync)
        {
            var c = FindCluster(rg, name);
            if (ClusterMissing(rg, name, c, out var notFound)) missing = notFound;
            else if (req is null) { status = 400; resp = Err("InvalidRequestContent", "The request content was invalid and could not be deserialized: 'Unexpected end when deserializing object.'"); }
            else if (ClusterOperationInProgress(c) is { } busy) { status = 409; resp = busy; }
            else
            {
                var existing = EmulatorWorld.FindPool(c, pool);
                var (code, error) = ValidatePoolPut(c, pool, existing, JsonUtil.Get(req, "properties") as JsonObject ?? new JsonObject());
                if (code != 0) { status = code; resp = error; }
                else
                {
                    var props = JsonUtil.Clone(JsonUtil.Get(req, "properties") as JsonObject ?? new JsonObject());
                    foreach (var ro in PoolReadOnly) props.Remove(ro);
                    var profile = existing is null ? new JsonObject { ["name"] = pool } : existing;
                    JsonUtil.DeepMerge(profile, props);
                    profile["count"] ??= 3;
                    profile["vmSize"] ??= "Standard_D2s_v3";
                    profile["osType"] ??= "Linux";
                    profile["osSKU"] ??= "Ubuntu";
                    profile["type"] ??= "VirtualMachineScaleSets";
                    profile["mode"] ??= "User";
                    profile["orchestratorVersion"] ??= "1.32";
                    profile["currentOrchestratorVersion"] = "1.32.7";
                    profile["nodeImageVersion"] = "AKSUbuntu-2204containerd-202510.03.1";
                    profile["powerState"] = new JsonObject { ["code"] = "Running" };
                    if (EmulatorWorld.IsGatewayPool(profile) && profile["gatewayProfile"] is not JsonObject) profile["gatewayProfile"] = new JsonObject { ["publicIPPrefixSize"] = 31 };
                    else if (EmulatorWorld.IsGatewayPool(profile) && profile["gatewayProfile"]!["publicIPPrefixSize"] is null) profile["gatewayProfile"]!["publicIPPrefixSize"] = 31;
                    profile["provisioningState"] = existing is null ? "Creating" : "Updating";
                    if (existing is null) EmulatorWorld.AgentPools(c).Add(profile);
                    c.NewETag();
                    var cluster = c; var live = profile;
                    op = StartOperation("Microsoft.ContainerService", fault,
                        onSucceeded: () =>
                        {
                            live["provisioningState"] = "Succeeded";
                            cluster.NewETag();
                            W.AddPoolNodes(cluster, pool, JsonUtil.Int(live["count"]) ?? 0, JsonUtil.S(live, "vmSize") ?? "", EmulatorWorld.IsGatewayPool(live));
                            cluster.PendingOperationId = null;
                            emu.Simulation.GatewayPoolsChanged(cluster);
                        },
                        onFailed: () => { live["provisioningState"] = "Failed"; cluster.PendingOperationId = null; },
                        resourceId: $"{ClusterIdOf(c)}/agentPools/{pool}");
                    c.PendingOperationId = op.Id;
                    status = existing is null ? 201 : 200;
                    resp = PoolJson(c, profile);
                }
            }
        }
        if (missing is not null) { await Gateway404(ctx, missing); return; }
        if (op is not null) SetLroHeaders(ctx, op, api, false);
        await Write(ctx, status, resp, AksCt);
    }

    /// <summary>AKS's checks of an agent pool PUT (the gateway ones from facts §1.2). Caller holds Sync.</summary>
    private (int, JsonObject?) ValidatePoolPut(Cluster c, string pool, JsonObject? existing, JsonObject props)
    {
        if (existing is null && !LinuxPoolName.IsMatch(pool))
            return (400, Err("InvalidParameter", $"The value of parameter agentPoolProfile.name is invalid. Error details: Agent pool name '{pool}' must start with a lowercase letter, have max length of 12, and only have characters a-z0-9. Please see https://aka.ms/aks-naming-rules for more details."));
        var mode = JsonUtil.S(props, "mode") ?? JsonUtil.S(existing, "mode") ?? "User";
        var gateway = mode.Equals("Gateway", StringComparison.OrdinalIgnoreCase);
        if (existing is not null && EmulatorWorld.IsGatewayPool(existing) != gateway)
            return (400, Err("InvalidParameter", $"The value of parameter agentPoolProfile.mode is invalid. Error details: Changing the mode of agent pool '{pool}' from {JsonUtil.S(existing, "mode")} to {mode} is not allowed: gateway agent pools cannot change mode."));
        if (!gateway && props["gatewayProfile"] is not null)
            return (400, Err("InvalidParameter", "The value of parameter agentPoolProfile.gatewayProfile is invalid. Error details: This field cannot be set if agent pool mode is not Gateway."));
        if (!gateway) return (0, null);
        var id = $"{ClusterIdOf(c)}/agentPools/{pool}";
        if (!EmulatorWorld.GatewayEnabled(c))
            return (400, Err("StaticEgressGatewayNotEnabled", $"Gateway agent pool {pool} cannot be created because the Static Egress Gateway addon is not enabled on managed cluster {c.Name}. Enable it first (networkProfile.staticEgressGatewayProfile.enabled). See documentation https://learn.microsoft.com/en-us/azure/aks/configure-static-egress-gateway"));
        if ((JsonUtil.S(props, "osType") ?? "Linux").Equals("Windows", StringComparison.OrdinalIgnoreCase))
            return (400, Err("StaticEgressGatewayWindowsNodepoolNotSupported", $"Windows node pools cannot be used as gateway node pools: agent pool {pool}. See documentation https://learn.microsoft.com/en-us/azure/aks/configure-static-egress-gateway"));
        if (JsonUtil.Bool(props["enableAutoScaling"]) == true)
            return (400, Err("StaticEgressGatewayAutoScalingNotSupported", $"Gateway agent pool {pool} does not support autoscaling; scale it manually within its public IP prefix size. See documentation https://learn.microsoft.com/en-us/azure/aks/configure-static-egress-gateway"));
        var sizeNode = JsonUtil.Get(props, "gatewayProfile", "publicIPPrefixSize") ?? JsonUtil.Get(existing, "gatewayProfile", "publicIPPrefixSize");
        var size = sizeNode is null ? 31 : JsonUtil.Int(sizeNode);
        if (size is null or < 28 or > 31)
            return (400, Err("InvalidParameter", $"The value of parameter agentPoolProfile.gatewayProfile.publicIPPrefixSize is invalid: {JsonUtil.Str(sizeNode)}. It must be in the range of 28 to 31 inclusive."));
        if (existing is not null && JsonUtil.Int(JsonUtil.Get(existing, "gatewayProfile", "publicIPPrefixSize")) is int cur && cur != size)
            return (400, Err("PropertyChangeNotAllowed", $"Changing property 'gatewayProfile.publicIPPrefixSize' of agent pool {pool} is not allowed."));
        var count = JsonUtil.Int(props["count"]) ?? JsonUtil.Int(existing?["count"]) ?? 3;
        var max = 1 << (32 - size.Value);
        if (count < 2 || count > max)
            return (400, Err("StaticEgressGatewayInvalidGatewayNodeCount",
                $"Gateway agentpool {pool} is configured with invalid node count {count}, exceeding max node count {max} according to public IPPrefix size /{size} or fewer than 2."));
        _ = id;
        return (0, null);
    }

    private async Task DeleteAgentPool(HttpContext ctx, string rg, string name, string pool, FaultRule? fault)
    {
        var api = ApiVersion(ctx, "2025-10-01");
        int status = 0; JsonObject? resp = null, missing = null; ArmOperation? op = null;
        lock (W.Sync)
        {
            var c = FindCluster(rg, name);
            if (ClusterMissing(rg, name, c, out var notFound)) missing = notFound;
            else if (EmulatorWorld.FindPool(c, pool) is not { } profile) status = 204;
            else if (ClusterOperationInProgress(c) is { } busy) { status = 409; resp = busy; }
            else if (JsonUtil.S(profile, "mode") == "System" && EmulatorWorld.AgentPools(c).OfType<JsonObject>().Count(p => JsonUtil.S(p, "mode") == "System") == 1)
            {
                status = 400;
                resp = Err("OperationNotAllowed", $"Cannot delete agent pool '{pool}': it is the last system agent pool of managed cluster '{name}'. A cluster needs at least one system agent pool.");
            }
            else
            {
                // AKS does not block deleting a gateway pool that a StaticGatewayConfiguration still uses (facts §2.9): the
                // configuration's reconcile then fails and its deletion hangs on the controller's finalizers.
                profile["provisioningState"] = "Deleting";
                c.NewETag();
                var cluster = c;
                op = StartOperation("Microsoft.ContainerService", fault,
                    onSucceeded: () =>
                    {
                        var arr = EmulatorWorld.AgentPools(cluster);
                        arr.Remove(profile);
                        W.RemovePoolNodes(cluster, pool);
                        cluster.NewETag();
                        cluster.PendingOperationId = null;
                        emu.Simulation.GatewayPoolsChanged(cluster);
                    },
                    onFailed: () => { profile["provisioningState"] = "Failed"; cluster.PendingOperationId = null; },
                    resourceId: $"{ClusterIdOf(c)}/agentPools/{pool}");
                c.PendingOperationId = op.Id;
                status = 202;
            }
        }
        if (missing is not null) { await Gateway404(ctx, missing); return; }
        if (op is not null) SetLroHeaders(ctx, op, api, true);
        if (status is 202 or 204) { ctx.Response.StatusCode = status; return; }
        await Write(ctx, status, resp, AksCt);
    }
}
