using System.Text;
using System.Text.RegularExpressions;

namespace AksEgress.Emulator;

/// <summary>The Azure Resource Manager front door (ARM gateway + AKS RP + Network RP).</summary>
internal sealed partial class ArmApi(AksEmulator emu)
{
    private EmulatorWorld W => emu.World;
    private string Sub => W.SubscriptionId;
    private const string AksCt = "application/json";
    private const string NrpCt = "application/json; charset=utf-8";

    private static JsonObject Err(string code, string message, bool details = false)
    {
        var e = new JsonObject { ["code"] = code, ["message"] = message };
        if (details) e["details"] = new JsonArray();
        return new JsonObject { ["error"] = e };
    }

    /// <summary>
    /// The If-Match value when it does not match <paramref name="current"/> (ARM then answers 412 PreconditionFailed); null when
    /// absent, '*', or equal (weak W/ prefixes and quotes are ignored on both sides).
    /// </summary>
    internal static string? IfMatchFails(HttpContext ctx, string? current)
    {
        var sent = ctx.Request.Headers.IfMatch.ToString();
        if (string.IsNullOrEmpty(sent) || sent.Trim() == "*") return null;
        static string Norm(string? e) => (e ?? "").Trim().Replace("W/", "", StringComparison.Ordinal).Trim('"');
        return Norm(sent) == Norm(current) ? null : sent;
    }

    internal static async Task Write(HttpContext ctx, int status, JsonNode? body, string contentType = NrpCt)
    {
        ctx.Response.StatusCode = status;
        if (body is null) { ctx.Response.ContentLength = 0; return; }
        ctx.Response.ContentType = contentType;
        await ctx.Response.WriteAsync(JsonUtil.Str(body));
    }

    private static Task Gateway404(HttpContext ctx, JsonObject body)
    {
        ctx.Response.Headers["x-ms-failure-cause"] = "gateway";
        return Write(ctx, 404, body);
    }

    private static JsonObject RgNotFoundError(string rg) => Err("ResourceGroupNotFound", $"Resource group '{rg}' could not be found.");
    private static Task RgNotFound(HttpContext ctx, string rg) => Gateway404(ctx, RgNotFoundError(rg));
    private static JsonObject ResNotFoundError(string type, string name, string rg) =>
        Err("ResourceNotFound", $"The Resource '{type}/{name}' under resource group '{rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix");
    private static Task ResNotFound(HttpContext ctx, string type, string name, string rg) => Gateway404(ctx, ResNotFoundError(type, name, rg));

    private static string ApiVersion(HttpContext ctx, string fallback) => ctx.Request.Query["api-version"].ToString() is { Length: > 0 } v ? v : fallback;
    private string Base => emu.ArmEndpoint.ToString();   // ends with '/'

    // ------------------------------------------------------------------ entry
    public async Task Handle(HttpContext ctx, FaultRule? fault)
    {
        var method = ctx.Request.Method;
        var rid = Guid.NewGuid().ToString();
        var h = ctx.Response.Headers;
        h["x-ms-request-id"] = rid;
        h["x-ms-correlation-request-id"] = ctx.Request.Headers["x-ms-correlation-request-id"].ToString() is { Length: > 0 } corr ? corr : Guid.NewGuid().ToString();
        h["x-ms-routing-request-id"] = $"EASTUS:{DateTime.UtcNow:yyyyMMddTHHmmss}Z:{rid}";
        h["Cache-Control"] = "no-cache"; h["Pragma"] = "no-cache"; h["Expires"] = "-1";
        h["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains";
        h["X-Content-Type-Options"] = "nosniff";
        switch (method)
        {
            case "GET" or "HEAD": h["x-ms-ratelimit-remaining-subscription-reads"] = "249"; h["x-ms-ratelimit-remaining-subscription-global-reads"] = "3749"; break;
            case "DELETE": h["x-ms-ratelimit-remaining-subscription-deletes"] = "199"; h["x-ms-ratelimit-remaining-subscription-global-deletes"] = "2999"; break;
            default: h["x-ms-ratelimit-remaining-subscription-writes"] = "199"; h["x-ms-ratelimit-remaining-subscription-global-writes"] = "2999"; break;
        }
        var auth = ctx.Request.Headers.Authorization.ToString();
        if (string.IsNullOrEmpty(auth))
        {
            h["WWW-Authenticate"] = $"Bearer authorization_uri=\"https://login.microsoftonline.com/{W.TenantId}\", error=\"invalid_token\", error_description=\"Authentication failed. The 'Authorization' header is missing.\"";
            await Write(ctx, 401, Err("AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing."));
            return;
        }
        if (!auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            await Write(ctx, 401, Err("AuthenticationFailed", "Authentication failed. The 'Authorization' header is provided in an invalid format."));
            return;
        }
        if (!emu.Tokens.IsArmToken(auth[7..].Trim()))
        {
            h["WWW-Authenticate"] = $"Bearer authorization_uri=\"https://login.microsoftonline.com/{W.TenantId}\", error=\"invalid_token\", error_description=\"The access token is invalid.\"";
            await Write(ctx, 401, Err("InvalidAuthenticationToken", "The access token is invalid."));
            return;
        }
        var path = ctx.Request.Path.Value!.TrimEnd('/');
        if (await RefuseUndefinedApiVersion(ctx, path)) return;
        if (await Route(ctx, method, path, fault)) return;
        // unknown
        var m = Regex.Match(path, @"/providers/(?<ns>[^/]+)/(?<type>[^/]+)", RegexOptions.IgnoreCase);
        if (m.Success && !m.Groups["ns"].Value.Equals("Microsoft.ContainerService", StringComparison.OrdinalIgnoreCase) && !m.Groups["ns"].Value.Equals("Microsoft.Network", StringComparison.OrdinalIgnoreCase))
            await Write(ctx, 404, Err("NoRegisteredProviderFound", $"No registered resource provider found for location '{W.Location}' and API version '{ApiVersion(ctx, "")}' for type '{m.Groups["type"].Value}'. The supported api-versions are ''. The supported locations are ''."));
        else if (m.Success)
            await Write(ctx, 404, Err("InvalidResourceType", $"The resource type '{m.Groups["type"].Value}' could not be found in the namespace '{m.Groups["ns"].Value}' for api version '{ApiVersion(ctx, "")}'."));
        else
            await Write(ctx, 404, Err("InvalidResourceType", $"The resource type could not be found for the request path '{path}'."));
    }

    /// <summary>
    /// The api-versions of the published specifications in tests/contracts (docs/contracts.md), per resource type of the
    /// providers the emulator models. Any other value is refused as ARM does (400 NoRegisteredProviderFound); the contract
    /// tests check this table against the spec set.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, string[]> SpecApiVersions = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["Microsoft.ContainerService/managedClusters"] = ["2025-10-01"],
        ["Microsoft.Network/publicIPAddresses"] = ["2025-07-01"],
        ["Microsoft.Network/natGateways"] = ["2025-07-01"],
        ["Microsoft.Network/publicIPPrefixes"] = ["2025-01-01", "2025-07-01"],
        ["Microsoft.Network/virtualNetworks"] = ["2025-07-01"],
        ["Microsoft.Network/routeTables"] = ["2025-07-01"],
        ["Microsoft.Network/azureFirewalls"] = ["2025-07-01"],
        ["Microsoft.ResourceGraph/resources"] = ["2024-04-01"],
    };

    private async Task<bool> RefuseUndefinedApiVersion(HttpContext ctx, string path)
    {
        // An extension resource (Microsoft.Authorization at a public IP's scope) has its own api-versions (ArmApi.Authorization).
        if (AuthorizationPath.IsMatch(path)) return false;
        var m = Regex.Match(path, @"/providers/(?<ns>Microsoft\.ContainerService|Microsoft\.Network)/(?<type>[^/]+)", Ro);
        if (!m.Success || !SpecApiVersions.TryGetValue(m.Groups["ns"].Value + "/" + m.Groups["type"].Value, out var versions)) return false;
        return await RefuseApiVersion(ctx, m.Groups["type"].Value, versions, W.Location);
    }

    /// <summary>
    /// ARM's answer to a request without an api-version (400 MissingApiVersionParameter) or with one the resource type does not
    /// define (400 NoRegisteredProviderFound, naming the ones it does). <paramref name="location"/> null: a global resource type
    /// (location 'global', no supported locations). True when the request was answered; false when the api-version is fine.
    /// </summary>
    private static async Task<bool> RefuseApiVersion(HttpContext ctx, string type, IReadOnlyCollection<string> versions, string? location)
    {
        var api = ctx.Request.Query["api-version"].ToString();
        if (api.Length == 0)
        {
            await Write(ctx, 400, Err("MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests."));
            return true;
        }
        if (versions.Contains(api, StringComparer.OrdinalIgnoreCase)) return false;
        await Write(ctx, 400, Err("NoRegisteredProviderFound",
            $"No registered resource provider found for location '{location ?? "global"}' and API version '{api}' for type '{type}'. " +
            $"The supported api-versions are '{string.Join(", ", versions)}'. The supported locations are '{location}'."));
        return true;
    }

    private static readonly RegexOptions Ro = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    // ------------------------------------------------------------------ routes
    private delegate Task<bool> RouteHandler(ArmApi api, HttpContext ctx, string method, IReadOnlyDictionary<string, string> values, FaultRule? fault);

    private const string SubscriptionPath = "/subscriptions/{sub}";
    private const string GroupPath = SubscriptionPath + "/resourcegroups/{rg}";
    private const string Aks = "/providers/Microsoft.ContainerService/managedClusters";
    private const string Pip = "/providers/Microsoft.Network/publicIPAddresses";
    private const string Nat = "/providers/Microsoft.Network/natGateways";
    private const string Vnet = "/providers/Microsoft.Network/virtualNetworks";
    private const string RouteTables = "/providers/Microsoft.Network/routeTables";
    private const string Firewalls = "/providers/Microsoft.Network/azureFirewalls";
    private const string Prefixes = "/providers/Microsoft.Network/publicIPPrefixes";
    private const string Providers = "/providers/{ns:Microsoft.ContainerService|Microsoft.Network}";

    private static readonly RouteTemplate AnySubscriptionPath = new(SubscriptionPath + "/{*rest}");

    /// <summary>ARM routes in match order; a handler that returns false leaves the request to the unknown-path answer.</summary>
    private static readonly (RouteTemplate Template, RouteHandler Handle)[] Routes =
    [
        (new(SubscriptionPath), (api, ctx, method, v, fault) => OnlyGet(method, () => api.GetSubscription(ctx))),
        (new(SubscriptionPath + "/resourcegroups"), (api, ctx, method, v, fault) => OnlyGet(method, () => api.ListRgs(ctx))),
        (new(GroupPath), (api, ctx, method, v, fault) => Handled(api.ResourceGroup(ctx, method, v["rg"]))),
        (new(SubscriptionPath + Providers), (api, ctx, method, v, fault) => OnlyGet(method, () => api.ProviderMetadata(ctx, v["ns"]))),
        (new(SubscriptionPath + Aks), (api, ctx, method, v, fault) => OnlyGet(method, () => api.ListClusters(ctx, null))),
        (new(GroupPath + Aks), (api, ctx, method, v, fault) => OnlyGet(method, () => api.InExistingRg(ctx, v["rg"], () => api.ListClusters(ctx, v["rg"])))),
        (new(GroupPath + Aks + "/{name}"), (api, ctx, method, v, fault) => Handled(method switch
        {
            "GET" => api.GetCluster(ctx, v["rg"], v["name"]),
            "PUT" => api.PutCluster(ctx, v["rg"], v["name"], fault),
            "DELETE" => Write(ctx, 409, Err("OperationNotAllowed", "Deleting managed clusters is not modelled by the AksEgress emulator."), AksCt),
            _ => MethodNotAllowed(ctx),
        })),
        (new(GroupPath + Aks + "/{name}/agentPools"), (api, ctx, method, v, fault) => OnlyGet(method, () => api.ListAgentPools(ctx, v["rg"], v["name"]))),
        (new(GroupPath + Aks + "/{name}/agentPools/{pool}"), (api, ctx, method, v, fault) => Handled(method switch
        {
            "GET" => api.GetAgentPool(ctx, v["rg"], v["name"], v["pool"]),
            "PUT" => api.PutAgentPool(ctx, v["rg"], v["name"], v["pool"], fault),
            "DELETE" => api.DeleteAgentPool(ctx, v["rg"], v["name"], v["pool"], fault),
            _ => MethodNotAllowed(ctx),
        })),
        (new(GroupPath + Aks + "/{name}/{action:listClusterUserCredential|listClusterAdminCredential|listClusterMonitoringUserCredential}"),
            (api, ctx, method, v, fault) => Handled(method != "POST" ? MethodNotAllowed(ctx) : api.Credentials(ctx, v["rg"], v["name"], v["action"]))),
        (new(SubscriptionPath + Providers + "/locations/{loc}/{kind:operations|operationresults}/{id}"),
            (api, ctx, method, v, fault) => Handled(api.OperationStatus(ctx, v["id"], v["kind"].Equals("operations", StringComparison.OrdinalIgnoreCase)))),
        (new(SubscriptionPath + Pip), (api, ctx, method, v, fault) => OnlyGet(method, () => api.ListPips(ctx, null))),
        (new(GroupPath + Pip), (api, ctx, method, v, fault) => OnlyGet(method, () => api.InExistingRg(ctx, v["rg"], () => api.ListPips(ctx, v["rg"])))),
        (new(GroupPath + Pip + "/{name}"), (api, ctx, method, v, fault) => Handled(method switch
        {
            "GET" => api.GetPip(ctx, v["rg"], v["name"]),
            "PUT" => api.PutPip(ctx, v["rg"], v["name"], fault),
            "PATCH" => api.PatchPipTags(ctx, v["rg"], v["name"]),
            "DELETE" => api.DeletePip(ctx, v["rg"], v["name"], fault),
            _ => MethodNotAllowed(ctx),
        })),
        (new(GroupPath + Nat), (api, ctx, method, v, fault) => Handled(api.ListNatGateways(ctx, v["rg"]))),
        (new(GroupPath + Nat + "/{name}"), (api, ctx, method, v, fault) => Handled(method switch
        {
            "GET" => api.GetNatGateway(ctx, v["rg"], v["name"]),
            "PUT" => api.PutNatGateway(ctx, v["rg"], v["name"], fault),
            _ => MethodNotAllowed(ctx),
        })),
        (new(GroupPath + Vnet + "/{name}"), (api, ctx, method, v, fault) => Handled(method != "GET" ? MethodNotAllowed(ctx) : api.GetVnet(ctx, v["rg"], v["name"]))),
        (new(GroupPath + Vnet + "/{name}/subnets/{subnet}"), (api, ctx, method, v, fault) => Handled(method != "GET" ? MethodNotAllowed(ctx) : api.GetSubnet(ctx, v["rg"], v["name"], v["subnet"]))),
        (new(GroupPath + RouteTables + "/{name}"), (api, ctx, method, v, fault) => Handled(method != "GET" ? MethodNotAllowed(ctx) : api.GetRouteTable(ctx, v["rg"], v["name"]))),
        (new(SubscriptionPath + Firewalls), (api, ctx, method, v, fault) => OnlyGet(method, () => api.ListFirewalls(ctx))),
        (new(GroupPath + Firewalls + "/{name}"), (api, ctx, method, v, fault) => Handled(method != "GET" ? MethodNotAllowed(ctx) : api.GetFirewall(ctx, v["rg"], v["name"]))),
        (new(GroupPath + Prefixes + "/{name}"), (api, ctx, method, v, fault) => Handled(method switch
        {
            "GET" => api.GetPrefix(ctx, v["rg"], v["name"]),
            "PUT" => api.PutPrefix(ctx, v["rg"], v["name"], fault),
            "DELETE" => api.DeletePrefix(ctx, v["rg"], v["name"], fault),
            _ => MethodNotAllowed(ctx),
        })),
    ];

    private static async Task<bool> Handled(Task handler) { await handler; return true; }
    private static async Task<bool> OnlyGet(string method, Func<Task> handler)
    {
        if (method != "GET") return false;
        await handler();
        return true;
    }

    private async Task<bool> Route(HttpContext ctx, string method, string path, FaultRule? fault)
    {
        if (await ResourceGraph(ctx, method, path)) return true;   // tenant level: ArmApi.ResourceGraph.cs
        if (AnySubscriptionPath.Match(path) is not { } subscription) return false;
        if (!subscription["sub"].Equals(Sub, StringComparison.OrdinalIgnoreCase))
        {
            await Write(ctx, 404, Err("SubscriptionNotFound", $"The subscription '{subscription["sub"]}' could not be found."));
            return true;
        }
        if (await Authorization(ctx, method, path)) return true;
        if (await ComputeVmss(ctx, method, path)) return true;    // node pool scale sets: ArmApi.Compute.cs
        foreach (var (template, handle) in Routes)
            if (template.Match(path) is { } values) return await handle(this, ctx, method, values, fault);
        return false;
    }

    private Task GetSubscription(HttpContext ctx) => Write(ctx, 200, new JsonObject
    {
        ["id"] = $"/subscriptions/{Sub}", ["authorizationSource"] = "RoleBased", ["subscriptionId"] = Sub, ["tenantId"] = W.TenantId,
        ["displayName"] = "AksEgress Emulator", ["state"] = "Enabled",
        ["subscriptionPolicies"] = new JsonObject { ["locationPlacementId"] = "Public_2014-09-01", ["quotaId"] = "PayAsYouGo_2014-09-01", ["spendingLimit"] = "Off" },
    });

    /// <summary>Runs <paramref name="handler"/> when the resource group exists, else answers ResourceGroupNotFound.</summary>
    private async Task InExistingRg(HttpContext ctx, string rg, Func<Task> handler)
    {
        bool exists; lock (W.Sync) exists = W.ResourceGroups.ContainsKey(rg);
        if (!exists) { await RgNotFound(ctx, rg); return; }
        await handler();
    }

    private async Task ListNatGateways(HttpContext ctx, string rg)
    {
        JsonArray? arr;
        lock (W.Sync)
        {
            if (!W.ResourceGroups.ContainsKey(rg)) arr = null;
            else arr = new JsonArray(W.NatGateways.Values.Where(n => n.ResourceGroup.Equals(rg, StringComparison.OrdinalIgnoreCase)).Select(n => (JsonNode)n.ToJson(Sub, W.Location)).ToArray());
        }
        if (arr is null) { await RgNotFound(ctx, rg); return; }
        await Write(ctx, 200, new JsonObject { ["value"] = arr });
    }

    private async Task GetNatGateway(HttpContext ctx, string rg, string name)
    {
        JsonObject? body; bool rgOk;
        lock (W.Sync) { rgOk = W.ResourceGroups.ContainsKey(rg); body = W.NatGateways.GetValueOrDefault(EmulatorWorld.RgKey(rg, name))?.ToJson(Sub, W.Location); }
        if (!rgOk) { await RgNotFound(ctx, rg); return; }
        if (body is null) { await ResNotFound(ctx, "Microsoft.Network/natGateways", name, rg); return; }
        await Write(ctx, 200, body);
    }

    private static Task MethodNotAllowed(HttpContext ctx) =>
        Write(ctx, 405, Err("MethodNotAllowed", $"The requested resource does not support http method '{ctx.Request.Method}'."));

    // ------------------------------------------------------------------ resource groups
    private JsonObject RgJson(ResourceGroup rg)
    {
        var o = new JsonObject
        {
            ["id"] = $"/subscriptions/{Sub}/resourceGroups/{rg.Name}", ["name"] = rg.Name, ["type"] = "Microsoft.Resources/resourceGroups",
            ["location"] = rg.Location,
        };
        if (rg.ManagedBy is not null) o["managedBy"] = rg.ManagedBy;
        if (rg.Tags.Count > 0) o["tags"] = PublicIp.TagsJson(rg.Tags);
        o["properties"] = new JsonObject { ["provisioningState"] = "Succeeded" };
        return o;
    }

    private async Task ListRgs(HttpContext ctx)
    {
        JsonArray arr;
        lock (W.Sync) arr = new JsonArray(W.ResourceGroups.Values.Select(r => (JsonNode)RgJson(r)).ToArray());
        await Write(ctx, 200, new JsonObject { ["value"] = arr });
    }

    private async Task ResourceGroup(HttpContext ctx, string method, string rg)
    {
        if (method is "GET" or "HEAD")
        {
            JsonObject? body;
            lock (W.Sync) body = W.ResourceGroups.TryGetValue(rg, out var r) ? RgJson(r) : null;
            if (body is null) { if (method == "HEAD") { ctx.Response.StatusCode = 404; return; } await RgNotFound(ctx, rg); return; }
            if (method == "HEAD") { ctx.Response.StatusCode = 204; return; }
            await Write(ctx, 200, body); return;
        }
        if (method == "PUT")
        {
            var req = await K8sApi.ReadBody(ctx);
            var loc = JsonUtil.S(req, "location");
            if (string.IsNullOrEmpty(loc)) { await Write(ctx, 400, Err("LocationRequired", "The location property is required for this definition.")); return; }
            if (!Regex.IsMatch(rg, @"^[-\w\._\(\)]{1,90}$") || rg.EndsWith('.'))
            { await Write(ctx, 400, Err("InvalidResourceGroupName", $"The resource group name '{rg}' is invalid. It must be 1-90 characters long and may contain alphanumerics, underscores, parentheses, hyphens and periods (not at the end).")); return; }
            bool created; JsonObject body;
            lock (W.Sync)
            {
                created = !W.ResourceGroups.TryGetValue(rg, out var existing);
                var r = existing ?? new ResourceGroup { Name = rg, Location = loc.Replace(" ", "").ToLowerInvariant() };
                if (JsonUtil.Get(req, "tags") is JsonObject tags) { r.Tags.Clear(); foreach (var (k, v) in tags) r.Tags[k] = v?.ToString() ?? ""; }
                W.ResourceGroups[rg] = r;
                body = RgJson(r);
            }
            await Write(ctx, created ? 201 : 200, body); return;
        }
        if (method == "DELETE") { await Write(ctx, 409, Err("OperationNotAllowed", "Deleting resource groups is not modelled by the AksEgress emulator.")); return; }
        await MethodNotAllowed(ctx);
    }

    private async Task ProviderMetadata(HttpContext ctx, string ns)
    {
        var aks = ns.Equals("Microsoft.ContainerService", StringComparison.OrdinalIgnoreCase);
        var types = aks
            ? new[] { ("managedClusters", SpecApiVersions["Microsoft.ContainerService/managedClusters"]), ("locations/operations", new[] { "2025-10-01" }), ("locations/operationresults", new[] { "2025-10-01" }) }
            : new[] { ("publicIPAddresses", SpecApiVersions["Microsoft.Network/publicIPAddresses"]), ("natGateways", SpecApiVersions["Microsoft.Network/natGateways"]), ("publicIPPrefixes", SpecApiVersions["Microsoft.Network/publicIPPrefixes"]), ("virtualNetworks", SpecApiVersions["Microsoft.Network/virtualNetworks"]), ("routeTables", SpecApiVersions["Microsoft.Network/routeTables"]), ("azureFirewalls", SpecApiVersions["Microsoft.Network/azureFirewalls"]), ("locations/operations", new[] { "2025-07-01" }), ("locations/operationResults", new[] { "2025-07-01" }) };
        await Write(ctx, 200, new JsonObject
        {
            ["id"] = $"/subscriptions/{Sub}/providers/{(aks ? "Microsoft.ContainerService" : "Microsoft.Network")}",
            ["namespace"] = aks ? "Microsoft.ContainerService" : "Microsoft.Network",
            ["registrationState"] = "Registered", ["registrationPolicy"] = "RegistrationRequired",
            ["resourceTypes"] = new JsonArray(types.Select(t => (JsonNode)new JsonObject
            {
                ["resourceType"] = t.Item1, ["locations"] = new JsonArray("East US"),
                ["apiVersions"] = new JsonArray(t.Item2.Select(v => (JsonNode)JsonValue.Create(v)!).ToArray()),
                ["capabilities"] = "None",
            }).ToArray()),
        });
    }

    // ------------------------------------------------------------------ operations (LRO)
    internal ArmOperation StartOperation(string provider, FaultRule? fault, Action? onSucceeded, Action? onFailed, string? resourceId)
    {
        var op = new ArmOperation
        {
            Id = Guid.NewGuid().ToString(), Provider = provider, Location = W.Location,
            PollsRemaining = Math.Max(0, W.Options.LroInProgressPolls),
            Outcome = fault?.LroOutcome?.ToLowerInvariant(),
            ErrorCode = fault?.LroErrorCode, ErrorMessage = fault?.LroErrorMessage,
            OnSucceeded = onSucceeded, OnFailed = onFailed, ResourceId = resourceId,
            LocationOnly = string.Equals(fault?.LroHeaders, "location", StringComparison.OrdinalIgnoreCase),
        };
        W.Operations[op.Id] = op;
        return op;
    }

    internal string OperationUrl(ArmOperation op, string apiVersion, bool results = false) =>
        $"{Base}subscriptions/{Sub}/providers/{op.Provider}/locations/{op.Location}/{(results ? (op.Provider == "Microsoft.Network" ? "operationResults" : "operationresults") : "operations")}/{op.Id}?api-version={apiVersion}";

    private void SetLroHeaders(HttpContext ctx, ArmOperation op, string apiVersion, bool location)
    {
        if (!op.LocationOnly) ctx.Response.Headers["Azure-AsyncOperation"] = OperationUrl(op, apiVersion);
        if (location || op.LocationOnly) ctx.Response.Headers.Location = OperationUrl(op, apiVersion, true);
        ctx.Response.Headers["Retry-After"] = W.Options.LroRetryAfterSeconds.ToString();
        if (op.Provider == "Microsoft.Network") ctx.Response.Headers["Azure-AsyncNotification"] = "Enabled";
    }

    /// <summary>The operation <paramref name="operationId"/> (a resource's pending one) while it is still running, else null. Caller holds Sync.</summary>
    private ArmOperation? RunningOperation(string? operationId) =>
        operationId is not null && W.Operations.TryGetValue(operationId, out var op) && op.Status == "InProgress" ? op : null;

    /// <summary>Advances an operation by one poll. Caller holds Sync.</summary>
    private static void Advance(ArmOperation op)
    {
        if (op.Status != "InProgress") return;
        if (op.Outcome == "stuck") return;
        if (op.PollsRemaining > 0) { op.PollsRemaining--; return; }
        op.EndTime = DateTime.UtcNow;
        if (op.Outcome != "failed" && op.FailIf?.Invoke() is { } why) { op.Outcome = "failed"; op.ErrorCode = why.Code; op.ErrorMessage = why.Message; }
        if (op.Outcome == "failed")
        {
            op.Status = "Failed";
            op.ErrorCode ??= "InternalOperationError";
            op.ErrorMessage ??= "The operation failed (injected by the emulator).";
            op.OnFailed?.Invoke();
        }
        else
        {
            op.Status = "Succeeded";
            op.OnSucceeded?.Invoke();
        }
    }

    private async Task OperationStatus(HttpContext ctx, string id, bool asyncOperation)
    {
        ArmOperation? op; string status;
        lock (W.Sync)
        {
            op = W.Operations.GetValueOrDefault(id);
            if (op is not null) Advance(op);
            status = op?.Status ?? "";
        }
        if (op is null)
        {
            await Write(ctx, 404, Err("NotFound", $"The operation '{id}' could not be found."));
            return;
        }
        var aks = op.Provider == "Microsoft.ContainerService";
        if (!asyncOperation)
        {
            if (status == "InProgress")
            {
                ctx.Response.Headers.Location = OperationUrl(op, ApiVersion(ctx, "2025-07-01"), true);
                ctx.Response.Headers["Retry-After"] = W.Options.LroRetryAfterSeconds.ToString();
                await Write(ctx, 202, null); return;
            }
            if (status == "Failed") { await Write(ctx, 400, Err(op.ErrorCode!, op.ErrorMessage!)); return; }
            ctx.Response.StatusCode = 204; return;
        }
        JsonObject body;
        if (aks)
        {
            body = new JsonObject { ["name"] = op.Id, ["status"] = status, ["startTime"] = op.StartTime.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ") };
            if (op.EndTime is { } e) body["endTime"] = e.ToString("yyyy-MM-ddTHH:mm:ss.fffffffZ");
        }
        else body = new JsonObject { ["status"] = status };
        if (status == "Failed") body["error"] = new JsonObject { ["code"] = op.ErrorCode, ["message"] = op.ErrorMessage };
        if (status == "InProgress") ctx.Response.Headers["Retry-After"] = W.Options.LroRetryAfterSeconds.ToString();
        await Write(ctx, 200, body, aks ? AksCt : NrpCt);
    }
}
