using System.Text.Json;

namespace AksEgress.Emulator;

/// <summary>The admin API under /_emulator on the ARM port (docs/emulator.md "Admin API"): reset, request log, faults, RBAC, world, seeding.</summary>
internal sealed class AdminApi(AksEmulator emulator)
{
    private string AccessToken => emulator.AccessToken;
    private RequestLog Requests => emulator.Requests;
    private FaultInjector Faults => emulator.Faults;
    private RbacEnforcer Rbac => emulator.Rbac;
    private EmulatorWorld World => emulator.World;
    private void Reset() => emulator.Reset();

    private static readonly JsonSerializerOptions FaultJson = new() { PropertyNameCaseInsensitive = true };

    public async Task Handle(HttpContext ctx)
    {
        var auth = ctx.Request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || auth[7..].Trim() != AccessToken)
        {
            await ArmApi.Write(ctx, 401, new JsonObject { ["error"] = new JsonObject { ["code"] = "AuthenticationFailed", ["message"] = "The admin API requires 'Authorization: Bearer <accessToken>'." } });
            return;
        }
        var path = ctx.Request.Path.Value!.TrimEnd('/').ToLowerInvariant();
        var m = ctx.Request.Method;
        switch (path, m)
        {
            case ("/_emulator/reset", "POST"): Reset(); ctx.Response.StatusCode = 204; return;
            case ("/_emulator/requests", "GET"):
                var includeAdmin = ctx.Request.Query["includeAdmin"] == "true";
                var list = includeAdmin ? Requests.All : Requests.Entries;
                await ArmApi.Write(ctx, 200, new JsonArray(list.Select(e => (JsonNode)e.ToJson()).ToArray()), "application/json");
                return;
            case ("/_emulator/requests", "DELETE"): Requests.Clear(); ctx.Response.StatusCode = 204; return;
            case ("/_emulator/faults", "POST"):
                FaultRule? rule;
                try { rule = await JsonSerializer.DeserializeAsync<FaultRule>(ctx.Request.Body, FaultJson); }
                catch (JsonException ex) { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidFaultRule", ["message"] = ex.Message } }); return; }
                if (rule is null) { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidFaultRule", ["message"] = "empty body" } }); return; }
                Faults.Add(rule);
                await ArmApi.Write(ctx, 201, JsonSerializer.SerializeToNode(rule), "application/json");
                return;
            case ("/_emulator/faults", "GET"):
                await ArmApi.Write(ctx, 200, JsonSerializer.SerializeToNode(Faults.Rules), "application/json"); return;
            case ("/_emulator/faults", "DELETE"): Faults.Clear(); ctx.Response.StatusCode = 204; return;
            case ("/_emulator/rbac", _): await Rbac.HandleAdmin(ctx); return;
            case ("/_emulator/admission", "POST"):
            {
                var b = await K8sApi.ReadBody(ctx);
                var cluster = JsonUtil.S(b, "cluster"); var message = JsonUtil.S(b, "message");
                if (string.IsNullOrEmpty(cluster) || string.IsNullOrEmpty(message) || World.GetCluster(cluster) is null)
                { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidRequest", ["message"] = "cluster (an existing one) and message are required" } }); return; }
                World.AddAdmissionDenial(cluster, message, JsonUtil.S(b, "namespace"), JsonUtil.S(b, "webhook") ?? "validation.gatekeeper.sh",
                    JsonUtil.S(b, "kind") ?? "Pod", JsonUtil.Int(JsonUtil.Get(b, "code")) ?? 403);
                ctx.Response.StatusCode = 204; return;
            }
            case ("/_emulator/entra", "POST"):
            {
                var b = await K8sApi.ReadBody(ctx);
                var cluster = JsonUtil.S(b, "cluster"); var serverApp = JsonUtil.S(b, "serverAppId");
                if (string.IsNullOrEmpty(cluster) || string.IsNullOrEmpty(serverApp) || World.GetCluster(cluster) is null)
                { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidRequest", ["message"] = "cluster (an existing Entra one) and serverAppId are required" } }); return; }
                World.SetEntraServerApp(cluster, serverApp);
                ctx.Response.StatusCode = 204; return;
            }
            case ("/_emulator/private", "POST"):
            {
                var b = await K8sApi.ReadBody(ctx);
                var cluster = JsonUtil.S(b, "cluster");
                if (string.IsNullOrEmpty(cluster) || World.GetCluster(cluster) is null)
                { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidRequest", ["message"] = "cluster (an existing one) is required" } }); return; }
                var fqdn = World.MakePrivateCluster(cluster, JsonUtil.Bool(JsonUtil.Get(b, "publicFqdn")) != false);
                await ArmApi.Write(ctx, 200, new JsonObject { ["privateFQDN"] = fqdn }, "application/json"); return;
            }
            case ("/_emulator/nodes", "POST"):
            {
                var b = await K8sApi.ReadBody(ctx);
                var cluster = JsonUtil.S(b, "cluster");
                var cordon = JsonUtil.S(b, "cordon");
                if (string.IsNullOrEmpty(cluster) || World.GetCluster(cluster) is null)
                { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidRequest", ["message"] = "cluster (an existing one) is required, with kind (Linux, NotReady, Cordoned, Windows, VirtualKubelet, Gateway) or cordon (a node name)" } }); return; }
                if (!string.IsNullOrEmpty(cordon))
                {
                    if (!World.GetNodeNames(cluster).Contains(cordon)) { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidRequest", ["message"] = $"no node '{cordon}' in cluster '{cluster}'" } }); return; }
                    World.CordonNode(cluster, cordon);
                    await ArmApi.Write(ctx, 200, new JsonObject { ["name"] = cordon }, "application/json"); return;
                }
                if (!Enum.TryParse<EmulatorWorld.NodeKind>(JsonUtil.S(b, "kind") ?? "", ignoreCase: true, out var kind))
                { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidRequest", ["message"] = "kind must be one of " + string.Join(", ", Enum.GetNames<EmulatorWorld.NodeKind>()) } }); return; }
                await ArmApi.Write(ctx, 201, new JsonObject { ["name"] = World.AddNode(cluster, kind) }, "application/json"); return;
            }
            case ("/_emulator/httpproxy", "POST"):
            {
                var b = await K8sApi.ReadBody(ctx);
                var cluster = JsonUtil.S(b, "cluster");
                if (string.IsNullOrEmpty(cluster) || World.GetCluster(cluster) is null)
                { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidRequest", ["message"] = "cluster (an existing one) is required; httpProxy, httpsProxy, noProxy optional" } }); return; }
                var noProxy = (JsonUtil.Get(b, "noProxy") as JsonArray)?.Select(n => n?.ToString() ?? "").ToArray();
                var address = World.SetHttpProxy(cluster, JsonUtil.S(b, "httpProxy") ?? "http://proxy.contoso.example:3128/", JsonUtil.S(b, "httpsProxy") ?? "http://proxy.contoso.example:3128/", noProxy);
                await ArmApi.Write(ctx, 200, new JsonObject { ["proxyEgressAddress"] = address }, "application/json"); return;
            }
            case ("/_emulator/workloads", "POST"):
            {
                // Seeds an apps/v1 workload as if created through the cluster's API (validation, defaults, the controller).
                var b = await K8sApi.ReadBody(ctx);
                var cluster = JsonUtil.S(b, "cluster"); var obj = JsonUtil.Get(b, "object") as JsonObject;
                var ns = JsonUtil.S(b, "namespace") ?? JsonUtil.S(obj, "metadata", "namespace") ?? "default";
                if (cluster is null || obj is null)
                { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidRequest", ["message"] = "cluster and object (a Deployment, StatefulSet or DaemonSet) are required" } }); return; }
                JsonObject created;
                try { created = emulator.AddWorkload(cluster, obj, ns); }
                catch (InvalidOperationException ex) { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidRequest", ["message"] = ex.Message } }); return; }
                await ArmApi.Write(ctx, 201, created, "application/json");
                return;
            }
            case ("/_emulator/world", "GET"): await ArmApi.Write(ctx, 200, World.Dump(), "application/json"); return;
            case ("/_emulator/publicips", "POST"):
            {
                var b = await K8sApi.ReadBody(ctx);
                var rg = JsonUtil.S(b, "resourceGroup"); var name = JsonUtil.S(b, "name");
                if (string.IsNullOrEmpty(rg) || string.IsNullOrEmpty(name))
                { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidRequest", ["message"] = "resourceGroup and name are required" } }); return; }
                Dictionary<string, string>? tags = JsonUtil.Get(b, "tags") is JsonObject t ? t.ToDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? "") : null;
                var address = World.AddPublicIp(rg, name, JsonUtil.S(b, "sku") ?? "Standard", tags);
                await ArmApi.Write(ctx, 201, new JsonObject { ["id"] = World.GetPublicIpId(rg, name), ["ipAddress"] = address }, "application/json");
                return;
            }
            case ("/_emulator/permissions", "PUT"):
            {
                var b = await K8sApi.ReadBody(ctx);
                var cluster = JsonUtil.S(b, "cluster"); var rg = JsonUtil.S(b, "resourceGroup");
                if (string.IsNullOrEmpty(cluster) || string.IsNullOrEmpty(rg) || !World.ClusterNames.Contains(cluster, StringComparer.OrdinalIgnoreCase))
                { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidRequest", ["message"] = "an existing cluster and a resourceGroup are required" } }); return; }
                if (JsonUtil.Bool(JsonUtil.Get(b, "networkContributor")) == false) World.RevokeNetworkContributor(cluster, rg); else World.GrantNetworkContributor(cluster, rg);
                ctx.Response.StatusCode = 204;
                return;
            }
            case ("/_emulator/roleassignments", "GET"):
                await ArmApi.Write(ctx, 200, (JsonNode?)World.Dump()["roleAssignments"]?.DeepClone(), "application/json"); return;
            case ("/_emulator/roleassignments", "POST" or "DELETE"):
            {
                var b = await K8sApi.ReadBody(ctx);
                var principal = PrincipalOf(b);
                var scope = JsonUtil.S(b, "scope"); var role = JsonUtil.S(b, "role");
                if (principal is null || (m == "POST" && (string.IsNullOrEmpty(scope) || string.IsNullOrEmpty(role))))
                { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidRequest", ["message"] = "principalId (or principal: 'caller' or a cluster name) is required; POST also needs scope and role" } }); return; }
                try
                {
                    if (m == "POST")
                        await ArmApi.Write(ctx, 201, new JsonObject { ["id"] = World.AssignRole(principal, scope!, role!, JsonUtil.S(b, "principalType") ?? "ServicePrincipal"), ["principalId"] = principal }, "application/json");
                    else
                        await ArmApi.Write(ctx, 200, new JsonObject { ["removed"] = World.RemoveRoleAssignments(principal, scope, role) }, "application/json");
                }
                catch (ArgumentException ex) { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidRequest", ["message"] = ex.Message } }); }
                return;
            }
            case ("/_emulator/roledefinitions", "POST"):
            {
                var b = await K8sApi.ReadBody(ctx);
                var roleName = JsonUtil.S(b, "roleName");
                static string[] List(JsonNode? n) => n is JsonArray a ? a.Select(x => x?.ToString() ?? "").Where(x => x.Length > 0).ToArray() : [];
                var actions = List(JsonUtil.Get(b, "actions"));
                if (string.IsNullOrEmpty(roleName) || actions.Length == 0)
                { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidRequest", ["message"] = "roleName and actions are required" } }); return; }
                await ArmApi.Write(ctx, 201, new JsonObject { ["id"] = World.AddCustomRole(roleName, actions, List(JsonUtil.Get(b, "notActions"))) }, "application/json");
                return;
            }
            case ("/_emulator/quota", "PUT"):
                var q = await K8sApi.ReadBody(ctx);
                if (JsonUtil.Int(q?["publicIpQuota"]) is int quota) World.PublicIpQuota = quota;
                await ArmApi.Write(ctx, 200, new JsonObject { ["publicIpQuota"] = World.PublicIpQuota }, "application/json");
                return;
        }
        await ArmApi.Write(ctx, 404, new JsonObject { ["error"] = new JsonObject { ["code"] = "NotFound", ["message"] = $"Unknown admin route {m} {path}." } });
    }

    /// <summary>principalId as given, or principal: "caller" (the default token's user) or a cluster name (its identity).</summary>
    private string? PrincipalOf(JsonObject? b)
    {
        if (JsonUtil.S(b, "principalId") is { Length: > 0 } id) return id;
        var p = JsonUtil.S(b, "principal");
        if (string.IsNullOrEmpty(p)) return null;
        if (p.Equals("caller", StringComparison.OrdinalIgnoreCase)) return World.CallerObjectId;
        return World.ClusterNames.Contains(p, StringComparer.OrdinalIgnoreCase) ? World.GetClusterPrincipalId(p) : null;
    }
}
