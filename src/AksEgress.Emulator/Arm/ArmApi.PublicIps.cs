using System.Text.RegularExpressions;

namespace AksEgress.Emulator;

internal sealed partial class ArmApi
{
    private static readonly Regex PipName = new(@"^[A-Za-z0-9]([A-Za-z0-9_.\-]{0,78}[A-Za-z0-9_])?$");

    /// <summary>The in-progress operation on this public IP, if any. Caller holds Sync.</summary>
    private ArmOperation? Busy(string key) =>
        RunningOperation(W.PublicIps.GetValueOrDefault(key)?.PendingOperationId);

    private JsonObject BusyError(ArmOperation op, string scope) =>
        AnotherOperationError("PutPublicIpAddressOperation", op.Id, scope, Math.Max(1, W.Options.LroRetryAfterSeconds));

    private async Task ListPips(HttpContext ctx, string? rg)
    {
        JsonArray arr;
        lock (W.Sync) arr = new JsonArray(W.PublicIps.Values.Where(p => rg is null || p.ResourceGroup.Equals(rg, StringComparison.OrdinalIgnoreCase))
            .OrderBy(p => p.ResourceGroup, StringComparer.OrdinalIgnoreCase).ThenBy(p => p.Name, StringComparer.OrdinalIgnoreCase)
            .Select(p => (JsonNode)p.ToJson(Sub)).ToArray());
        await Write(ctx, 200, new JsonObject { ["value"] = arr });
    }

    private async Task GetPip(HttpContext ctx, string rg, string name)
    {
        JsonObject? body; bool rgOk; string? etag = null;
        lock (W.Sync)
        {
            rgOk = W.ResourceGroups.ContainsKey(rg);
            var p = W.PublicIps.GetValueOrDefault(EmulatorWorld.RgKey(rg, name));
            body = p?.ToJson(Sub); etag = p?.Etag;
            // properties.natGateway: the NAT gateway that uses the IP (set by a NAT gateway PUT, as in Azure).
            if (body?["properties"] is JsonObject props && p is not null
                && W.NatGateways.Values.FirstOrDefault(n => n.PublicIpIds.Contains(p.Id(Sub), StringComparer.OrdinalIgnoreCase)) is { } nat)
                props["natGateway"] = new JsonObject { ["id"] = nat.Id(Sub) };
        }
        if (!rgOk) { await RgNotFound(ctx, rg); return; }
        if (body is null) { await ResNotFound(ctx, "Microsoft.Network/publicIPAddresses", name, rg); return; }
        ctx.Response.Headers.ETag = etag;
        await Write(ctx, 200, body);
    }

    /// <summary>The cluster whose locked (ReadOnly) node resource group this is, if any. Caller holds Sync.</summary>
    private Cluster? LockedBy(string rg) =>
        W.Clusters.Values.FirstOrDefault(c => c.NodeResourceGroup.Equals(rg, StringComparison.OrdinalIgnoreCase) && c.RestrictionLevel == "ReadOnly");

    private JsonObject DenyAssignment(Cluster c, string action, string scope)
    {
        var daId = Det.Hex("deny/" + c.Name, 32);
        var msg = $"The client '{W.CallerObjectId}' with object id '{W.CallerObjectId}' has permission to perform action '{action}' on scope '{scope}'; however, the access is denied because of the deny assignment with name 'kubernetes.azure.com/{Det.Guid("da1/" + c.Name)}/{Det.Guid("da2/" + c.Name)}: node resource group deny assignment created by Azure Kubernetes Services for nrg-lockdown, see: https://aka.ms/aks/nrg_lockdown' and Id '{daId}' at scope '/subscriptions/{Sub}/resourcegroups/{c.NodeResourceGroup}'.";
        return Err("DenyAssignmentAuthorizationFailed", msg);
    }

    private async Task PutPip(HttpContext ctx, string rg, string name, FaultRule? fault)
    {
        var api = ApiVersion(ctx, "2025-07-01");
        var req = await K8sApi.ReadBody(ctx);
        int status; JsonObject? resp; ArmOperation? op = null; bool gateway404 = false, retryAfter = false;
        lock (W.Sync)
        {
            var scope = NetIds.Rid(Sub, rg, "publicIPAddresses", name);
            if (NetworkPutRefused(rg, name, "publicIPAddresses", scope, req, out var refusal)) (status, resp, gateway404) = refusal;
            else if (Busy(EmulatorWorld.RgKey(rg, name)) is { } busyOp) { status = 429; resp = BusyError(busyOp, scope); retryAfter = true; }
            else if (IfMatchFails(ctx, W.PublicIps.GetValueOrDefault(EmulatorWorld.RgKey(rg, name))?.Etag) is { } sentEtag)
            { status = 412; resp = NetworkPreconditionFailed(sentEtag, scope); }
            else
            {
                var key = EmulatorWorld.RgKey(rg, name);
                var existing = W.PublicIps.GetValueOrDefault(key);
                var skuName = JsonUtil.S(req, "sku", "name") ?? existing?.SkuName ?? "Standard";
                var props = req["properties"] as JsonObject ?? new JsonObject();
                var alloc = JsonUtil.S(props, "publicIPAllocationMethod") ?? existing?.AllocationMethod ?? (skuName.Equals("Basic", StringComparison.OrdinalIgnoreCase) ? "Dynamic" : "Static");
                var idle = JsonUtil.Int(props["idleTimeoutInMinutes"]) ?? existing?.IdleTimeoutInMinutes ?? 4;
                var version = JsonUtil.S(props, "publicIPAddressVersion") ?? existing?.Version ?? "IPv4";
                if (existing is null && skuName.Equals("Basic", StringComparison.OrdinalIgnoreCase))
                { status = 400; resp = Err("IPv4BasicSkuPublicIpCountLimitReached", "Cannot create more than 0 IPv4 Basic SKU public IP addresses for this subscription in this region. Basic SKU public IP addresses were retired on 30 September 2025; use the Standard SKU.", true); }
                else if (existing is not null && !existing.SkuName.Equals(skuName, StringComparison.OrdinalIgnoreCase))
                { status = 400; resp = Err("PublicIPSkuCannotBeChanged", $"Cannot change the SKU of public IP address {scope} from {existing.SkuName} to {skuName}.", true); }
                else if (skuName.Equals("Standard", StringComparison.OrdinalIgnoreCase) && alloc.Equals("Dynamic", StringComparison.OrdinalIgnoreCase))
                { status = 400; resp = Err("StandardSkuPublicIPAddressesCannotUseDynamicAllocation", $"Standard sku publicIp {scope} must have AllocationMethod set to Static.", true); }
                else if (idle < 4 || idle > 30)
                { status = 400; resp = Err("PublicIPIdleTimeoutIsOutOfRange", $"IdleTimeoutInMinutes of public IP address {scope} is {idle}. It must be between 4 and 30 minutes.", true); }
                else if (existing is not null && req["zones"] is JsonArray newZones
                         && !newZones.Select(x => x?.ToString() ?? "").OrderBy(x => x, StringComparer.Ordinal).SequenceEqual(existing.Zones.OrderBy(x => x, StringComparer.Ordinal)))
                { status = 400; resp = Err("ResourceAvailabilityZonesCannotBeModified", $"Resource {scope} has an existing availability zone constraint {(existing.Zones.Count == 0 ? "NoZone" : string.Join(", ", existing.Zones))} and the request has availability zone constraint {(newZones.Count == 0 ? "NoZone" : string.Join(", ", newZones.Select(x => x?.ToString())))}, which do not match. Zones cannot be added/updated/removed once the resource is created. The resource cannot be updated from regional to zonal or vice-versa.", true); }
                else if (existing is null && W.PublicIps.Count >= W.PublicIpQuota)
                { status = 400; resp = Err("PublicIPCountLimitReached", $"Cannot create more than {W.PublicIpQuota} public IP addresses for this subscription in this region.", true); }
                else
                {
                    var pip = existing ?? new PublicIp { ResourceGroup = rg, Name = name };
                    pip.Location = (JsonUtil.S(req, "location") ?? pip.Location).Replace(" ", "").ToLowerInvariant();
                    pip.SkuName = skuName.Equals("standard", StringComparison.OrdinalIgnoreCase) ? "Standard" : skuName;
                    pip.SkuTier = JsonUtil.S(req, "sku", "tier") ?? "Regional";
                    pip.AllocationMethod = alloc; pip.IdleTimeoutInMinutes = idle; pip.Version = version;
                    if (req["zones"] is JsonArray z) pip.Zones = z.Select(x => x?.ToString() ?? "").ToList();
                    if (req["tags"] is JsonObject tags) { pip.Tags.Clear(); foreach (var (k, v) in tags) pip.Tags[k] = v?.ToString() ?? ""; }
                    if (props["dnsSettings"] is JsonObject dns && JsonUtil.S(dns, "domainNameLabel") is { } label)
                        pip.DnsSettings = new JsonObject { ["domainNameLabel"] = label, ["fqdn"] = $"{label}.{pip.Location}.cloudapp.azure.com" };
                    if (props["ipTags"] is JsonArray ipTags) pip.IpTags = (JsonArray)ipTags.DeepClone();
                    pip.ProvisioningState = "Updating";
                    pip.Etag = PublicIp.NewEtag();
                    W.PublicIps[key] = pip;
                    op = StartOperation("Microsoft.Network", fault,
                        onSucceeded: () =>
                        {
                            pip.PendingOperationId = null;
                            if (!W.PublicIps.TryGetValue(key, out var live) || !ReferenceEquals(live, pip)) return;
                            pip.Address ??= W.AllocateAddress();
                            pip.ProvisioningState = "Succeeded";
                            pip.Etag = PublicIp.NewEtag();
                        },
                        onFailed: () => { pip.ProvisioningState = "Failed"; pip.PendingOperationId = null; },
                        resourceId: scope);
                    pip.PendingOperationId = op.Id;
                    status = existing is null ? 201 : 200;
                    resp = pip.ToJson(Sub);
                }
            }
        }
        if (gateway404) ctx.Response.Headers["x-ms-failure-cause"] = "gateway";
        if (op is not null) SetLroHeaders(ctx, op, api, false);
        if (retryAfter) ctx.Response.Headers["Retry-After"] = Math.Max(1, W.Options.LroRetryAfterSeconds).ToString();
        await Write(ctx, status, resp);
    }

    /// <summary>PATCH (PublicIPAddresses_UpdateTags): replaces the tags, synchronously (200 with the IP).</summary>
    private async Task PatchPipTags(HttpContext ctx, string rg, string name)
    {
        var req = await K8sApi.ReadBody(ctx);
        int status; JsonObject? resp; bool gw = false;
        lock (W.Sync)
        {
            var key = EmulatorWorld.RgKey(rg, name);
            var scope = NetIds.Rid(Sub, rg, "publicIPAddresses", name);
            if (!W.ResourceGroups.ContainsKey(rg)) { status = 404; gw = true; resp = RgNotFoundError(rg); }
            else if (!W.PublicIps.TryGetValue(key, out var pip)) { status = 404; resp = Err("ResourceNotFound", $"The Resource 'Microsoft.Network/publicIPAddresses/{name}' under resource group '{rg}' was not found."); }
            else if (LockedBy(rg) is { } locked) { status = 403; resp = DenyAssignment(locked, "Microsoft.Network/publicIPAddresses/write", scope); }
            else if (req is null || (req["tags"] is not null && req["tags"] is not JsonObject)) { status = 400; resp = InvalidRequestFormat(); }
            else
            {
                pip.Tags.Clear();
                if (req["tags"] is JsonObject tags) foreach (var (k, v) in tags) pip.Tags[k] = v?.ToString() ?? "";
                pip.Etag = PublicIp.NewEtag();
                status = 200; resp = pip.ToJson(Sub);
            }
        }
        if (gw) ctx.Response.Headers["x-ms-failure-cause"] = "gateway";
        await Write(ctx, status, resp);
    }

    private async Task DeletePip(HttpContext ctx, string rg, string name, FaultRule? fault)
    {
        var api = ApiVersion(ctx, "2025-07-01");
        int status; JsonObject? resp = null; ArmOperation? op = null; bool gw = false, retryAfter = false;
        lock (W.Sync)
        {
            var key = EmulatorWorld.RgKey(rg, name);
            var scope = NetIds.Rid(Sub, rg, "publicIPAddresses", name);
            if (!W.ResourceGroups.ContainsKey(rg)) { status = 404; gw = true; resp = RgNotFoundError(rg); }
            else if (!W.PublicIps.TryGetValue(key, out var pip)) status = 204;
            else if (LockedBy(rg) is { } locked) { status = 403; resp = DenyAssignment(locked, "Microsoft.Network/publicIPAddresses/delete", scope); }
            else if (Busy(key) is { } busyOp) { status = 429; resp = BusyError(busyOp, scope); retryAfter = true; }
            else if (IfMatchFails(ctx, pip.Etag) is { } sentEtag)
            { status = 412; resp = NetworkPreconditionFailed(sentEtag, scope); }
            else
            {
                var id = pip.Id(Sub);
                string? user = pip.IpConfigurationId;
                user ??= W.Clusters.Values.Where(c => c.EffectiveOutboundIpIds().Any(e => e.Equals(id, StringComparison.OrdinalIgnoreCase)))
                    .Select(c => $"/subscriptions/{Sub}/resourceGroups/{c.NodeResourceGroup}/providers/Microsoft.Network/loadBalancers/kubernetes/frontendIPConfigurations/{Det.Guid("fe/" + pip.Name)}").FirstOrDefault();
                user ??= W.NatGateways.Values.Where(n => n.PublicIpIds.Contains(id, StringComparer.OrdinalIgnoreCase)).Select(n => n.Id(Sub)).FirstOrDefault();
                if (user is not null)
                {
                    status = 400;
                    resp = Err("PublicIPAddressCannotBeDeleted", $"Public IP address {id} can not be deleted since it is still allocated to resource {user}. In order to delete the public IP, disassociate/detach the Public IP address from the resource.  To learn how to do this, see aka.ms/deletepublicip.", true);
                }
                else
                {
                    pip.ProvisioningState = "Deleting";
                    op = StartOperation("Microsoft.Network", fault,
                        onSucceeded: () => { pip.PendingOperationId = null; if (W.PublicIps.TryGetValue(key, out var live) && ReferenceEquals(live, pip)) { W.PublicIps.Remove(key); if (pip.Address is not null) W.UsedAddresses.Remove(pip.Address); } },
                        onFailed: () => { pip.ProvisioningState = "Failed"; pip.PendingOperationId = null; }, resourceId: id);
                    pip.PendingOperationId = op.Id;
                    status = 202;
                }
            }
        }
        if (gw) ctx.Response.Headers["x-ms-failure-cause"] = "gateway";
        if (op is not null) SetLroHeaders(ctx, op, api, true);
        if (retryAfter) ctx.Response.Headers["Retry-After"] = Math.Max(1, W.Options.LroRetryAfterSeconds).ToString();
        if (status == 204) { ctx.Response.StatusCode = 204; return; }
        await Write(ctx, status, resp);
    }
}
