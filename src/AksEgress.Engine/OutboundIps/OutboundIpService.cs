using AksEgress.Engine.Clusters;
using AksEgress.Engine.EgressConfig;
using AksEgress.Engine.PublicIps;
using AksEgress.Engine.Session;

namespace AksEgress.Engine.OutboundIps;

/// <summary>Set-AksOutboundIp: the public IPs of the load balancer's outbound rule (PUT of the managed cluster).</summary>
internal sealed class OutboundIpService(ClusterService clusters, SessionService sessions)
{
    /// <summary>Returns null when ShouldProcess declined (-WhatIf): the cmdlet writes nothing.</summary>
    public async Task<OutboundIpAssignment?> SetAsync(SetOutboundIpRequest request, IOperationContext context)
    {
        var wanted = new List<ParsedResourceId>();
        foreach (var p in request.PublicIpIds.Select(ResourceIdParser.ParsePublicIpId))
            if (!wanted.Any(w => ResourceIdParser.SameId(w.Canonical, p.Canonical))) wanted.Add(p);

        var (model, raw0, s) = await clusters.GetModelAsync(request.Cluster, context, fresh: true).ConfigureAwait(false);
        var info = model.Info;
        var sub = info.SubscriptionId.Length > 0 ? info.SubscriptionId : request.Cluster.SubscriptionId ?? s.SubscriptionId;
        var natOwner = EgressClassifier.NatGatewayOwnerOf(info.LoadBalancerSku, info.OutboundType);
        if (request.ManagedNatGatewayIpCount is not null)
        {
            if (natOwner != NatGatewayOwner.Aks)
            {
                var cfg = await EgressConfigurationService.BuildAsync(s, model, context).ConfigureAwait(false);
                var (why, next) = natOwner == NatGatewayOwner.User
                    ? ("its outboundType is 'userAssignedNATGateway': the NAT gateway on its subnets is your own resource, whose IPs are set on the NAT gateway, not on the cluster.",
                        "Attach the IPs to that NAT gateway with Set-AksNatGatewayIp (pipe New-AksEgressIp or New-AksEgressIpPrefix to it).")
                    : info.EgressDecidedBy == EgressDecider.LoadBalancerOutboundRule
                        ? ("its outboundType is 'loadBalancer': the load balancer's outbound rule decides egress, and AKS has no NAT gateway for it.",
                            "Use -ManagedOutboundIpCount (or -PublicIpId / -PublicIpPrefixId) for the load balancer instead.")
                        : ($"its outboundType is '{info.OutboundType}', not managedNATGateway, so there is no AKS-managed NAT gateway. {cfg.Explanation}",
                            "Change egress where it is decided (see Get-AksEgressConfiguration).");
                throw new AksEgressException(ErrorIds.EgressNotConfigurableHere, EgressErrorCategory.InvalidOperation,
                    $"Cluster '{info.ClusterName}' has no managed NAT gateway whose IP count could be set: {why}", info.ClusterId, next);
            }
        }
        else if (!model.IsStandard || info.EgressDecidedBy != EgressDecider.LoadBalancerOutboundRule)
        {
            var cfg = await EgressConfigurationService.BuildAsync(s, model, context).ConfigureAwait(false);
            var why = model.IsBasic
                ? "it uses a Basic load balancer, which has no outbound rules: egress is the first LoadBalancer Service's IP. Use Set-AksEgressService instead (and plan the migration to a Standard load balancer)."
                : $"its outboundType is '{info.OutboundType}', so the load balancer's outbound IPs do not decide egress. {cfg.Explanation}";
            throw new AksEgressException(ErrorIds.EgressNotConfigurableHere, EgressErrorCategory.InvalidOperation,
                $"Cluster '{info.ClusterName}' cannot get load-balancer outbound IPs: {why}", info.ClusterId,
                model.IsBasic ? "Run Set-AksEgressService with the IP instead."
                : natOwner == NatGatewayOwner.Aks ? "Set the managed NAT gateway's IP count with Set-AksOutboundIp -ManagedNatGatewayIpCount <1-16> instead."
                : natOwner == NatGatewayOwner.User ? "Attach the IPs to the cluster's NAT gateway with Set-AksNatGatewayIp instead."
                : "Change egress where it is decided (see Get-AksEgressConfiguration), or switch the cluster to outboundType loadBalancer (az aks update --outbound-type loadBalancer).");
        }

        // Resolve every IP / prefix before changing anything.
        var ips = new List<PublicIpModel>();
        var prefixes = new List<PublicIpPrefixModel>();
        var mode = request.ManagedNatGatewayIpCount is not null ? OutboundSource.ManagedNatGateway
            : request.PublicIpPrefixIds.Length > 0 ? OutboundSource.Prefixes : request.ManagedOutboundIpCount is not null ? OutboundSource.Managed : OutboundSource.Ips;
        // What egress uses now: the load balancer's effective outbound IPs, or the managed NAT gateway's.
        IReadOnlyList<string> Effective(ManagedClusterModel m) => mode == OutboundSource.ManagedNatGateway ? m.NatGatewayEffectiveOutboundIpIds : m.EffectiveOutboundIpIds;
        if (mode == OutboundSource.Prefixes)
            prefixes = await ResolvePrefixesAsync(s, request.PublicIpPrefixIds, model, context).ConfigureAwait(false);
        foreach (var w in wanted)
        {
            var ip = await PublicIpReader.GetAsync(s, w.Canonical, context).ConfigureAwait(false)
                ?? throw new AksEgressException(ErrorIds.PublicIpNotFound, EgressErrorCategory.ObjectNotFound,
                    $"Public IP '{w.ResourceGroupName}/{w.Name}' was not found.", w.Canonical, "Create it with New-AksEgressIp, or check the id.") { HttpStatus = 404 };
            if (!ip.IsStandard)
                throw InputValidation.Invalid(ErrorIds.BasicSkuRetired, ip.Id, $"Public IP '{ip.Name}' is a {ip.SkuName ?? "Basic"} SKU IP; a Standard load balancer accepts only Standard-family (Standard, StandardV2) public IPs (Basic SKU public IPs were retired on 30 September 2025).",
                    "Create a Standard IP with New-AksEgressIp.");
            var problems = new List<string>();
            if (!ip.IsStatic) problems.Add($"its allocation is {ip.AllocationMethod ?? "Dynamic"}, not Static");
            if (string.IsNullOrEmpty(ip.IpAddress)) problems.Add("it has no address yet");
            if (ip.IsGlobalTier) problems.Add("it is a Global (cross-region) tier IP, which can only be a frontend of a cross-region load balancer, never an outbound IP of a cluster's regional load balancer");
            if (ip.AksManaged) problems.Add("it is an AKS-managed outbound IP (tag type=aks-slb-managed-outbound-ip); AKS does not accept its own managed IPs as your outbound IPs");
            if (PublicIpModel.NormaliseLocation(ip.Location) != PublicIpModel.NormaliseLocation(info.Location)) problems.Add($"it is in {ip.Location}, the cluster in {info.Location}");
            await RefuseIfUsedElsewhereAsync(ip, info, context).ConfigureAwait(false);
            if (problems.Count > 0)
                throw new AksEgressException(ErrorIds.PublicIpConflict, EgressErrorCategory.InvalidArgument,
                    $"Public IP '{ip.ResourceGroupName}/{ip.Name}' cannot be an outbound IP of cluster '{info.ClusterName}': {string.Join("; ", problems)}.", ip.Id,
                    "Use a static Standard IPv4 public IP in the cluster's region, e.g. from New-AksEgressIp.");
            ips.Add(ip);
        }

        if (mode == OutboundSource.Ips && model.IsDualStack && !ips.Any(i => string.Equals(i.IpVersion, "IPv6", StringComparison.OrdinalIgnoreCase)))
            throw new AksEgressException(ErrorIds.PublicIpConflict, EgressErrorCategory.InvalidArgument,
                $"Cluster '{info.ClusterName}' is dual-stack{(model.ManagedOutboundIpv6Count is int v6 && v6 > 0 ? $" ({v6} managed IPv6 outbound IP(s))" : "")}, and outboundIPs replaces managedOutboundIPs as a whole " +
                "(only one of managed IPs, your IPs or prefixes may be set), IPv6 count included: with only IPv4 IPs its IPv6 egress would lose its addresses.", info.ClusterId,
                "Pass IPv6 public IP(s) together with the IPv4 ones (Standard, Static, publicIPAddressVersion IPv6), or keep managed outbound IPs on this cluster.");

        var clusterUri = ArmRest.Url(s, info.ClusterId.Length > 0 ? info.ClusterId : request.Cluster.ToId(sub), ApiVersions.ManagedClusters);
        string[]? previousAddresses = null;
        var confirmed = false;
        for (var attempt = 1; ; attempt++)
        {
            var ipCount = mode switch
            {
                OutboundSource.Prefixes => prefixes.Sum(p => p.IsIpv6 ? 0 : 1 << (32 - (p.PrefixLength ?? 32))),
                OutboundSource.Managed => request.ManagedOutboundIpCount ?? 1,
                _ => ips.Count,
            };
            // A NAT gateway allocates SNAT ports on demand: no per-node allocation to check.
            if (mode != OutboundSource.ManagedNatGateway) CheckCapacity(model, ipCount, request.AllocatedOutboundPorts ?? model.AllocatedOutboundPorts);
            var previous = await PublicIpReader.ResolveAsync(s, Effective(model).Where(IsPublicIpId).ToList(), context, ips).ConfigureAwait(false);
            previousAddresses ??= previous.Where(p => p.IpAddress is not null).Select(p => p.IpAddress!)
                .Concat(Effective(model).Where(id => !IsPublicIpId(id)).Select(id => id.Split('/').Last())).ToArray();
            var change = mode switch
            {
                OutboundSource.Prefixes => PlannedChange.ForSource(model, !SameSet(model.OutboundIpPrefixIds, prefixes.Select(p => p.Id)),
                    $"the public IP prefixes {string.Join(", ", prefixes.Select(p => $"{p.Name} ({p.IpPrefix})"))}", request.AllocatedOutboundPorts, request.IdleTimeoutInMinutes),
                OutboundSource.Managed => PlannedChange.ForSource(model,
                    model.OutboundIpIds.Count > 0 || model.OutboundIpPrefixIds.Count > 0 || model.ManagedOutboundIpCount != request.ManagedOutboundIpCount
                    || (request.ManagedOutboundIpv6Count is int w6 && (model.ManagedOutboundIpv6Count ?? 0) != w6),
                    $"{request.ManagedOutboundIpCount} AKS-managed outbound IP(s){(request.ManagedOutboundIpv6Count is int m6 ? $" and {m6} IPv6" : "")}", request.AllocatedOutboundPorts, request.IdleTimeoutInMinutes),
                OutboundSource.ManagedNatGateway => PlannedChange.ForManagedNatGateway(model, request.ManagedNatGatewayIpCount!.Value, request.IdleTimeoutInMinutes),
                _ => PlannedChange.Of(model, ips, request.AllocatedOutboundPorts, request.IdleTimeoutInMinutes),
            };
            if (change.IsEmpty)
            {
                context.WriteVerbose($"Cluster {info.ClusterName} already uses exactly this outbound source: nothing to change");
                return await ResultAsync("Unchanged", model).ConfigureAwait(false);
            }
            // Best effort, once, before the question and the PUT (not when nothing changes): the CLUSTER identity must be
            // allowed to use IPs outside its node resource group; a missing right is a warning, Azure accepts the update anyway.
            if (attempt == 1) await ClusterIdentityRoleCheck.CheckAsync(s, raw0!, info, ips, context).ConfigureAwait(false);
            // Asked once: a retry after a concurrent change re-applies the same change the user confirmed.
            if (!confirmed && !context.ShouldProcess(info.ClusterId, change.Describe(info.ClusterName, previousAddresses)))
                return null;
            confirmed = true;

            var body = mode switch
            {
                OutboundSource.Prefixes => BuildOutboundPutBody(raw0!, OutboundSource.Prefixes, prefixes.Select(p => p.Id), null, null, request.AllocatedOutboundPorts, request.IdleTimeoutInMinutes),
                OutboundSource.Managed => BuildOutboundPutBody(raw0!, OutboundSource.Managed, Array.Empty<string>(), request.ManagedOutboundIpCount,
                    request.ManagedOutboundIpv6Count ?? (model.IsDualStack ? model.ManagedOutboundIpv6Count ?? 1 : null), request.AllocatedOutboundPorts, request.IdleTimeoutInMinutes),
                OutboundSource.ManagedNatGateway => BuildManagedNatGatewayPutBody(raw0!, request.ManagedNatGatewayIpCount!.Value, request.IdleTimeoutInMinutes),
                _ => BuildOutboundIpPutBody(raw0!, ips.Select(i => i.Id), request.AllocatedOutboundPorts, request.IdleTimeoutInMinutes),
            };
            var etag = ManagedClusterModel.Str(raw0, "eTag");
            var scope = new ErrorScope(ArmTargetKind.Cluster, info.ClusterId) { ClusterName = info.ClusterName, ResourceGroupName = info.ResourceGroupName };
            var sourceText = mode switch
            {
                OutboundSource.Prefixes => $"outboundIPPrefixes {string.Join(", ", prefixes.Select(p => p.Id))}",
                OutboundSource.Managed => $"managedOutboundIPs count {request.ManagedOutboundIpCount}",
                OutboundSource.ManagedNatGateway => $"natGatewayProfile.managedOutboundIPProfile count {request.ManagedNatGatewayIpCount}",
                _ => $"outboundIPs {string.Join(", ", ips.Select(i => i.Id))}",
            };
            context.WriteVerbose($"PUT cluster {info.ResourceGroupName}/{info.ClusterName} with {sourceText}" +
                                 $"{(request.AllocatedOutboundPorts is null ? "" : $", allocatedOutboundPorts {request.AllocatedOutboundPorts}")}{(request.IdleTimeoutInMinutes is null ? "" : $", idleTimeoutInMinutes {request.IdleTimeoutInMinutes}")}" +
                                 $"{(etag is null ? " (no eTag: unconditional)" : $" (If-Match {etag})")}");
            ClusterService.Forget(s, sub, request.Cluster);
            var headers = etag is null ? null : new Dictionary<string, string> { ["If-Match"] = etag };
            var initial = await ArmRest.SendAsync(s, RequestMethod.Put, clusterUri, body, context, scope.Target, requestHeaders: headers).ConfigureAwait(false);
            if (initial.Status == 412)
            {
                if (attempt >= MaxAttempts)
                    throw new AksEgressException(ErrorIds.ConflictingOperation, EgressErrorCategory.ResourceBusy,
                        $"Cluster '{info.ClusterName}' was changed by someone else between each read and update ({MaxAttempts} attempts, 412 PreconditionFailed each time), so its outbound IPs were not changed.",
                        info.ClusterId, "Wait until the other changes to the cluster are done, then run the command again.")
                    { RemoteCode = "PreconditionFailed", HttpStatus = 412 };
                context.WriteVerbose($"Cluster {info.ClusterName} changed since it was read (412 PreconditionFailed: its eTag is no longer {etag}); reading it again and re-applying the outbound IP change (attempt {attempt + 1} of {MaxAttempts})");
                (model, raw0, _) = await clusters.GetModelAsync(request.Cluster, context, fresh: true).ConfigureAwait(false);
                continue;
            }
            if (!initial.IsSuccess)
            {
                var (code, msg) = ArmErrorMapper.ParseError(initial.Content);
                throw ArmErrorMapper.Map(initial.Status, code, msg, scope);
            }
            var final = await ArmRest.WaitAsync(s, initial, clusterUri, $"the update of cluster {info.ClusterName}", request.TimeoutSeconds, context, scope).ConfigureAwait(false);
            var after = ManagedClusterModel.Parse(final!.Json!);
            s.ClusterCache.Set(ClusterService.ClusterKey(sub, request.Cluster), after);
            var result = await ResultAsync("Updated", after).ConfigureAwait(false);
            context.WriteVerbose($"Cluster {info.ClusterName} egress is now {string.Join(", ", result.AllowList)} (was {string.Join(", ", previousAddresses)})");
            return result;
        }

        // The addresses and prefixes egress uses now: the effective outbound IPs (public IPs and, with outboundIPPrefixes, prefixes).
        async Task<OutboundIpAssignment> ResultAsync(string action, ManagedClusterModel m)
        {
            var effective = Effective(m).Count > 0 ? Effective(m)
                : mode == OutboundSource.Ips ? ips.Select(i => i.Id).ToList() : mode == OutboundSource.Prefixes ? prefixes.Select(p => p.Id).ToList() : Effective(m);
            var now = await PublicIpReader.ResolveAsync(s, effective.Where(IsPublicIpId).ToList(), context, ips).ConfigureAwait(false);
            var addresses = now.Where(p => p.IpAddress is not null).Select(p => p.IpAddress!).ToArray();
            var cidrs = new List<string>();
            foreach (var pid in effective.Where(id => !IsPublicIpId(id)))
            {
                var known = prefixes.FirstOrDefault(p => ResourceIdParser.SameId(p.Id, pid)) ?? await PublicIpPrefixModel.GetAsync(s, pid, context).ConfigureAwait(false);
                if (known?.IpPrefix is { } cidr) cidrs.Add(cidr);
            }
            return new OutboundIpAssignment
            {
                SubscriptionId = sub, ResourceGroupName = info.ResourceGroupName, ClusterName = info.ClusterName, ClusterId = info.ClusterId,
                PublicIpId = mode == OutboundSource.Ips ? ips.Select(i => i.Id).ToArray() : Array.Empty<string>(),
                PublicIpPrefixId = prefixes.Select(p => p.Id).ToArray(),
                EgressIpAddress = addresses, EgressIpPrefix = cidrs.ToArray(),
                AllowList = addresses.Select(Cidr.ForAddress).Concat(cidrs).ToArray(),
                ManagedOutboundIpCount = mode == OutboundSource.Managed ? m.ManagedOutboundIpCount ?? request.ManagedOutboundIpCount : null,
                ManagedNatGatewayIpCount = mode == OutboundSource.ManagedNatGateway ? m.NatGatewayManagedOutboundIpCount ?? request.ManagedNatGatewayIpCount : null,
                AllocatedOutboundPorts = mode == OutboundSource.ManagedNatGateway ? null : m.AllocatedOutboundPorts,
                IdleTimeoutInMinutes = mode == OutboundSource.ManagedNatGateway ? m.NatGatewayIdleTimeoutInMinutes : m.IdleTimeoutInMinutes,
                Action = action, PreviousEgressIpAddress = previousAddresses ?? Array.Empty<string>(),
            };
        }
    }

    /// <summary>
    /// PublicIpInUse before the PUT when the IP already serves something else: a NAT gateway, or a load balancer that is not
    /// this cluster's (another cluster's outbound IP or Service IP), naming the IP and, when it can be found, the cluster.
    /// </summary>
    private async Task RefuseIfUsedElsewhereAsync(PublicIpModel ip, AksNodeResourceGroup info, IOperationContext context)
    {
        string? what = null;
        string? release = null;
        if (ip.NatGatewayId is { } nat) what = $"it is attached to NAT gateway '{nat.Split('/').Last()}'";
        else if (ip.IpConfigurationId is { } cfg && ArmErrorMapper.ResourceGroupIdOf(cfg) is { } lbRg
                 && !lbRg.EndsWith("/resourceGroups/" + info.NodeResourceGroup, StringComparison.OrdinalIgnoreCase))
        {
            var users = await clusters.ClustersUsingOutboundIpAsync(ip.Id, context).ConfigureAwait(false);
            var other = users?.FirstOrDefault(u => !ResourceIdParser.SameId(u.Info.ClusterId, info.ClusterId));
            var lbGroup = lbRg.Split('/').Last();
            if (other is not null)
                what = $"it is an outbound IP of cluster '{other.Info.ResourceGroupName}/{other.Info.ClusterName}'";
            else
            {
                // Name the LoadBalancer Service(s) of the cluster that owns that load balancer, when they can be read.
                var h = await new LoadBalancerIpUsageReader(sessions, clusters).ReadAsync(ip, context).ConfigureAwait(false);
                var live = h.LiveServices;
                what = live.Count > 0 && h.Owner is not null
                    ? $"it is {h.Where}, used by LoadBalancer Service {LoadBalancerIpUsers.Describe(live)}{h.UnknownText}"
                    : $"it is a frontend of a load balancer in resource group '{lbGroup}' (another cluster's outbound IP or LoadBalancer Service IP), not of cluster '{info.ClusterName}'{h.UnknownText}";
                if (live.Count > 0 && h.Owner is not null)
                    release = $"Use another IP (New-AksEgressIp), or release this one first: {LoadBalancerIpUsers.ReleaseCommands(live, h.Owner.Info.ClusterId)}.";
            }
        }
        if (what is null) return;
        throw new AksEgressException(ErrorIds.PublicIpInUse, EgressErrorCategory.InvalidOperation,
            $"Public IP '{ip.ResourceGroupName}/{ip.Name}' ({ip.IpAddress}) cannot become an outbound IP of cluster '{info.ClusterName}': {what}. A public IP serves one load balancer or NAT gateway at a time.", ip.Id,
            release ?? "Use another IP (New-AksEgressIp), or detach this one first (Set-AksOutboundIp on the other cluster, or Remove-AksEgressService).");
    }

    private static bool IsPublicIpId(string id) => !id.Contains("/publicIPPrefixes/", StringComparison.OrdinalIgnoreCase);

    private static bool SameSet(IReadOnlyList<string> current, IEnumerable<string> wanted)
    {
        var w = wanted.ToList();
        return current.Count == w.Count && w.All(x => current.Any(c => ResourceIdParser.SameId(PublicIpReader.NormaliseId(c), x)));
    }

    /// <summary>GETs every prefix and refuses, before any change, one that is missing, not Standard, unallocated, in another region,
    /// or serving a NAT gateway; a dual-stack cluster needs an IPv6 prefix among them.</summary>
    private static async Task<List<PublicIpPrefixModel>> ResolvePrefixesAsync(ArmSession s, IEnumerable<string> ids, ManagedClusterModel model, IOperationContext context)
    {
        var info = model.Info;
        var list = new List<PublicIpPrefixModel>();
        foreach (var raw in ids)
        {
            var w = ResourceIdParser.ParsePublicIpPrefixId(raw);
            if (list.Any(p => ResourceIdParser.SameId(p.Id, w.Canonical))) continue;
            var p = await PublicIpPrefixModel.GetAsync(s, w.Canonical, context).ConfigureAwait(false)
                ?? throw new AksEgressException(ErrorIds.PublicIpPrefixNotFound, EgressErrorCategory.ObjectNotFound,
                    $"Public IP prefix '{w.ResourceGroupName}/{w.Name}' was not found.", w.Canonical, "Create it with New-AksEgressIpPrefix, or check the id.") { HttpStatus = 404 };
            if (p.NatGatewayId is { } nat)
                throw new AksEgressException(ErrorIds.PublicIpInUse, EgressErrorCategory.InvalidOperation,
                    $"Public IP prefix '{p.ResourceGroupName}/{p.Name}' ({p.IpPrefix}) cannot become an outbound prefix of cluster '{info.ClusterName}': it is attached to NAT gateway '{nat.Split('/').Last()}'. A prefix serves one NAT gateway or load balancer at a time.", p.Id,
                    "Use another prefix (New-AksEgressIpPrefix), or detach this one from the NAT gateway first.");
            var problems = new List<string>();
            if (!p.IsStandard) problems.Add($"its SKU is {p.SkuName ?? "none"}, not Standard");
            if (p.IsGlobalTier) problems.Add("it is a Global (cross-region) tier prefix");
            if (p.IpPrefix is null || !p.Succeeded) problems.Add($"it has no allocated range yet (provisioningState {p.ProvisioningState ?? "unknown"})");
            if (PublicIpModel.NormaliseLocation(p.Location) != PublicIpModel.NormaliseLocation(info.Location)) problems.Add($"it is in {p.Location}, the cluster in {info.Location}");
            if (problems.Count > 0)
                throw new AksEgressException(ErrorIds.PublicIpConflict, EgressErrorCategory.InvalidArgument,
                    $"Public IP prefix '{p.ResourceGroupName}/{p.Name}' cannot be an outbound prefix of cluster '{info.ClusterName}': {string.Join("; ", problems)}.", p.Id,
                    "Use a Standard IPv4 prefix in the cluster's region, e.g. from New-AksEgressIpPrefix.");
            list.Add(p);
        }
        if (model.IsDualStack && !list.Any(p => p.IsIpv6))
            throw new AksEgressException(ErrorIds.PublicIpConflict, EgressErrorCategory.InvalidArgument,
                $"Cluster '{info.ClusterName}' is dual-stack, and outboundIPPrefixes replaces managedOutboundIPs as a whole (one outbound IP source at a time), IPv6 count included: with only IPv4 prefixes its IPv6 egress would lose its addresses.", info.ClusterId,
                "Pass an IPv6 prefix together with the IPv4 one, or keep managed outbound IPs on this cluster.");
        return list;
    }

    /// <summary>Attempts of the read-modify-write when the cluster keeps changing underneath (412 PreconditionFailed).</summary>
    internal const int MaxAttempts = 3;

    private static void CheckCapacity(ManagedClusterModel model, int ipCount, int? portsPerNode)
    {
        if (portsPerNode is not int ports || ports <= 0) return;
        var info = model.Info;
        var surge = OutboundCapacity.SurgeNodes(model.AgentPools);
        var nodes = OutboundCapacity.MaxNodes(model.AgentPools);
        var needed = nodes + surge;
        if (OutboundCapacity.Fits(ipCount, ports, needed)) return;
        var suggest = OutboundCapacity.MaxPortsPerNode(ipCount, needed);
        var ipsNeeded = (int)Math.Ceiling((double)needed * ports / OutboundCapacity.PortsPerIp);
        var autoscaled = model.AgentPools.Any(p => p.MaxCount is not null);
        throw new AksEgressException(ErrorIds.InsufficientOutboundPorts, EgressErrorCategory.LimitsExceeded,
            $"{ipCount} outbound IP(s) give {ipCount} x 64000 = {ipCount * 64000L} SNAT ports, which at {ports} ports per node covers {(long)ipCount * 64000 / ports} nodes; " +
            $"cluster '{info.ClusterName}' needs {needed} ({nodes} nodes{(autoscaled ? " at the autoscaler's maxCount" : "")} + {surge} surge nodes during upgrades).", info.ClusterId,
            suggest > 0 ? $"Use -AllocatedOutboundPorts {suggest} (or 0 for automatic), or give at least {ipsNeeded} public IPs." : $"Give at least {ipsNeeded} public IPs, or -AllocatedOutboundPorts 0 (automatic).");
    }

    /// <summary>
    /// The PUT body for a new set of outbound IPs, from the cluster's full GET JSON: outboundIPs set, managedOutboundIPs /
    /// outboundIPPrefixes removed (mutually exclusive), effectiveOutboundIPs and other read-only properties removed.
    /// </summary>
    internal static JsonObject BuildOutboundIpPutBody(JsonObject clusterJson, IEnumerable<string> publicIpIds, int? allocatedOutboundPorts, int? idleTimeoutInMinutes) =>
        BuildOutboundPutBody(clusterJson, OutboundSource.Ips, publicIpIds, null, null, allocatedOutboundPorts, idleTimeoutInMinutes);

    /// <summary>The PUT body of a managedNATGateway cluster with natGatewayProfile.managedOutboundIPProfile.count (and, when given,
    /// idleTimeoutInMinutes) set; everything else as read, read-only properties (effectiveOutboundIPs included) removed.</summary>
    internal static JsonObject BuildManagedNatGatewayPutBody(JsonObject clusterJson, int count, int? idleTimeoutInMinutes)
    {
        var (body, np) = ReadOnlyFields.ClusterPutBody(clusterJson);
        var ngp = np["natGatewayProfile"] as JsonObject ?? new JsonObject();
        np["natGatewayProfile"] = ngp;
        var managed = ngp["managedOutboundIPProfile"] as JsonObject ?? new JsonObject();
        ngp["managedOutboundIPProfile"] = managed;
        managed["count"] = count;
        if (idleTimeoutInMinutes is int idle) ngp["idleTimeoutInMinutes"] = idle;
        return body;
    }

    /// <summary>The PUT body with exactly one outbound source set (the other two removed): outboundIPs, outboundIPPrefixes or
    /// managedOutboundIPs (count and, when given, countIPv6).</summary>
    internal static JsonObject BuildOutboundPutBody(JsonObject clusterJson, OutboundSource source, IEnumerable<string> ids, int? managedCount, int? managedIpv6Count,
        int? allocatedOutboundPorts, int? idleTimeoutInMinutes)
    {
        var (body, np) = ReadOnlyFields.ClusterPutBody(clusterJson);
        var lbp = np["loadBalancerProfile"] as JsonObject ?? new JsonObject();
        np["loadBalancerProfile"] = lbp;
        // Exactly one source (documented AKS rule, InvalidLoadBalancerProfile otherwise): managed IPs and prefixes go. SetAsync refuses
        // before this on a dual-stack cluster unless IPv6 IPs are among the given ones (managedOutboundIPs.countIPv6 goes with it).
        lbp.Remove("managedOutboundIPs");
        lbp.Remove("outboundIPPrefixes");
        lbp.Remove("outboundIPs");
        var refs = new JsonArray(ids.Select(id => (JsonNode)new JsonObject { ["id"] = id }).ToArray());
        switch (source)
        {
            case OutboundSource.Prefixes: lbp["outboundIPPrefixes"] = new JsonObject { ["publicIPPrefixes"] = refs }; break;
            case OutboundSource.Managed:
                var managed = new JsonObject { ["count"] = managedCount ?? 1 };
                if (managedIpv6Count is int v6) managed["countIPv6"] = v6;
                lbp["managedOutboundIPs"] = managed;
                break;
            default: lbp["outboundIPs"] = new JsonObject { ["publicIPs"] = refs }; break;
        }
        if (allocatedOutboundPorts is int ports) lbp["allocatedOutboundPorts"] = ports;
        if (idleTimeoutInMinutes is int idle) lbp["idleTimeoutInMinutes"] = idle;
        return body;
    }
}

/// <summary>The one outbound IP source a Standard load balancer profile names, or the managed NAT gateway's IP count.</summary>
internal enum OutboundSource { Ips, Prefixes, Managed, ManagedNatGateway }
