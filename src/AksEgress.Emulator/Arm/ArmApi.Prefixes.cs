namespace AksEgress.Emulator;

/// <summary>Public IP prefix writes (New-AksEgressIpPrefix): PUT allocates an aligned range when the operation completes, DELETE
/// refuses a prefix that a NAT gateway or a load balancer still uses. Reads are in ArmApi.Network.cs.</summary>
internal sealed partial class ArmApi
{
    private async Task PutPrefix(HttpContext ctx, string rg, string name, FaultRule? fault)
    {
        var api = ApiVersion(ctx, "2025-07-01");
        var req = await K8sApi.ReadBody(ctx);
        int status; JsonObject? resp; ArmOperation? op = null; bool gateway404 = false;
        lock (W.Sync)
        {
            var scope = NetIds.Rid(Sub, rg, "publicIPPrefixes", name);
            var key = EmulatorWorld.RgKey(rg, name);
            var existing = W.PublicIpPrefixes.GetValueOrDefault(key);
            var props = req?["properties"] as JsonObject ?? new JsonObject();
            var sku = JsonUtil.S(req, "sku", "name") ?? "Standard";
            var version = JsonUtil.S(props, "publicIPAddressVersion") ?? "IPv4";
            var length = JsonUtil.Int(props["prefixLength"]);
            var zones = (req?["zones"] as JsonArray)?.Select(z => z?.ToString() ?? "").OrderBy(z => z, StringComparer.Ordinal).ToList() ?? new List<string>();
            if (NetworkPutRefused(rg, name, "publicIPPrefixes", scope, req, out var refusal)) (status, resp, gateway404) = refusal;
            else if (IfMatchFails(ctx, existing?.Etag) is { } sentEtag)
            { status = 412; resp = NetworkPreconditionFailed(sentEtag, scope); }
            else if (RunningOperation(existing?.PendingOperationId) is { } pop)
            { status = 429; resp = AnotherOperationError("PutPublicIpPrefixOperation", pop.Id, scope, retryAfterSeconds: 1); }
            else if (!sku.Equals("Standard", StringComparison.OrdinalIgnoreCase) && !sku.Equals("StandardV2", StringComparison.OrdinalIgnoreCase))
            { status = 400; resp = Err("InvalidPublicIpPrefixSku", $"Public IP prefix {scope} must use the Standard SKU; '{sku}' is not supported.", true); }
            else if (length is null)
            { status = 400; resp = Err("PublicIpPrefixLengthMissing", $"Public IP prefix {scope} must specify prefixLength.", true); }
            else if (version.Equals("IPv4", StringComparison.OrdinalIgnoreCase) ? length is < 21 or > 31 : length is < 124 or > 127)
            { status = 400; resp = Err("InvalidPublicIpPrefixLength", $"Prefix length {length} of public IP prefix {scope} is not supported for {version}: use /21-/31 for IPv4, /124-/127 for IPv6.", true); }
            else if (existing is not null && (existing.PrefixLength != length || !existing.Version.Equals(version, StringComparison.OrdinalIgnoreCase)
                     || !string.Join(",", existing.Zones.OrderBy(z => z, StringComparer.Ordinal)).Equals(string.Join(",", zones), StringComparison.Ordinal)))
            { status = 400; resp = Err("PublicIpPrefixPropertyChangeNotAllowed", $"Changing prefixLength, publicIPAddressVersion or zones of existing public IP prefix {scope} is not allowed.", true); }
            else if (existing is null && !version.Equals("IPv4", StringComparison.OrdinalIgnoreCase))
            { status = 400; resp = Err("InvalidPublicIpPrefixLength", "IPv6 public IP prefixes are not modelled by the AksEgress emulator.", true); }
            else
            {
                var prefix = existing ?? new PublicIpPrefix { ResourceGroup = rg, Name = name, PrefixLength = length.Value, Version = version };
                prefix.Location = (JsonUtil.S(req, "location") ?? prefix.Location ?? W.Location).Replace(" ", "", StringComparison.Ordinal).ToLowerInvariant();
                prefix.SkuName = sku.Equals("standard", StringComparison.OrdinalIgnoreCase) ? "Standard" : sku;
                prefix.Zones = zones;
                if (req["tags"] is JsonObject tags) { prefix.Tags.Clear(); foreach (var (k, v) in tags) prefix.Tags[k] = v?.ToString() ?? ""; }
                prefix.ProvisioningState = "Updating";
                prefix.Etag = $"W/\"{Guid.NewGuid()}\"";
                W.PublicIpPrefixes[key] = prefix;
                op = StartOperation("Microsoft.Network", fault,
                    onSucceeded: () =>
                    {
                        prefix.PendingOperationId = null;
                        if (!W.PublicIpPrefixes.TryGetValue(key, out var live) || !ReferenceEquals(live, prefix)) return;
                        prefix.IpPrefix ??= W.AllocatePrefix(prefix.PrefixLength);
                        prefix.ProvisioningState = prefix.IpPrefix is null ? "Failed" : "Succeeded";
                        prefix.Etag = $"W/\"{Guid.NewGuid()}\"";
                    },
                    onFailed: () => { prefix.ProvisioningState = "Failed"; prefix.PendingOperationId = null; },
                    resourceId: scope);
                // No free aligned range left: the create fails like a regional capacity shortage.
                op.FailIf = () => prefix.IpPrefix is null && !W.CanAllocatePrefix(prefix.PrefixLength)
                    ? ("PublicIpPrefixOutOfIpAddressesForSku", $"Cannot allocate a /{prefix.PrefixLength} public IP prefix in {prefix.Location}: no contiguous range of that size is free.")
                    : null;
                prefix.PendingOperationId = op.Id;
                status = existing is null ? 201 : 200;
                resp = prefix.ToJson(Sub, W.Location);
            }
        }
        if (gateway404) ctx.Response.Headers["x-ms-failure-cause"] = "gateway";
        if (op is not null) SetLroHeaders(ctx, op, api, false);
        await Write(ctx, status, resp);
    }

    private async Task DeletePrefix(HttpContext ctx, string rg, string name, FaultRule? fault)
    {
        var api = ApiVersion(ctx, "2025-07-01");
        int status; JsonObject? resp = null; ArmOperation? op = null; bool gw = false;
        lock (W.Sync)
        {
            var key = EmulatorWorld.RgKey(rg, name);
            var scope = NetIds.Rid(Sub, rg, "publicIPPrefixes", name);
            if (!W.ResourceGroups.ContainsKey(rg)) { status = 404; gw = true; resp = RgNotFoundError(rg); }
            else if (!W.PublicIpPrefixes.TryGetValue(key, out var prefix)) status = 204;
            else if (LockedBy(rg) is { } locked) { status = 403; resp = DenyAssignment(locked, "Microsoft.Network/publicIPPrefixes/delete", scope); }
            else if (IfMatchFails(ctx, prefix.Etag) is { } sentEtag)
            { status = 412; resp = NetworkPreconditionFailed(sentEtag, scope); }
            else if ((prefix.LoadBalancerFrontendId ?? prefix.NatGatewayId) is { } user)
            { status = 400; resp = Err("PublicIpPrefixInUse", $"Public IP prefix {scope} cannot be deleted since it is in use by {user}. Detach it first.", true); }
            else
            {
                prefix.ProvisioningState = "Deleting";
                op = StartOperation("Microsoft.Network", fault,
                    onSucceeded: () => { prefix.PendingOperationId = null; if (W.PublicIpPrefixes.TryGetValue(key, out var live) && ReferenceEquals(live, prefix)) W.PublicIpPrefixes.Remove(key); },
                    onFailed: () => { prefix.ProvisioningState = "Failed"; prefix.PendingOperationId = null; }, resourceId: scope);
                prefix.PendingOperationId = op.Id;
                status = 202;
            }
        }
        if (gw) ctx.Response.Headers["x-ms-failure-cause"] = "gateway";
        if (op is not null) SetLroHeaders(ctx, op, api, true);
        if (status == 204) { ctx.Response.StatusCode = 204; return; }
        await Write(ctx, status, resp);
    }
}
