using AksEgress.Engine.Clusters;
using AksEgress.Engine.PublicIps;

namespace AksEgress.Engine.NatGateways;

/// <summary>
/// Set-AksNatGatewayIp: attaches public IPs / prefixes to the user-assigned NAT gateway of the cluster's subnets
/// (cluster → each pool's vnetSubnetID / podSubnetID → subnet.natGateway), PUT of the NAT gateway with If-Match.
/// </summary>
internal sealed class NatGatewayService(ClusterService clusters)
{
    /// <summary>Attempts of the read-modify-write when the NAT gateway keeps changing underneath (412 PreconditionFailed).</summary>
    internal const int MaxAttempts = 3;

    /// <summary>Returns null when ShouldProcess declined (-WhatIf): the cmdlet writes nothing.</summary>
    public async Task<NatGatewayIpAssignment?> SetAsync(SetNatGatewayIpRequest request, IOperationContext context)
    {
        var (model, _, s) = await clusters.GetModelAsync(request.Cluster, context, fresh: true).ConfigureAwait(false);
        var info = model.Info;
        var sub = info.SubscriptionId.Length > 0 ? info.SubscriptionId : request.Cluster.SubscriptionId ?? s.SubscriptionId;
        var (natId, pools) = await FindNatGatewayAsync(s, model, context).ConfigureAwait(false);

        var nat = await ReadAsync(s, natId, context).ConfigureAwait(false);
        var ips = new List<PublicIpModel>();
        foreach (var id in request.PublicIpIds.Select(i => ResourceIdParser.ParsePublicIpId(i).Canonical).Distinct(StringComparer.OrdinalIgnoreCase))
            ips.Add(await ReadIpAsync(s, nat, id, context).ConfigureAwait(false));
        var prefixes = new List<PublicIpPrefixModel>();
        foreach (var id in request.PublicIpPrefixIds.Select(i => ResourceIdParser.ParsePublicIpPrefixId(i).Canonical).Distinct(StringComparer.OrdinalIgnoreCase))
            prefixes.Add(await ReadPrefixAsync(s, nat, id, context).ConfigureAwait(false));

        var uri = ArmRest.Url(s, natId, ApiVersions.Network);
        var scope = new ErrorScope(ArmTargetKind.Other, natId) { ClusterName = info.ClusterName };
        IReadOnlyList<string> previous = await AllowListAsync(s, nat.PublicIpIds, nat.PublicIpPrefixIds, ips, prefixes, context).ConfigureAwait(false);
        var confirmed = false;
        for (var attempt = 1; ; attempt++)
        {
            var wantIps = Target(nat.PublicIpIds, ips.Select(i => i.Id), request.Replace);
            var wantPrefixes = Target(nat.PublicIpPrefixIds, prefixes.Select(p => p.Id), request.Replace);
            var added = wantIps.Concat(wantPrefixes).Where(id => !nat.PublicIpIds.Concat(nat.PublicIpPrefixIds).Any(o => ResourceIdParser.SameId(o, id))).ToList();
            var removed = nat.PublicIpIds.Concat(nat.PublicIpPrefixIds).Where(id => !wantIps.Concat(wantPrefixes).Any(w => ResourceIdParser.SameId(w, id))).ToList();
            if (added.Count == 0 && removed.Count == 0)
            {
                context.WriteVerbose($"NAT gateway {nat.Name} already has exactly these public IPs and prefixes: nothing to change");
                return Result("Unchanged", nat, previous, previous, added, removed);
            }
            await CheckAddressLimitAsync(s, nat, wantIps, wantPrefixes, prefixes, context).ConfigureAwait(false);
            if (!confirmed && !context.ShouldProcess(natId, Describe(nat, info.ClusterName, pools, added, removed, previous)))
                return null;
            confirmed = true;

            var body = nat.PutBody(wantIps, wantPrefixes);
            var headers = nat.Etag is null ? null : new Dictionary<string, string> { ["If-Match"] = nat.Etag };
            context.WriteVerbose($"PUT NAT gateway {nat.Name} with publicIpAddresses {string.Join(", ", wantIps)}; publicIpPrefixes {string.Join(", ", wantPrefixes)}" +
                                 (nat.Etag is null ? " (no etag: unconditional)" : $" (If-Match {nat.Etag})"));
            var initial = await ArmRest.SendAsync(s, RequestMethod.Put, uri, body, context, natId, requestHeaders: headers).ConfigureAwait(false);
            if (initial.Status == 412)
            {
                if (attempt >= MaxAttempts)
                    throw new AksEgressException(ErrorIds.ConflictingOperation, EgressErrorCategory.ResourceBusy,
                        $"NAT gateway '{nat.Name}' was changed by someone else between each read and update ({MaxAttempts} attempts, 412 PreconditionFailed each time), so its public IPs were not changed.",
                        natId, "Wait until the other changes to the NAT gateway are done, then run the command again.") { RemoteCode = "PreconditionFailed", HttpStatus = 412 };
                context.WriteVerbose($"NAT gateway {nat.Name} changed since it was read (412 PreconditionFailed: its etag is no longer {nat.Etag}); reading it again and re-applying the change (attempt {attempt + 1} of {MaxAttempts})");
                nat = await ReadAsync(s, natId, context).ConfigureAwait(false);
                continue;
            }
            if (!initial.IsSuccess) throw MapWriteError(initial, scope);
            var final = await ArmRest.WaitAsync(s, initial, uri, $"the update of NAT gateway {nat.Name}", request.TimeoutSeconds, context, scope).ConfigureAwait(false);
            var after = final?.Json is JsonObject j ? NatGatewayModel.Parse(j) : await ReadAsync(s, natId, context).ConfigureAwait(false);
            var now = await AllowListAsync(s, after.PublicIpIds, after.PublicIpPrefixIds, ips, prefixes, context).ConfigureAwait(false);
            context.WriteVerbose($"NAT gateway {nat.Name} egress is now {string.Join(", ", now)} (was {string.Join(", ", previous)})");
            return Result("Updated", after, now, previous, added, removed);
        }

        NatGatewayIpAssignment Result(string action, NatGatewayModel n, IReadOnlyList<string> allow, IReadOnlyList<string> before, IReadOnlyList<string> added, IReadOnlyList<string> removed) => new()
        {
            SubscriptionId = sub, ResourceGroupName = info.ResourceGroupName, ClusterName = info.ClusterName, ClusterId = info.ClusterId,
            NatGatewayId = n.Id, NatGatewayName = n.Name, Subnet = new(n.SubnetIds), NodePool = new(pools),
            PublicIpId = new(n.PublicIpIds), PublicIpPrefixId = new(n.PublicIpPrefixIds),
            EgressIpAddress = new(allow.Where(a => a.EndsWith("/32", StringComparison.Ordinal) || a.EndsWith("/128", StringComparison.Ordinal)).Select(a => a.Split('/')[0])),
            EgressIpPrefix = new(allow.Where(a => !a.EndsWith("/32", StringComparison.Ordinal) && !a.EndsWith("/128", StringComparison.Ordinal))),
            AllowList = new(allow), PreviousAllowList = new(before), Added = new(added), Removed = new(removed), Action = action,
        };
    }

    /// <summary>Add (default): the NAT gateway's set plus the given ids; Replace: the given ids alone.</summary>
    private static List<string> Target(IReadOnlyList<string> current, IEnumerable<string> given, bool replace)
    {
        var list = replace ? new List<string>() : current.ToList();
        foreach (var id in given) if (!list.Any(c => ResourceIdParser.SameId(c, id))) list.Add(id);
        return list;
    }

    /// <summary>
    /// The one user-assigned NAT gateway of the cluster's subnets (pools' vnetSubnetID and podSubnetID: pods leave through the pod
    /// subnet), with the pools on it. Refused with the reason for a managed NAT gateway, no subnet of the cluster's own, subnets
    /// without a NAT gateway, or more than one NAT gateway (a public IP serves one NAT gateway).
    /// </summary>
    private static async Task<(string NatId, List<string> Pools)> FindNatGatewayAsync(ArmSession s, ManagedClusterModel model, IOperationContext context)
    {
        var info = model.Info;
        var owner = EgressClassifier.NatGatewayOwnerOf(info.LoadBalancerSku, info.OutboundType);
        if (owner == NatGatewayOwner.Aks)
            throw Refuse(info, "its outboundType is 'managedNATGateway': AKS owns that NAT gateway and sets its public IPs itself (natGatewayProfile), so IPs attached to it by hand would be undone.",
                "Set its IP count with Set-AksOutboundIp -ManagedNatGatewayIpCount <1-16>.");
        var byNat = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var withoutNat = new List<string>();
        var subnets = model.AgentPools.SelectMany(p => new[] { p.VnetSubnetId, p.PodSubnetId }.Where(x => x is not null).Select(x => (Pool: p.Name, Subnet: x!))).ToList();
        if (subnets.Count == 0)
            throw Refuse(info, $"its node pools have no vnetSubnetID, so they run in the virtual network AKS manages, where no NAT gateway of yours can be attached (outboundType '{info.OutboundType}').",
                NextStep(owner, info));
        foreach (var (pool, subnetId) in subnets)
        {
            context.WriteVerbose($"GET subnet {subnetId} (node pool {pool})");
            var r = await ArmRest.SendCheckedAsync(s, RequestMethod.Get, ArmRest.Url(s, subnetId, ApiVersions.Network), null, context,
                new ErrorScope(ArmTargetKind.Other, subnetId), allow404: true).ConfigureAwait(false);
            if (r?.Json is not JsonObject subnet)
                throw new AksEgressException(ErrorIds.ArmRequestFailed, EgressErrorCategory.ObjectNotFound,
                    $"Subnet '{subnetId}' of node pool {pool} (cluster '{info.ClusterName}') was not found.", subnetId, "Check the node pool's vnetSubnetID (Get-AksEgressConfiguration).") { HttpStatus = 404 };
            if (ManagedClusterModel.Str(subnet["properties"]?["natGateway"], "id") is { } nat)
            {
                if (!byNat.TryGetValue(nat, out var list)) byNat[nat] = list = new List<string>();
                if (!list.Contains(pool)) list.Add(pool);
            }
            else withoutNat.Add($"{pool} ({subnetId.Split('/').Last()})");
        }
        if (byNat.Count == 0)
            throw Refuse(info, $"no subnet of its node pools has a NAT gateway ({string.Join(", ", withoutNat)}), outboundType '{info.OutboundType}'.", NextStep(owner, info));
        if (byNat.Count > 1)
            throw new AksEgressException(ErrorIds.AmbiguousNatGateway, EgressErrorCategory.InvalidOperation,
                $"The node pools of cluster '{info.ClusterName}' use {byNat.Count} NAT gateways ({string.Join("; ", byNat.Select(kv => $"{kv.Key.Split('/').Last()}: {string.Join(", ", kv.Value)}"))}), and a public IP or prefix serves one NAT gateway only, so AksEgress will not choose.",
                info.ClusterId, "Attach the IPs to each NAT gateway yourself (Set-AzNatGateway / az network nat gateway update), one set of IPs per NAT gateway; Get-AksEgressConfiguration then lists every pool's AllowList.");
        if (withoutNat.Count > 0)
            context.WriteWarning($"Node pool(s) {string.Join(", ", withoutNat)} of cluster '{info.ClusterName}' have no NAT gateway on their subnet: their egress does not change.");
        var (id, pools) = byNat.First();
        return (id, pools);
    }

    private static string NextStep(NatGatewayOwner owner, AksNodeResourceGroup info) =>
        info.EgressDecidedBy == EgressDecider.LoadBalancerOutboundRule
            ? "The load balancer decides its egress: pin it with Set-AksOutboundIp (public IPs, prefixes or a managed count)."
            : "See Get-AksEgressConfiguration for what decides this cluster's egress and how to pin it.";

    private static AksEgressException Refuse(AksNodeResourceGroup info, string why, string next) =>
        new(ErrorIds.EgressNotConfigurableHere, EgressErrorCategory.InvalidOperation,
            $"Cluster '{info.ClusterName}' has no user-assigned NAT gateway to attach public IPs to: {why}", info.ClusterId, next);

    private static async Task<NatGatewayModel> ReadAsync(ArmSession s, string natId, IOperationContext context)
    {
        context.WriteVerbose($"GET NAT gateway {natId}");
        var r = await ArmRest.SendCheckedAsync(s, RequestMethod.Get, ArmRest.Url(s, natId, ApiVersions.Network), null, context,
            new ErrorScope(ArmTargetKind.Other, natId), allow404: true).ConfigureAwait(false);
        return r?.Json is JsonObject j ? NatGatewayModel.Parse(j)
            : throw new AksEgressException(ErrorIds.ArmRequestFailed, EgressErrorCategory.ObjectNotFound, $"NAT gateway '{natId}' named by the cluster's subnet was not found.", natId,
                "Check the subnet's NAT gateway association (Get-AksEgressConfiguration).") { HttpStatus = 404 };
    }

    private static async Task<PublicIpModel> ReadIpAsync(ArmSession s, NatGatewayModel nat, string id, IOperationContext context)
    {
        var p = ResourceIdParser.ParsePublicIpId(id);
        var ip = await PublicIpReader.GetAsync(s, id, context).ConfigureAwait(false)
            ?? throw new AksEgressException(ErrorIds.PublicIpNotFound, EgressErrorCategory.ObjectNotFound,
                $"Public IP '{p.ResourceGroupName}/{p.Name}' was not found.", id, "Create it with New-AksEgressIp, or check the id.") { HttpStatus = 404 };
        if (ip.SkuName is null || ip.SkuName.Equals("Basic", StringComparison.OrdinalIgnoreCase))
            throw InputValidation.Invalid(ErrorIds.BasicSkuRetired, ip.Id, $"Public IP '{ip.Name}' is a Basic SKU IP; a NAT gateway takes Standard public IPs only (Basic SKU public IPs were retired on 30 September 2025).",
                "Create a Standard IP with New-AksEgressIp.");
        RefuseUnfit(nat, $"Public IP '{ip.ResourceGroupName}/{ip.Name}' ({ip.IpAddress})", ip.Id, ip.IpConfigurationId ?? OtherNat(ip.NatGatewayId, nat), nat.ProblemsWith(ip), "New-AksEgressIp");
        return ip;
    }

    private static async Task<PublicIpPrefixModel> ReadPrefixAsync(ArmSession s, NatGatewayModel nat, string id, IOperationContext context)
    {
        var w = ResourceIdParser.ParsePublicIpPrefixId(id);
        var p = await PublicIpPrefixModel.GetAsync(s, id, context).ConfigureAwait(false)
            ?? throw new AksEgressException(ErrorIds.PublicIpPrefixNotFound, EgressErrorCategory.ObjectNotFound,
                $"Public IP prefix '{w.ResourceGroupName}/{w.Name}' was not found.", id, "Create it with New-AksEgressIpPrefix, or check the id.") { HttpStatus = 404 };
        RefuseUnfit(nat, $"Public IP prefix '{p.ResourceGroupName}/{p.Name}' ({p.IpPrefix})", p.Id, p.LoadBalancerFrontendId ?? OtherNat(p.NatGatewayId, nat), nat.ProblemsWith(p), "New-AksEgressIpPrefix");
        return p;
    }

    private static string? OtherNat(string? natGatewayId, NatGatewayModel nat) =>
        natGatewayId is not null && !ResourceIdParser.SameId(natGatewayId, nat.Id) ? natGatewayId : null;

    /// <summary>PublicIpInUse when another resource uses the IP / prefix (one user at a time), PublicIpConflict with every rule it breaks.</summary>
    private static void RefuseUnfit(NatGatewayModel nat, string what, string id, string? user, List<string> problems, string creator)
    {
        if (user is not null)
            throw new AksEgressException(ErrorIds.PublicIpInUse, EgressErrorCategory.InvalidOperation,
                $"{what} cannot be attached to NAT gateway '{nat.Name}': it is already used by {user}. A public IP or prefix serves one NAT gateway or load balancer at a time.",
                id, $"Use another one ({creator}), or detach this one from its current user first.");
        if (problems.Count > 0)
            throw new AksEgressException(ErrorIds.PublicIpConflict, EgressErrorCategory.InvalidArgument,
                $"{what} cannot be attached to NAT gateway '{nat.Name}': {string.Join("; ", problems)}.", id,
                $"Use a static {nat.SkuName ?? "Standard"} IPv4 one in {nat.Location}{(nat.Zones.Length > 0 ? $", zone-redundant or in zone {string.Join(",", nat.Zones)}" : "")}, e.g. from {creator}.");
    }

    /// <summary>At most 16 addresses on the NAT gateway after the change (each IP, and every address of each prefix), before the PUT.</summary>
    private static async Task CheckAddressLimitAsync(ArmSession s, NatGatewayModel nat, List<string> ipIds, List<string> prefixIds,
        IReadOnlyList<PublicIpPrefixModel> known, IOperationContext context)
    {
        var count = ipIds.Count;
        var parts = new List<string> { $"{ipIds.Count} public IP(s)" };
        foreach (var id in prefixIds)
        {
            var p = known.FirstOrDefault(k => ResourceIdParser.SameId(k.Id, id)) ?? await PublicIpPrefixModel.GetAsync(s, id, context).ConfigureAwait(false);
            var n = p is null ? 1 : NatGatewayModel.AddressCount(p);
            count += n;
            parts.Add($"{p?.Name ?? id.Split('/').Last()} {p?.IpPrefix ?? "?"} ({n})");
        }
        if (count > RequestValidation.MaxNatGatewayAddresses)
            throw new AksEgressException(ErrorIds.NatGatewayAddressLimitExceeded, EgressErrorCategory.LimitsExceeded,
                $"NAT gateway '{nat.Name}' would have {count} public IP addresses ({string.Join(" + ", parts)}); a NAT gateway takes at most {RequestValidation.MaxNatGatewayAddresses}.",
                nat.Id, "Attach fewer IPs or a shorter prefix, or pass -Replace so the given IPs and prefixes replace the NAT gateway's current ones.");
    }

    /// <summary>The allowlist of a set of IPs and prefixes: /32 (/128) per address, each prefix CIDR.</summary>
    private static async Task<List<string>> AllowListAsync(ArmSession s, IReadOnlyList<string> ipIds, IReadOnlyList<string> prefixIds,
        IReadOnlyList<PublicIpModel> knownIps, IReadOnlyList<PublicIpPrefixModel> knownPrefixes, IOperationContext context)
    {
        var refs = await PublicIpReader.ResolveAsync(s, ipIds, context, knownIps).ConfigureAwait(false);
        var list = refs.Where(r => r.IpAddress is not null).Select(r => Cidr.ForAddress(r.IpAddress!)).ToList();
        foreach (var id in prefixIds)
        {
            var p = knownPrefixes.FirstOrDefault(k => ResourceIdParser.SameId(k.Id, id)) ?? await PublicIpPrefixModel.GetAsync(s, id, context).ConfigureAwait(false);
            if (p?.IpPrefix is { } cidr) list.Add(cidr);
        }
        return list;
    }

    private static string Describe(NatGatewayModel nat, string clusterName, List<string> pools, List<string> added, List<string> removed, IReadOnlyList<string> previous)
    {
        static string Names(IEnumerable<string> ids) => string.Join(", ", ids.Select(i => i.Split('/').Last()));
        var subnets = nat.SubnetIds.Select(id => { var parts = id.Split('/'); return parts.Length >= 3 ? $"{parts[^3]}/{parts[^1]}" : id; }).ToList();
        var change = string.Join("; ", new[]
        {
            added.Count > 0 ? $"attach {Names(added)}" : null,
            removed.Count > 0 ? $"detach {Names(removed)} (connections leaving from them drop)" : null,
        }.Where(x => x is not null));
        return $"Change NAT gateway {nat.Name}: {change}. Egress changes for every workload on its subnet(s) {(subnets.Count > 0 ? string.Join(", ", subnets) : "(none listed)")}, " +
               $"not only node pool(s) {string.Join(", ", pools)} of cluster {clusterName}: new connections leave from any of its addresses (now {(previous.Count > 0 ? string.Join(", ", previous) : "none")}).";
    }

    /// <summary>A refused NAT gateway PUT: the Network RP's codes for what could not be checked before (limit, SKU, zone, region, in use)
    /// become the matching ErrorIds; anything else goes through the common ARM mapping.</summary>
    private static AksEgressException MapWriteError(ArmResult r, ErrorScope scope)
    {
        var (code, msg) = ArmErrorMapper.ParseError(r.Content);
        var text = Redaction.Text(msg ?? "");
        AksEgressException E(string id, EgressErrorCategory cat, string action) =>
            new(id, cat, $"Azure refused the update of NAT gateway '{scope.Target.Split('/').Last()}': {code}: {text}", scope.Target, action) { RemoteCode = code, HttpStatus = r.Status };
        if (r.Status == 400 && code is not null)
        {
            if (code.Contains("MoreThan16", StringComparison.OrdinalIgnoreCase) || code.Contains("Limit", StringComparison.OrdinalIgnoreCase))
                return E(ErrorIds.NatGatewayAddressLimitExceeded, EgressErrorCategory.LimitsExceeded, "Attach fewer IPs or a shorter prefix, or pass -Replace.");
            if (code.EndsWith("InUse", StringComparison.OrdinalIgnoreCase))
                return E(ErrorIds.PublicIpInUse, EgressErrorCategory.InvalidOperation, "Use an IP or prefix nothing else uses (New-AksEgressIp, New-AksEgressIpPrefix).");
            if (code.Contains("Zone", StringComparison.OrdinalIgnoreCase) || code.Contains("Sku", StringComparison.OrdinalIgnoreCase) || code.Contains("Ipv6", StringComparison.OrdinalIgnoreCase)
                || code.Equals("InvalidResourceReference", StringComparison.OrdinalIgnoreCase))
                return E(ErrorIds.PublicIpConflict, EgressErrorCategory.InvalidArgument, "Use static Standard IPv4 IPs or prefixes in the NAT gateway's region and zone (zone-redundant ones fit every zone).");
        }
        return ArmErrorMapper.MapBody(r.Status, r.Content, scope);
    }
}
