namespace AksEgress.Emulator;

/// <summary>
/// NAT gateway writes. A cluster PUT's natGatewayProfile (managedNATGateway: managedOutboundIPProfile.count 1-16,
/// idleTimeoutInMinutes 4-120) is checked here; PUT natGateways/{name} (Network 2025-07-01, LRO final-state-via
/// azure-async-operation, If-Match on the etag) replaces a user-assigned NAT gateway's publicIpAddresses / publicIpPrefixes.
/// Codes: InvalidResourceReference, PreconditionFailed, RetryableErrorDueToAnotherOperation and the Basic-SKU refusal are Network
/// RP codes; the 16-address limit, zone, region and IPv6 refusals are Azure's documented rules with codes assumed here (not found
/// in a public source, see docs/emulator.md).
/// </summary>
internal sealed partial class ArmApi
{
    /// <summary>Azure: at most 16 addresses on a Standard NAT gateway, public IPs and every address of its prefixes together.</summary>
    internal const int NatGatewayMaxAddresses = 16;

    /// <summary>The natGatewayProfile of a cluster PUT: only a managedNATGateway cluster may change it. Caller holds Sync.</summary>
    private static JsonObject? ValidateNatGatewayProfile(Cluster c, JsonObject np, string newType)
    {
        if (np["natGatewayProfile"] is not JsonObject ngp) return null;
        if (newType != "managedNATGateway")
        {
            static string Plain(JsonNode? n) { var o = n is JsonObject j ? JsonUtil.Clone(j) : new JsonObject(); o.Remove("effectiveOutboundIPs"); return JsonUtil.Str(o); }
            return Plain(ngp) == Plain(JsonUtil.Get(c.NetworkProfile, "natGatewayProfile")) ? null
                : Err("InvalidNatGatewayProfile", $"NAT gateway profile can only be specified when outboundType is 'managedNATGateway'; the cluster's outboundType is '{newType}'.");
        }
        if (ngp["managedOutboundIPProfile"] is JsonObject mo && mo["count"] is { } countNode && JsonUtil.Int(countNode) is not (>= 1 and <= 16))
            return Err("InvalidParameter", $"The value of parameter networkProfile.natGatewayProfile.managedOutboundIPProfile.count is invalid: {JsonUtil.Str(countNode)}. It must be in the range of 1 to 16 inclusive.");
        if (ngp["idleTimeoutInMinutes"] is { } idle && JsonUtil.Int(idle) is not (>= 4 and <= 120))
            return Err("InvalidParameter", $"The value of parameter networkProfile.natGatewayProfile.idleTimeoutInMinutes is invalid: {JsonUtil.Str(idle)}. It must be in the range of 4 to 120 inclusive.");
        return null;
    }

    private async Task PutNatGateway(HttpContext ctx, string rg, string name, FaultRule? fault)
    {
        var api = ApiVersion(ctx, "2025-07-01");
        var req = await K8sApi.ReadBody(ctx);
        int status; JsonObject? resp; ArmOperation? op = null; bool gateway404 = false;
        lock (W.Sync)
        {
            var scope = NetIds.Rid(Sub, rg, "natGateways", name);
            var ng = W.NatGateways.GetValueOrDefault(EmulatorWorld.RgKey(rg, name));
            var props = req?["properties"] as JsonObject ?? new JsonObject();
            var ipIds = Refs(props["publicIpAddresses"]);
            var prefixIds = Refs(props["publicIpPrefixes"]);
            if (!W.ResourceGroups.ContainsKey(rg)) { status = 404; gateway404 = true; resp = RgNotFoundError(rg); }
            else if (ng is null)
            { status = 400; resp = Err("BadRequest", $"Creating NAT gateway '{name}' is not supported by the AksEgress emulator; only updates of existing NAT gateways are modelled.", true); }
            else if (LockedBy(rg) is { } locked) { status = 403; resp = DenyAssignment(locked, "Microsoft.Network/natGateways/write", scope); }
            else if (req is null) { status = 400; resp = InvalidRequestFormat(); }
            else if (IfMatchFails(ctx, ng.Etag) is { } sentEtag)
            { status = 412; resp = NetworkPreconditionFailed(sentEtag, scope); }
            else if (RunningOperation(ng.PendingOperationId) is { } pop)
            { status = 429; resp = AnotherOperationError("PutNatGatewayOperation", pop.Id, scope, retryAfterSeconds: 1); }
            else if (NatGatewayRefusal(ng, scope, req, ipIds, prefixIds) is { } refusal) { status = 400; resp = refusal; }
            else
            {
                ng.ProvisioningState = "Updating";
                ng.Etag = PublicIp.NewEtag();
                if (JsonUtil.Int(props["idleTimeoutInMinutes"]) is int idle) ng.IdleTimeoutInMinutes = idle;
                if (req["tags"] is JsonObject tags) { ng.Tags.Clear(); foreach (var (k, v) in tags) ng.Tags[k] = v?.ToString() ?? ""; }
                var body = ng.ToJson(Sub, W.Location);
                body["properties"]!["publicIpAddresses"] = NetIds.Refs(ipIds);
                if (prefixIds.Count > 0) body["properties"]!["publicIpPrefixes"] = NetIds.Refs(prefixIds); else (body["properties"] as JsonObject)!.Remove("publicIpPrefixes");
                var gateway = ng;
                op = StartOperation("Microsoft.Network", fault,
                    onSucceeded: () =>
                    {
                        gateway.PendingOperationId = null;
                        W.AttachToNatGateway(gateway, ipIds, prefixIds);
                        gateway.ProvisioningState = "Succeeded";
                        gateway.Etag = PublicIp.NewEtag();
                    },
                    onFailed: () => { gateway.ProvisioningState = "Failed"; gateway.PendingOperationId = null; },
                    resourceId: scope);
                ng.PendingOperationId = op.Id;
                status = 200;
                resp = body;
            }
        }
        if (gateway404) ctx.Response.Headers["x-ms-failure-cause"] = "gateway";
        if (op is not null) SetLroHeaders(ctx, op, api, false);
        await Write(ctx, status, resp);
    }

    private static List<string> Refs(JsonNode? array) =>
        (array as JsonArray ?? new JsonArray()).Select(r => JsonUtil.S(r, "id")).Where(id => !string.IsNullOrEmpty(id)).Select(id => id!).Distinct(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>What the Network RP refuses in a NAT gateway PUT: unknown references, Basic or IPv6 IPs on a Standard NAT gateway,
    /// another region, a zone the NAT gateway is not in, an IP or prefix another resource uses, more than 16 addresses. Caller holds Sync.</summary>
    private JsonObject? NatGatewayRefusal(NatGateway ng, string scope, JsonObject req, List<string> ipIds, List<string> prefixIds)
    {
        var sku = JsonUtil.S(req, "sku", "name") ?? "Standard";
        if (!sku.Equals("Standard", StringComparison.OrdinalIgnoreCase))
            return Err("NatGatewaySkuChangeNotAllowed", $"Changing the SKU of NAT gateway {scope} from Standard to {sku} is not allowed.", true);
        var myId = ng.Id(Sub);
        var zones = ng.Zones;
        var addresses = 0;
        foreach (var id in ipIds)
        {
            var pip = W.FindPublicIpById(id);
            if (pip is null)
                return Err("InvalidResourceReference", $"Resource {id} referenced by resource {scope} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.", true);
            if (!pip.SkuName.Equals("Standard", StringComparison.OrdinalIgnoreCase))
                return Err("PublicIpWithBasicSkuNotAllowedOnNatGateways", $"NAT gateway {scope} cannot use public IP {id}: its SKU is {pip.SkuName}; a Standard NAT gateway needs Standard public IPs.", true);
            if (!pip.Version.Equals("IPv4", StringComparison.OrdinalIgnoreCase))
                return Err("NatGatewayIpv6NotSupportedOnStandardSku", $"NAT gateway {scope} (Standard SKU) cannot use the IPv6 public IP {id}: IPv6 needs a StandardV2 NAT gateway.", true);
            if (!pip.Location.Equals(W.Location, StringComparison.OrdinalIgnoreCase))
                return Err("InvalidResourceReference", $"Resource {id} referenced by resource {scope} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.", true);
            if (zones.Count > 0 && pip.Zones.Count > 0 && !zones.All(pip.Zones.Contains))
                return Err("NatGatewayAndPublicIpZoneMismatch", $"Public IP {id} (zones {string.Join(",", pip.Zones)}) cannot be attached to NAT gateway {scope} in zone {string.Join(",", zones)}: a zonal NAT gateway takes zone-redundant IPs or IPs of its own zone.", true);
            var other = pip.IpConfigurationId ?? W.NatGateways.Values.Where(n => n != ng && n.PublicIpIds.Contains(id, StringComparer.OrdinalIgnoreCase)).Select(n => n.Id(Sub)).FirstOrDefault();
            if (other is not null)
                return Err("PublicIpAddressInUse", $"Public IP address {id} cannot be attached to {scope}: it is already used by {other}.", true);
            addresses++;
        }
        foreach (var id in prefixIds)
        {
            var prefix = EmulatorWorld.FindById(W.PublicIpPrefixes, id, "publicIPPrefixes");
            if (prefix?.IpPrefix is null)
                return Err("InvalidResourceReference", $"Resource {id} referenced by resource {scope} was not found. Please make sure that the referenced resource exists, and that both resources are in the same region.", true);
            if (prefix.NatGatewayId is { } nat && !nat.Equals(myId, StringComparison.OrdinalIgnoreCase) || prefix.LoadBalancerFrontendId is not null)
                return Err("PublicIpPrefixInUse", $"Public IP prefix {id} cannot be attached to {scope}: it is already used by {prefix.NatGatewayId ?? prefix.LoadBalancerFrontendId}.", true);
            if (zones.Count > 0 && prefix.Zones.Count > 0 && !zones.All(prefix.Zones.Contains))
                return Err("NatGatewayAndPublicIpZoneMismatch", $"Public IP prefix {id} (zones {string.Join(",", prefix.Zones)}) cannot be attached to NAT gateway {scope} in zone {string.Join(",", zones)}.", true);
            addresses += prefix.Addresses().Count;
        }
        return addresses > NatGatewayMaxAddresses
            ? Err("NatGatewayCannotHaveMoreThan16PublicIpAddresses", $"NAT gateway {scope} would have {addresses} public IP addresses (IPs plus every address of its prefixes); at most {NatGatewayMaxAddresses} are allowed.", true)
            : null;
    }
}
