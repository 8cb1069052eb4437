using System.Text;

namespace AksEgress.Emulator;

internal sealed partial class ArmApi
{
    private async Task ListClusters(HttpContext ctx, string? rg)
    {
        var skip = int.TryParse(ctx.Request.Query["$skipToken"], out var s) && s > 0 ? s : 0;
        var size = Math.Max(1, W.Options.PageSize);
        List<JsonObject> page;
        int total;
        lock (W.Sync)
        {
            // Clone only the page (cloning every cluster per page made big fleet listings quadratic in the emulator).
            var all = W.Clusters.Values.Where(c => rg is null || c.ResourceGroup.Equals(rg, StringComparison.OrdinalIgnoreCase))
                .OrderBy(c => c.ResourceGroup, StringComparer.OrdinalIgnoreCase).ThenBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ToList();
            total = all.Count;
            page = all.Skip(skip).Take(size).Select(c => JsonUtil.Clone(c.Body)).ToList();
        }
        var body = new JsonObject { ["value"] = new JsonArray(page.Select(p => (JsonNode)p).ToArray()) };
        if (skip + size < total)
        {
            var api = ApiVersion(ctx, "2025-10-01");
            var basePath = rg is null ? $"subscriptions/{Sub}/providers/Microsoft.ContainerService/managedClusters" : $"subscriptions/{Sub}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters";
            body["nextLink"] = $"{Base}{basePath}?api-version={Uri.EscapeDataString(api)}&$skipToken={skip + size}";
        }
        await Write(ctx, 200, body, AksCt);
    }

    private async Task GetCluster(HttpContext ctx, string rg, string name)
    {
        JsonObject? body; bool rgOk;
        lock (W.Sync)
        {
            rgOk = W.ResourceGroups.ContainsKey(rg);
            body = W.Clusters.TryGetValue(name, out var c) && c.ResourceGroup.Equals(rg, StringComparison.OrdinalIgnoreCase) ? JsonUtil.Clone(c.Body) : null;
        }
        if (!rgOk) { await RgNotFound(ctx, rg); return; }
        if (body is null) { await ResNotFound(ctx, "Microsoft.ContainerService/managedClusters", name, rg); return; }
        await Write(ctx, 200, body, AksCt);
    }

    private static readonly string[] LbChoices = { "managedOutboundIPs", "outboundIPs", "outboundIPPrefixes" };

    private async Task PutCluster(HttpContext ctx, string rg, string name, FaultRule? fault)
    {
        var req = await K8sApi.ReadBody(ctx);
        var api = ApiVersion(ctx, "2025-10-01");
        int status = 0; JsonObject? resp = null; string? aoHeaderOp = null; ArmOperation? op = null;
        lock (W.Sync)
        {
            if (!W.ResourceGroups.ContainsKey(rg)) status = -404;
            else if (!W.Clusters.TryGetValue(name, out var c) || !c.ResourceGroup.Equals(rg, StringComparison.OrdinalIgnoreCase))
            {
                status = 400;
                resp = Err("BadRequest", $"Creating managed cluster '{name}' is not supported by the AksEgress emulator; only updates of existing clusters are modelled.");
            }
            else if (req is null) { status = 400; resp = Err("InvalidRequestContent", "The request content was invalid and could not be deserialized: 'Unexpected end when deserializing object.'"); }
            else if (IfMatchFails(ctx, c.ETag) is { } sentEtag)
            {
                status = 412;
                resp = Err("PreconditionFailed", $"Operation failed because the If-Match header value '{sentEtag}' does not match the current eTag '{c.ETag}' of managed cluster '{name}': the cluster was changed after it was read. Get the cluster again and retry with its current eTag.");
            }
            else if (ClusterOperationInProgress(c) is { } busy) { status = 409; resp = busy; }
            else if (LinkedAuthorizationFailure(ctx, c, req) is { } linked) { status = 403; resp = linked; }
            else
            {
                var (code, error) = ValidateClusterPut(c, req);
                if (code != 0) { status = code; resp = error; }
                else
                {
                    var next = JsonUtil.Clone(c.Body);
                    var sentProps = req["properties"] as JsonObject ?? new JsonObject();
                    var sentNp = sentProps["networkProfile"] as JsonObject;
                    var sentLbp = sentNp?["loadBalancerProfile"] as JsonObject;
                    var readOnly = new[] { "provisioningState", "powerState", "fqdn", "azurePortalFQDN", "currentKubernetesVersion", "nodeResourceGroup", "identityProfile", "resourceUID", "maxAgentPools", "privateFQDN" };
                    var mergeProps = JsonUtil.Clone(sentProps);
                    foreach (var ro in readOnly) mergeProps.Remove(ro);
                    if (mergeProps["networkProfile"] is JsonObject mnp && mnp["loadBalancerProfile"] is JsonObject mlbp) mlbp.Remove("effectiveOutboundIPs");
                    if (mergeProps["networkProfile"] is JsonObject mnp2 && mnp2["natGatewayProfile"] is JsonObject mngp) mngp.Remove("effectiveOutboundIPs");
                    var nextProps = JsonUtil.Obj(next, "properties");
                    if (sentLbp is not null && nextProps["networkProfile"]?["loadBalancerProfile"] is JsonObject curLbp)
                        foreach (var ch in LbChoices) if (sentLbp[ch] is not null) foreach (var other in LbChoices) if (other != ch) curLbp.Remove(other);
                    JsonUtil.DeepMerge(nextProps, mergeProps);
                    if (req["tags"] is JsonObject tags) next["tags"] = tags.DeepClone();
                    var newOutbound = JsonUtil.S(next, "properties", "networkProfile", "outboundType") ?? "loadBalancer";
                    if (newOutbound is "none" or "block") JsonUtil.Obj(JsonUtil.Obj(next, "properties"), "networkProfile").Remove("loadBalancerProfile");
                    else if (newOutbound == "loadBalancer" && c.LoadBalancerSku == "standard" && JsonUtil.Get(next, "properties", "networkProfile", "loadBalancerProfile") is null)
                        JsonUtil.Obj(JsonUtil.Obj(next, "properties"), "networkProfile")["loadBalancerProfile"] = new JsonObject { ["managedOutboundIPs"] = new JsonObject { ["count"] = 1 }, ["backendPoolType"] = "nodeIPConfiguration" };
                    var respBody = JsonUtil.Clone(next);
                    JsonUtil.Obj(respBody, "properties")["provisioningState"] = "Updating";
                    // keep the old effective list in the 200 body
                    var oldEff = JsonUtil.Get(c.Body, "properties", "networkProfile", "loadBalancerProfile", "effectiveOutboundIPs")?.DeepClone();
                    if (respBody["properties"]?["networkProfile"]?["loadBalancerProfile"] is JsonObject rl && oldEff is not null) rl["effectiveOutboundIPs"] = oldEff;
                    // Like AKS: from the accepted PUT on, a GET shows the new desired spec (provisioningState Updating, the old
                    // effectiveOutboundIPs) and a new eTag; the operation then reconciles it.
                    var pending = JsonUtil.Clone(respBody);
                    c.Body = pending;
                    c.NewETag();
                    respBody["eTag"] = c.ETag;
                    var cluster = c;
                    op = StartOperation("Microsoft.ContainerService", fault,
                        onSucceeded: () =>
                        {
                            var finalBody = cluster.Body;
                            JsonUtil.Obj(finalBody, "properties")["provisioningState"] = "Succeeded";
                            cluster.NewETag();
                            if (JsonUtil.Get(finalBody, "properties", "networkProfile", "loadBalancerProfile") is JsonObject lbp && cluster.OutboundType == "loadBalancer")
                            {
                                if (lbp["managedOutboundIPs"] is JsonObject mo) W.ReconcileManagedOutbound(cluster, JsonUtil.Int(mo["count"]) ?? 1, null);
                                else if (lbp["outboundIPs"]?["publicIPs"] is JsonArray ips) W.ReconcileManagedOutbound(cluster, null, ips.Select(i => JsonUtil.S(i, "id")!).ToList());
                                else if (lbp["outboundIPPrefixes"]?["publicIPPrefixes"] is JsonArray pfx) W.ReconcileManagedOutbound(cluster, null, pfx.Select(i => JsonUtil.S(i, "id")!).ToList());
                            }
                            else if (cluster.OutboundType == "managedNATGateway") W.ReconcileManagedNatGateway(cluster);
                            else if (cluster.OutboundType is "none" or "block")
                            {
                                foreach (var p in W.PublicIps.Values.Where(p => p.ManagedByCluster == cluster.Name && p.Tags.GetValueOrDefault("type") == "aks-slb-managed-outbound-ip").ToList())
                                { W.PublicIps.Remove(EmulatorWorld.RgKey(p.ResourceGroup, p.Name)); W.UsedAddresses.Remove(p.Address ?? ""); }
                            }
                            cluster.PendingOperationId = null;
                        },
                        onFailed: () => { JsonUtil.Obj(cluster.Body, "properties")["provisioningState"] = "Failed"; cluster.PendingOperationId = null; },
                        resourceId: JsonUtil.S(c.Body, "id"));
                    // AKS reconciles the outbound rule with the IPs as they are then: one deleted meanwhile fails the update
                    // (the error AKS reports for a missing BYO outbound IP: Azure/AKS#3247).
                    op.FailIf = () =>
                    {
                        var wanted = JsonUtil.Get(cluster.Body, "properties", "networkProfile", "loadBalancerProfile", "outboundIPs", "publicIPs") as JsonArray;
                        var gone = wanted?.Select(i => JsonUtil.S(i, "id") ?? "").FirstOrDefault(id => W.FindPublicIpById(id) is null);
                        return gone is null ? null : ("InvalidLoadBalancerProfileOutboundIPs",
                            $"Error in validating load balancer profile outbound IPs, error details: LoadBalancerProfileOutboundIPNotExist. Outbound IP '{gone}' does not exist.");
                    };
                    c.PendingOperationId = op.Id;
                    status = 200; resp = respBody; aoHeaderOp = op.Id;
                }
            }
        }
        if (status == -404) { await RgNotFound(ctx, rg); return; }
        if (op is not null) SetLroHeaders(ctx, op, api, false);
        _ = aoHeaderOp;
        await Write(ctx, status, resp, status == 200 ? AksCt : NrpCt);
    }

    /// <summary>Validates the egress-relevant part of a cluster PUT. Caller holds Sync.</summary>
    private (int, JsonObject?) ValidateClusterPut(Cluster c, JsonObject req)
    {
        var np = JsonUtil.Get(req, "properties", "networkProfile") as JsonObject;
        if (np is null) return (0, null);
        if (JsonUtil.Get(np, "staticEgressGatewayProfile", "enabled") is { } segNode)
        {
            // Not published by AKS (facts §1.1: "Ensure all gateway node pools are deleted first"); code and text assumed.
            var want = JsonUtil.Bool(segNode) == true;
            var gatewayPools = EmulatorWorld.AgentPools(c).OfType<JsonObject>().Where(EmulatorWorld.IsGatewayPool).Select(p => JsonUtil.S(p, "name")).ToList();
            if (!want && EmulatorWorld.GatewayEnabled(c) && gatewayPools.Count > 0)
                return (400, Err("StaticEgressGatewayHasGatewayNodePools", $"Static Egress Gateway cannot be disabled while gateway node pools exist: {string.Join(", ", gatewayPools)}. Delete all gateway node pools first. See documentation https://learn.microsoft.com/en-us/azure/aks/configure-static-egress-gateway"));
            var families = (JsonUtil.Get(np, "ipFamilies") ?? JsonUtil.Get(c.NetworkProfile, "ipFamilies")) as JsonArray;
            if (want && !EmulatorWorld.GatewayEnabled(c) && families?.Any(f => string.Equals(f?.ToString(), "IPv6", StringComparison.OrdinalIgnoreCase)) == true)
                return (400, Err("StaticEgressGatewayNotSupported", "Static Egress Gateway is not supported on dual-stack clusters: gateway nodes get IPv4 secondary IP configurations only. See documentation https://learn.microsoft.com/en-us/azure/aks/configure-static-egress-gateway"));
        }
        var curType = c.OutboundType;
        var newType = JsonUtil.S(np, "outboundType") ?? curType;
        var valid = new[] { "loadBalancer", "userDefinedRouting", "managedNATGateway", "userAssignedNATGateway", "none", "block" };
        if (!valid.Contains(newType))
            return (400, Err("InvalidParameter", $"The value of parameter networkProfile.outboundType is invalid. Please see https://aka.ms/aks-naming-rules for more details. Allowed values: {string.Join(", ", valid)}."));
        var sku = JsonUtil.S(np, "loadBalancerSku") ?? c.LoadBalancerSku;
        if (!sku.Equals(c.LoadBalancerSku, StringComparison.OrdinalIgnoreCase))
            return (400, Err("PropertyChangeNotAllowed", "Changing property 'loadBalancerSku' is not allowed."));
        if (newType != curType)
        {
            var ok = c.LoadBalancerSku == "standard" && curType is "loadBalancer" or "none" or "block" && newType is "loadBalancer" or "none" or "block";
            if (!ok) return (400, Err("OutboundTypeChangeNotSupported", $"Changing outboundType from '{curType}' to '{newType}' is not supported by the AksEgress emulator (only loadBalancer, none and block on Standard load balancer clusters)."));
        }
        if (ValidateNatGatewayProfile(c, np, newType) is { } natError) return (400, natError);
        var lbp = np["loadBalancerProfile"] as JsonObject;
        if (lbp is null) return (0, null);
        if (c.LoadBalancerSku == "basic")
            return (400, Err("InvalidLoadBalancerProfile", "Load balancer profile is only supported with standard load balancer sku, but the cluster uses a basic load balancer."));
        if (newType != "loadBalancer")
        {
            var curLbp = JsonUtil.Str(JsonUtil.Get(c.Body, "properties", "networkProfile", "loadBalancerProfile"));
            var sent = JsonUtil.Clone(lbp); sent.Remove("effectiveOutboundIPs");
            var cur = JsonUtil.Get(c.Body, "properties", "networkProfile", "loadBalancerProfile") is JsonObject co ? JsonUtil.Clone(co) : null; cur?.Remove("effectiveOutboundIPs");
            if (cur is null || JsonUtil.Str(cur) != JsonUtil.Str(sent))
                return (400, Err("InvalidLoadBalancerProfile", $"Load balancer profile can only be specified when outboundType is 'loadBalancer'; the cluster's outboundType is '{newType}'."));
            _ = curLbp;
            return (0, null);
        }
        var present = LbChoices.Where(ch => lbp[ch] is not null).ToList();
        if (present.Count > 1)
            return (400, Err("InvalidLoadBalancerProfile", "Load balancer profile must specify one of ManagedOutboundIPs, OutboundIPPrefixes and OutboundIPs."));
        if (lbp["allocatedOutboundPorts"] is { } aop)
        {
            var v = JsonUtil.Int(aop);
            if (v is null or < 0 or > 64000 || v % 8 != 0)
                return (400, Err("InvalidParameter", $"The value of parameter networkProfile.loadBalancerProfile.allocatedOutboundPorts is invalid: {JsonUtil.Str(aop)}. It must be in the range of 0 to 64000 inclusive and a multiple of 8."));
        }
        if (lbp["idleTimeoutInMinutes"] is { } itm)
        {
            var v = JsonUtil.Int(itm);
            if (v is null or < 4 or > 120)
                return (400, Err("InvalidParameter", $"The value of parameter networkProfile.loadBalancerProfile.idleTimeoutInMinutes is invalid: {JsonUtil.Str(itm)}. It must be in the range of 4 to 120 inclusive."));
        }
        if (lbp["managedOutboundIPs"] is JsonObject mo)
        {
            var count = JsonUtil.Int(mo["count"]);
            if (count is null or < 1 or > 100)
                return (400, Err("InvalidParameter", $"The value of parameter networkProfile.loadBalancerProfile.managedOutboundIPs.count is invalid: {JsonUtil.Str(mo["count"])}. It must be in the range of 1 to 100 inclusive."));
        }
        if (lbp["outboundIPPrefixes"] is JsonObject op)
        {
            var refs = op["publicIPPrefixes"] as JsonArray;
            if (refs is null || refs.Count == 0)
                return (400, Err("InvalidLoadBalancerProfile", "Load balancer profile must specify one of ManagedOutboundIPs, OutboundIPPrefixes and OutboundIPs: outboundIPPrefixes.publicIPPrefixes is empty."));
            var clusterId = $"/subscriptions/{Sub}/resourceGroups/{c.ResourceGroup}/providers/Microsoft.ContainerService/managedClusters/{c.Name}";
            foreach (var r in refs)
            {
                var id = JsonUtil.S(r, "id") ?? "";
                var m = System.Text.RegularExpressions.Regex.Match(id, @"^/subscriptions/(?<sub>[^/]+)/resourceGroups/(?<rg>[^/]+)/providers/Microsoft\.Network/publicIPPrefixes/(?<name>[^/]+)$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
                if (!m.Success)
                    return (400, Err("InvalidLoadBalancerProfileOutboundIPPrefixes", $"Outbound IP prefix '{id}' is not a valid public IP prefix resource id."));
                var prg = m.Groups["rg"].Value;
                // The caller's publicIPPrefixes/join/action is ARM's linked access check, which runs before this (EmulatorWorld.Authorization).
                var prefix = m.Groups["sub"].Value.Equals(Sub, StringComparison.OrdinalIgnoreCase) ? W.PublicIpPrefixes.GetValueOrDefault(EmulatorWorld.RgKey(prg, m.Groups["name"].Value)) : null;
                if (prefix?.IpPrefix is null)
                    return (400, Err("OutboundIPPrefixNotFound", $"Public IP prefix '{id}' referenced in networkProfile.loadBalancerProfile.outboundIPPrefixes was not found. Make sure it exists and is in succeeded state."));
                if (prefix.NatGatewayId is { } ng)
                    return (400, Err("PublicIPPrefixInUse", $"Public IP prefix {id} is referenced by resource {ng}, so it cannot be used as an outbound IP prefix."));
                if (prefix.LoadBalancerFrontendId is { } fe && !fe.Contains($"/resourceGroups/{c.NodeResourceGroup}/providers/Microsoft.Network/loadBalancers/kubernetes/", StringComparison.OrdinalIgnoreCase))
                    return (400, Err("PublicIPPrefixInUse", $"Public IP prefix {id} is referenced by resource {fe}, so it cannot be used as an outbound IP prefix."));
            }
        }
        if (lbp["outboundIPs"] is JsonObject oi)
        {
            var ips = oi["publicIPs"] as JsonArray;
            if (ips is null || ips.Count == 0)
                return (400, Err("InvalidLoadBalancerProfile", "Load balancer profile must specify one of ManagedOutboundIPs, OutboundIPPrefixes and OutboundIPs: outboundIPs.publicIPs is empty."));
            foreach (var ipRef in ips)
            {
                var id = JsonUtil.S(ipRef, "id") ?? "";
                var parsed = ArmIds.ParsePublicIpId(id);
                if (parsed is null)
                    return (400, Err("InvalidLoadBalancerProfileOutboundIPs", $"Outbound IP '{id}' is not a valid public IP address resource id."));
                var (psub, prg, pname) = parsed.Value;
                var pip = psub.Equals(Sub, StringComparison.OrdinalIgnoreCase) ? W.PublicIps.GetValueOrDefault(EmulatorWorld.RgKey(prg, pname)) : null;
                if (pip is null || pip.Address is null)
                    return (400, Err("PublicIPNotFound", $"Public IP '{id}' referenced in networkProfile.loadBalancerProfile.outboundIPs was not found. Make sure it exists and is in succeeded state."));
                if (!pip.SkuName.Equals("Standard", StringComparison.OrdinalIgnoreCase))
                    return (400, Err("InvalidLoadBalancerProfileOutboundIPs", $"Public IP '{id}' has SKU '{pip.SkuName}'; outbound IPs of a standard load balancer must use the Standard SKU."));
                if (!pip.AllocationMethod.Equals("Static", StringComparison.OrdinalIgnoreCase))
                    return (400, Err("InvalidLoadBalancerProfileOutboundIPs", $"Public IP '{id}' uses allocation method '{pip.AllocationMethod}'; outbound IPs must use Static allocation."));
                if (pip.ManagedByCluster is { } owner && !owner.Equals(c.Name, StringComparison.OrdinalIgnoreCase))
                    return (400, Err("InvalidLoadBalancerProfileOutboundIPs", $"Public IP '{id}' is managed by AKS cluster '{owner}' and cannot be used as an outbound IP of cluster '{c.Name}'."));
                var otherUser = W.Clusters.Values.FirstOrDefault(o => o != c && o.EffectiveOutboundIpIds().Any(e => e.Equals(id, StringComparison.OrdinalIgnoreCase)));
                if (otherUser is not null)
                    return (400, Err("InvalidLoadBalancerProfileOutboundIPs", $"Public IP '{id}' is already used as an outbound IP by cluster '{otherUser.Name}'."));
                if (pip.IpConfigurationId is { } cfg && !cfg.Contains($"/resourceGroups/{c.NodeResourceGroup}/providers/Microsoft.Network/loadBalancers/kubernetes/", StringComparison.OrdinalIgnoreCase))
                    return (400, Err("PublicIPAddressInUse", $"Resource {id} is referenced by resource {cfg}, so it cannot be used as an outbound IP."));
            }
        }
        return (0, null);
    }

    // ------------------------------------------------------------------ credentials
    private async Task Credentials(HttpContext ctx, string rg, string name, string action)
    {
        Cluster? c; bool rgOk;
        lock (W.Sync) { rgOk = W.ResourceGroups.ContainsKey(rg); c = W.Clusters.TryGetValue(name, out var x) && x.ResourceGroup.Equals(rg, StringComparison.OrdinalIgnoreCase) ? x : null; }
        if (!rgOk) { await RgNotFound(ctx, rg); return; }
        if (c is null) { await ResNotFound(ctx, "Microsoft.ContainerService/managedClusters", name, rg); return; }
        string yaml, credName;
        if (action.Equals("listClusterAdminCredential", StringComparison.OrdinalIgnoreCase))
        {
            if (c.DisableLocalAccounts)
            {
                await Write(ctx, 400, Err("BadRequest", "Getting static credential isn't allowed because this cluster is set to disable local accounts."), AksCt); return;
            }
            credName = "clusterAdmin";
            yaml = emu.BuildKubeconfig(c.Name, $"clusterAdmin_{c.ResourceGroup}_{c.Name}", $"{c.Name}-admin", emu.Tokens.AdminToken(c.Name), exec: false);
        }
        else
        {
            credName = action.Contains("Monitoring", StringComparison.OrdinalIgnoreCase) ? "clusterMonitoringUser" : "clusterUser";
            yaml = c.Aad
                ? emu.BuildKubeconfig(c.Name, $"clusterUser_{c.ResourceGroup}_{c.Name}", c.Name, null, exec: true)
                : emu.BuildKubeconfig(c.Name, $"clusterUser_{c.ResourceGroup}_{c.Name}", c.Name, emu.Tokens.UserToken(c.Name), exec: false);
        }
        await Write(ctx, 200, new JsonObject { ["kubeconfigs"] = new JsonArray(new JsonObject { ["name"] = credName, ["value"] = Convert.ToBase64String(Encoding.UTF8.GetBytes(yaml)) }) }, AksCt);
    }
}
