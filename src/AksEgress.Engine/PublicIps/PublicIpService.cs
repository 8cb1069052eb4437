using AksEgress.Engine.Clusters;
using AksEgress.Engine.Session;
using static AksEgress.Engine.Session.SessionService;

namespace AksEgress.Engine.PublicIps;

/// <summary>New-AksEgressIp and Remove-AksEgressIp: static Standard public IPs.</summary>
internal sealed class PublicIpService(SessionService sessions, ClusterService clusters)
{
    /// <summary>Creates (or returns the matching existing) static Standard public IP. Returns null when ShouldProcess declined (-WhatIf): the cmdlet writes nothing.</summary>
    public async Task<EgressIp?> NewAsync(NewEgressIpRequest request, IOperationContext context)
    {
        var s = await sessions.GetAsync(context).ConfigureAwait(false);
        var place = await ResourcePlacement.ResolveAsync(s, clusters,
            request, freshCluster: true, "publicIPAddresses", "public IP", "New-AksEgressIp", context).ConfigureAwait(false);
        var (sub, targetRg, info, target, id) = (place.SubscriptionId, place.ResourceGroupName, place.Cluster, place.Target, place.Id);
        var scope = place.Scope(ArmTargetKind.PublicIp);
        var knownLocation = NullIfEmpty(request.Location) ?? NullIfEmpty(info?.Location);

        var existing = await PublicIpReader.GetAsync(s, id, context, scope).ConfigureAwait(false);
        if (existing is not null)
        {
            var diffs = new List<string>();
            if (!existing.IsStandard) diffs.Add($"SKU is {existing.SkuName ?? "Basic"}, not Standard");
            if (!existing.IsStatic) diffs.Add($"allocation is {existing.AllocationMethod ?? "Dynamic"}, not Static");
            if (knownLocation is not null && PublicIpModel.NormaliseLocation(existing.Location) != PublicIpModel.NormaliseLocation(knownLocation))
                diffs.Add($"location is {existing.Location}, not {PublicIpModel.NormaliseLocation(knownLocation)}");
            if (!string.Equals(existing.IpVersion ?? "IPv4", "IPv4", StringComparison.OrdinalIgnoreCase)) diffs.Add($"IP version is {existing.IpVersion}, not IPv4");
            // Zones are fixed when an IP is created (ARM refuses the change: ResourceAvailabilityZonesCannotBeModified). Without
            // -Zone the caller asked for nothing about zones, like location without -Location and without a cluster.
            if (request.Zones.Length > 0 && !SameZones(existing.Zones, request.Zones))
                diffs.Add($"zones are {ZoneText(existing.Zones)}, not {ZoneText(request.Zones)} (the zones of a public IP cannot be changed)");
            if (diffs.Count > 0)
                throw new AksEgressException(ErrorIds.PublicIpConflict, EgressErrorCategory.ResourceExists,
                    $"A public IP named '{request.Name}' already exists in '{targetRg}' with other settings: {string.Join("; ", diffs)}.", target,
                    "Choose another -Name, or remove the existing IP first (Remove-AksEgressIp) if nothing uses it.");
            // A create that failed, timed out or was interrupted leaves the IP Failed/Updating without an address: sending the
            // same PUT again is how Azure repairs it; returning it "unchanged" would hand an unusable IP down the pipeline.
            if (existing.IpAddress is not null && (existing.ProvisioningState is null || existing.ProvisioningState.Equals("Succeeded", StringComparison.OrdinalIgnoreCase)))
            {
                var tagChanges = TagChanges(existing.Tags, request.Tags);
                if (tagChanges.Count == 0)
                {
                    context.WriteVerbose($"Public IP {target} already exists as a static Standard IP ({existing.IpAddress}): returning it unchanged");
                    return ToEgressIp(existing, created: false, sub, info, request);
                }
                return await UpdateTagsAsync(s, existing, id, target, tagChanges, sub, info, request, context, scope).ConfigureAwait(false);
            }
            context.WriteVerbose($"Public IP {target} exists but is {existing.ProvisioningState ?? "not provisioned"}{(existing.IpAddress is null ? " without an address" : "")}: sending the create again to finish it");
            knownLocation ??= NullIfEmpty(existing.Location);
        }

        var props = new JsonObject { ["publicIPAllocationMethod"] = "Static", ["publicIPAddressVersion"] = "IPv4" };
        if (request.IdleTimeoutInMinutes is int idle) props["idleTimeoutInMinutes"] = idle;
        var final = await place.CreateAsync(s, request, knownLocation, "static Standard public IP", "Static", props, scope, context).ConfigureAwait(false);
        if (final is null) return null;
        var created = PublicIpModel.Parse(final);
        context.WriteVerbose($"Public IP {target} is {created.IpAddress}");
        return ToEgressIp(created, created: true, sub, info, request);
    }

    private static bool SameZones(IEnumerable<string> a, IEnumerable<string> b) =>
        a.Select(z => z.Trim()).Distinct().OrderBy(z => z, StringComparer.Ordinal).SequenceEqual(b.Select(z => z.Trim()).Distinct().OrderBy(z => z, StringComparer.Ordinal));

    private static string ZoneText(string[] zones) => zones.Length == 0 ? "none (regional)" : string.Join(",", zones.Distinct());

    /// <summary>The -Tag entries the existing IP lacks or holds with another value ("name=new (was old)"). Tags it has beyond them are kept.</summary>
    private static List<(string Name, string Value, string? Was)> TagChanges(Dictionary<string, string> existing, IReadOnlyDictionary<string, string> wanted) =>
        wanted.Where(w => !existing.TryGetValue(w.Key, out var v) || !string.Equals(v, w.Value, StringComparison.Ordinal))
            .Select(w => (w.Key, w.Value, existing.TryGetValue(w.Key, out var v) ? v : null)).ToList();

    /// <summary>
    /// New-AksEgressIp on an existing IP whose tags differ from -Tag: sets the given tags (the IP's other tags stay), after
    /// ShouldProcess, with PATCH (UpdateTags: no change to the address or anything else). Declined (-WhatIf): null.
    /// </summary>
    private static async Task<EgressIp?> UpdateTagsAsync(ArmSession s, PublicIpModel existing, string id, string target,
        List<(string Name, string Value, string? Was)> changes, string sub, AksNodeResourceGroup? info, NewEgressIpRequest request, IOperationContext context, ErrorScope scope)
    {
        var text = string.Join(", ", changes.Select(c => c.Was is null ? $"{c.Name}={c.Value} (new)" : $"{c.Name}={c.Value} (was {c.Was})"));
        if (!context.ShouldProcess(target, $"Update the tags of existing public IP {existing.IpAddress}: {text}"))
            return null;
        var tags = new JsonObject();
        foreach (var (k, v) in existing.Tags) tags[k] = v;
        foreach (var c in changes)
        {
            // ARM tag names are case-insensitive: replace an entry spelled differently instead of adding a second one.
            var old = tags.Select(t => t.Key).FirstOrDefault(k => string.Equals(k, c.Name, StringComparison.OrdinalIgnoreCase));
            if (old is not null) tags.Remove(old);
            tags[c.Name] = c.Value;
        }
        context.WriteVerbose($"Public IP {target} already exists as a static Standard IP ({existing.IpAddress}); updating its tags: {text}");
        var r = await ArmRest.SendCheckedAsync(s, RequestMethod.Patch, ArmRest.Url(s, id, ApiVersions.Network), new JsonObject { ["tags"] = tags }, context, scope).ConfigureAwait(false);
        var updated = r?.Json is JsonObject j ? PublicIpModel.Parse(j) : existing;
        return ToEgressIp(updated, created: false, sub, info, request);
    }

    private static EgressIp ToEgressIp(PublicIpModel ip, bool created, string sub, AksNodeResourceGroup? info, NewEgressIpRequest request)
    {
        var c = ResourcePlacement.ContextOf(sub, info, request);
        return new()
        {
            Name = ip.Name,
            ResourceGroupName = ip.ResourceGroupName,
            Id = ip.Id,
            IpAddress = ip.IpAddress,
            Location = ip.Location,
            Sku = ip.SkuName ?? "Standard",
            AllocationMethod = ip.AllocationMethod ?? "Static",
            IpVersion = ip.IpVersion ?? "IPv4",
            Zones = ip.Zones,
            Tags = ip.Tags,
            ProvisioningState = ip.ProvisioningState,
            AttachedTo = ip.AttachedTo,
            Created = created,
            SubscriptionId = ip.SubscriptionId.Length > 0 ? ip.SubscriptionId : sub,
            ClusterName = c.ClusterName,
            ClusterResourceGroupName = c.ClusterResourceGroupName,
            ClusterId = c.ClusterId,
            NodeResourceGroup = c.NodeResourceGroup,
            LoadBalancerSku = c.LoadBalancerSku,
            OutboundType = c.OutboundType,
        };
    }

    public async Task<bool> RemoveAsync(RemoveEgressIpRequest request, IOperationContext context)
    {
        var p = ResourceIdParser.ParsePublicIpId(request.PublicIpId);
        var s = await sessions.GetAsync(context).ConfigureAwait(false);
        var scope = new ErrorScope(ArmTargetKind.PublicIp, p.Canonical) { ResourceGroupName = p.ResourceGroupName };
        var ip = await PublicIpReader.GetAsync(s, p.Canonical, context, scope).ConfigureAwait(false);
        if (ip is null)
        {
            context.WriteVerbose($"Public IP {p.ResourceGroupName}/{p.Name} does not exist: nothing to remove");
            return false;
        }
        if (!request.Force && ip.AttachedTo is null && !ip.AksManaged)
        {
            // Not attached to a load balancer yet is not "unused": a cluster may name it in outboundIPs, and an update that is
            // still running attaches it later (deleting it now breaks that cluster's egress).
            var users = await clusters.ClustersUsingOutboundIpAsync(ip.Id, context).ConfigureAwait(false);
            if (users is { Count: > 0 })
            {
                var names = string.Join(", ", users.Select(u => $"'{u.Info.ResourceGroupName}/{u.Info.ClusterName}'" +
                    (u.Info.ProvisioningState is { } ps && !ps.Equals("Succeeded", StringComparison.OrdinalIgnoreCase) ? $" (update in progress: provisioningState {ps})" : "")));
                throw new AksEgressException(ErrorIds.PublicIpInUse, EgressErrorCategory.InvalidOperation,
                    $"Public IP '{ip.ResourceGroupName}/{ip.Name}' ({ip.IpAddress}) is still in use: it is an outbound IP of cluster {names} (loadBalancerProfile.outboundIPs). Deleting it would break that cluster's egress.", ip.Id,
                    "Give the cluster other outbound IPs first (Set-AksOutboundIp), wait for its update to finish, then remove the IP; -Force skips this check.");
            }
        }
        if (!request.Force && !ip.AksManaged && ip.IpConfigurationId?.Contains("/loadBalancers/", StringComparison.OrdinalIgnoreCase) == true)
            ip = await RefuseOrAwaitLoadBalancerReleaseAsync(s, ip, request, context, scope).ConfigureAwait(false);
        if (!request.Force && (ip.AttachedTo is not null || ip.AksManaged))
        {
            var what = ip.AksManaged ? "it is an AKS-managed outbound IP of a cluster"
                : ip.NatGatewayId is not null ? $"it is attached to NAT gateway '{ip.NatGatewayId.Split('/').Last()}'"
                : $"it is attached to '{ip.AttachedTo}'";
            throw new AksEgressException(ErrorIds.PublicIpInUse, EgressErrorCategory.InvalidOperation,
                $"Public IP '{ip.ResourceGroupName}/{ip.Name}' ({ip.IpAddress}) is still in use: {what}. Deleting it would break egress or the Service using it.", ip.Id,
                "Detach it first (Set-AksOutboundIp with other IPs, or Remove-AksEgressService), then remove it; -Force skips this check (Azure still refuses to delete an attached IP).");
        }
        if (!context.ShouldProcess(ip.Id, $"Delete public IP {ip.Name} ({ip.IpAddress})")) return false;
        context.WriteVerbose($"Deleting public IP {ip.ResourceGroupName}/{ip.Name}");
        var uri = ArmRest.Url(s, ip.Id, ApiVersions.Network);
        var initial = await ArmRest.SendCheckedAsync(s, RequestMethod.Delete, uri, null, context, scope, allow404: true).ConfigureAwait(false);
        if (initial is null || initial.Status == 204) return initial is not null;
        await ArmRest.WaitAsync(s, initial, null, $"deletion of public IP {ip.ResourceGroupName}/{ip.Name}", request.TimeoutSeconds, context, scope).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// The IP is a load balancer frontend: names its users (clusters whose outboundIPs name it, from ARM; the LoadBalancer
    /// Services of the cluster owning the load balancer, from its Kubernetes API) and refuses with PublicIpInUse. When the only
    /// users are Services already being deleted (the clean-up pipeline: Remove-AksEgressService | Remove-AksEgressIp), waits
    /// for the cloud provider to release the frontend and returns the released IP. Best effort: a part that cannot be read is
    /// named as unknown, with the reason.
    /// </summary>
    private async Task<PublicIpModel> RefuseOrAwaitLoadBalancerReleaseAsync(ArmSession s, PublicIpModel ip, RemoveEgressIpRequest request, IOperationContext context, ErrorScope scope)
    {
        var ct = context.CancellationToken;
        var h = await new LoadBalancerIpUsageReader(sessions, clusters).ReadAsync(ip, context).ConfigureAwait(false);
        var (frontend, lbName, outbound, owner, services) = (h.Frontend, h.LoadBalancer, h.OutboundOf, h.Owner, h.Services);
        if (outbound.Count == 0 && services is { Count: > 0 } && services.All(u => u.Deleting))
        {
            // Only Services that are being deleted: the cloud provider is releasing the frontend (then drops its finalizer). Wait for it.
            var deadline = DateTime.UtcNow.AddSeconds(Math.Min(request.TimeoutSeconds, 120));
            context.WriteVerbose($"Public IP {ip.Name} is still frontend '{frontend}' of load balancer '{lbName}', but no live Service uses it: waiting for the cloud provider to release it.");
            while (DateTime.UtcNow < deadline)
            {
                await Task.Delay(500, ct).ConfigureAwait(false);
                var again = await PublicIpReader.GetAsync(s, ip.Id, context, scope).ConfigureAwait(false);
                if (again is null) return new PublicIpModel { Id = ip.Id, Name = ip.Name, SubscriptionId = ip.SubscriptionId, ResourceGroupName = ip.ResourceGroupName, IpAddress = ip.IpAddress };
                if (again.IpConfigurationId is null) return again;
                ip = again;
            }
        }

        var where = h.Where;
        string what, advice;
        if (outbound.Count > 0)
        {
            what = $"it is an outbound IP of cluster {string.Join(", ", outbound.Select(m => $"'{m.Info.ResourceGroupName}/{m.Info.ClusterName}'"))} (loadBalancerProfile.outboundIPs; {where})";
            advice = "Give the cluster other outbound IPs first: " + string.Join("; ", outbound.Select(m => $"Set-AksOutboundIp -ClusterId {m.Info.ClusterId} -PublicIpId <other IP id> -Confirm:$false")) + "; then run Remove-AksEgressIp again.";
        }
        else if (services is { Count: > 0 })
        {
            var live = services.Where(u => !u.Deleting).ToList();
            var shown = live.Count > 0 ? live : services.ToList();
            what = $"it is {where}, used by LoadBalancer Service {LoadBalancerIpUsers.Describe(shown)}";
            advice = live.Count > 0
                ? $"Remove the Service(s) that use it first: {LoadBalancerIpUsers.ReleaseCommands(live, owner!.Info.ClusterId)}; then run Remove-AksEgressIp again."
                : "The Service is being deleted; wait until the cloud provider releases the frontend, then run Remove-AksEgressIp again.";
        }
        else
        {
            what = $"it is {where}" + (services is not null ? ", but no LoadBalancer Service of that cluster names it (a cluster outbound frontend, or a Service of another cluster)" : "");
            advice = "Detach it first (Set-AksOutboundIp with other IPs, or Remove-AksEgressService on the Service that uses it), then remove it.";
        }
        what += h.UnknownText;
        throw new AksEgressException(ErrorIds.PublicIpInUse, EgressErrorCategory.InvalidOperation,
            $"Public IP '{ip.ResourceGroupName}/{ip.Name}' ({ip.IpAddress}) is still in use: {what}. Deleting it would break egress or the Service using it.", ip.Id,
            advice + " -Force skips this check (Azure still refuses to delete an attached IP).");
    }
}
