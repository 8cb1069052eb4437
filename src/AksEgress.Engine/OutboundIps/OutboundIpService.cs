using System.Text.Json.Nodes;
using Azure.Core;
using AksEgress.Engine.Arm;
using AksEgress.Engine.Clusters;
using AksEgress.Engine.EgressConfig;
using AksEgress.Engine.PublicIps;
using AksEgress.Models;

namespace AksEgress.Engine.OutboundIps;

/// <summary>Set-AksOutboundIp: the public IPs of the load balancer's outbound rule (PUT of the managed cluster).</summary>
internal sealed class OutboundIpService(ClusterService clusters)
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
        if (!model.IsStandard || info.EgressDecidedBy != EgressDecider.LoadBalancerOutboundRule)
        {
            var cfg = await EgressConfigurationService.BuildAsync(s, model, context).ConfigureAwait(false);
            var why = model.IsBasic
                ? "it uses a Basic load balancer, which has no outbound rules: egress is the first LoadBalancer Service's IP. Use Set-AksEgressService instead (and plan the migration to a Standard load balancer)."
                : $"its outboundType is '{info.OutboundType}', so the load balancer's outbound IPs do not decide egress. {cfg.Explanation}";
            throw new AksEgressException(ErrorIds.EgressNotConfigurableHere, EgressErrorCategory.InvalidOperation,
                $"Cluster '{info.ClusterName}' cannot get load-balancer outbound IPs: {why}", info.ClusterId,
                model.IsBasic ? "Run Set-AksEgressService with the IP instead." : "Change egress where it is decided (see Get-AksEgressConfiguration), or switch the cluster to outboundType loadBalancer (az aks update --outbound-type loadBalancer).");
        }

        // Resolve every IP before changing anything.
        var ips = new List<PublicIpModel>();
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

        if (model.IsDualStack && !ips.Any(i => string.Equals(i.IpVersion, "IPv6", StringComparison.OrdinalIgnoreCase)))
            throw new AksEgressException(ErrorIds.PublicIpConflict, EgressErrorCategory.InvalidArgument,
                $"Cluster '{info.ClusterName}' is dual-stack{(model.ManagedOutboundIpv6Count is int v6 && v6 > 0 ? $" ({v6} managed IPv6 outbound IP(s))" : "")}, and outboundIPs replaces managedOutboundIPs as a whole " +
                "(only one of managed IPs, your IPs or prefixes may be set), IPv6 count included: with only IPv4 IPs its IPv6 egress would lose its addresses.", info.ClusterId,
                "Pass IPv6 public IP(s) together with the IPv4 ones (Standard, Static, publicIPAddressVersion IPv6), or keep managed outbound IPs on this cluster.");

        var clusterUri = ArmRest.Url(s, info.ClusterId.Length > 0 ? info.ClusterId : request.Cluster.ToId(sub), ApiVersions.ManagedClusters);
        string[]? previousAddresses = null;
        var confirmed = false;
        for (var attempt = 1; ; attempt++)
        {
            CheckCapacity(model, ips.Count, request.AllocatedOutboundPorts ?? model.AllocatedOutboundPorts);
            var previous = await PublicIpReader.ResolveAsync(s, model.EffectiveOutboundIpIds, context, ips).ConfigureAwait(false);
            previousAddresses ??= previous.Where(p => p.IpAddress is not null).Select(p => p.IpAddress!).ToArray();
            var change = PlannedChange.Of(model, ips, request.AllocatedOutboundPorts, request.IdleTimeoutInMinutes);
            if (change.IsEmpty)
            {
                context.WriteVerbose($"Cluster {info.ClusterName} already uses exactly these outbound IPs: nothing to change");
                return Result("Unchanged", model, ips.Select(i => i.IpAddress!).ToArray());
            }
            // Best effort, once, before the question and the PUT (not when nothing changes): the CLUSTER identity must be
            // allowed to use IPs outside its node resource group; a missing right is a warning, Azure accepts the update anyway.
            if (attempt == 1) await ClusterIdentityRoleCheck.CheckAsync(s, raw0!, info, ips, context).ConfigureAwait(false);
            // Asked once: a retry after a concurrent change re-applies the same change the user confirmed.
            if (!confirmed && !context.ShouldProcess(info.ClusterId, change.Describe(info.ClusterName, previousAddresses)))
                return null;
            confirmed = true;

            var body = BuildOutboundIpPutBody(raw0!, ips.Select(i => i.Id), request.AllocatedOutboundPorts, request.IdleTimeoutInMinutes);
            var etag = ManagedClusterModel.Str(raw0, "eTag");
            var scope = new ErrorScope(ArmTargetKind.Cluster, info.ClusterId) { ClusterName = info.ClusterName, ResourceGroupName = info.ResourceGroupName };
            context.WriteVerbose($"PUT cluster {info.ResourceGroupName}/{info.ClusterName} with outboundIPs {string.Join(", ", ips.Select(i => i.Id))}" +
                                 $"{(request.AllocatedOutboundPorts is null ? "" : $", allocatedOutboundPorts {request.AllocatedOutboundPorts}")}{(request.IdleTimeoutInMinutes is null ? "" : $", idleTimeoutInMinutes {request.IdleTimeoutInMinutes}")}" +
                                 $"{(etag is null ? " (no eTag: unconditional)" : $" (If-Match {etag})")}");
            s.ClusterCache.Remove(ClusterService.ClusterKey(sub, request.Cluster));
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
            var now = await PublicIpReader.ResolveAsync(s, after.EffectiveOutboundIpIds, context, ips).ConfigureAwait(false);
            var addresses = now.Where(p => p.IpAddress is not null).Select(p => p.IpAddress!).ToArray();
            context.WriteVerbose($"Cluster {info.ClusterName} egress is now {string.Join(", ", addresses)} (was {string.Join(", ", previousAddresses)})");
            return Result("Updated", after, addresses);
        }

        OutboundIpAssignment Result(string action, ManagedClusterModel m, string[] addresses) => new()
        {
            SubscriptionId = sub, ResourceGroupName = info.ResourceGroupName, ClusterName = info.ClusterName, ClusterId = info.ClusterId,
            PublicIpId = ips.Select(i => i.Id).ToArray(), EgressIpAddress = addresses,
            AllocatedOutboundPorts = m.AllocatedOutboundPorts, IdleTimeoutInMinutes = m.IdleTimeoutInMinutes,
            Action = action, PreviousEgressIpAddress = previousAddresses ?? Array.Empty<string>(),
        };
    }

    /// <summary>
    /// PublicIpInUse before the PUT when the IP already serves something else: a NAT gateway, or a load balancer that is not
    /// this cluster's (another cluster's outbound IP or Service IP), naming the IP and, when it can be found, the cluster.
    /// </summary>
    private async Task RefuseIfUsedElsewhereAsync(PublicIpModel ip, AksNodeResourceGroup info, IOperationContext context)
    {
        string? what = null;
        if (ip.NatGatewayId is { } nat) what = $"it is attached to NAT gateway '{nat.Split('/').Last()}'";
        else if (ip.IpConfigurationId is { } cfg && ArmErrorMapper.ResourceGroupIdOf(cfg) is { } lbRg
                 && !lbRg.EndsWith("/resourceGroups/" + info.NodeResourceGroup, StringComparison.OrdinalIgnoreCase))
        {
            var users = await clusters.ClustersUsingOutboundIpAsync(ip.Id, context).ConfigureAwait(false);
            var other = users?.FirstOrDefault(u => !ResourceIdParser.SameId(u.Info.ClusterId, info.ClusterId));
            var lbGroup = lbRg.Split('/').Last();
            what = other is not null
                ? $"it is an outbound IP of cluster '{other.Info.ResourceGroupName}/{other.Info.ClusterName}'"
                : $"it is a frontend of a load balancer in resource group '{lbGroup}' (another cluster's outbound IP or LoadBalancer Service IP), not of cluster '{info.ClusterName}'";
        }
        if (what is null) return;
        throw new AksEgressException(ErrorIds.PublicIpInUse, EgressErrorCategory.InvalidOperation,
            $"Public IP '{ip.ResourceGroupName}/{ip.Name}' ({ip.IpAddress}) cannot become an outbound IP of cluster '{info.ClusterName}': {what}. A public IP serves one load balancer or NAT gateway at a time.", ip.Id,
            "Use another IP (New-AksEgressIp), or detach this one first (Set-AksOutboundIp on the other cluster, or Remove-AksEgressService).");
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
    internal static JsonObject BuildOutboundIpPutBody(JsonObject clusterJson, IEnumerable<string> publicIpIds, int? allocatedOutboundPorts, int? idleTimeoutInMinutes)
    {
        var body = (JsonObject)clusterJson.DeepClone();
        ReadOnlyFields.Strip(body, ReadOnlyFields.ManagedCluster);
        var props = body["properties"] as JsonObject ?? new JsonObject();
        body["properties"] = props;
        var np = props["networkProfile"] as JsonObject ?? new JsonObject();
        props["networkProfile"] = np;
        var lbp = np["loadBalancerProfile"] as JsonObject ?? new JsonObject();
        np["loadBalancerProfile"] = lbp;
        // Exactly one source (documented AKS rule, InvalidLoadBalancerProfile otherwise): managed IPs and prefixes go. SetAsync refuses
        // before this on a dual-stack cluster unless IPv6 IPs are among the given ones (managedOutboundIPs.countIPv6 goes with it).
        lbp.Remove("managedOutboundIPs");
        lbp.Remove("outboundIPPrefixes");
        lbp["outboundIPs"] = new JsonObject { ["publicIPs"] = new JsonArray(publicIpIds.Select(id => (JsonNode)new JsonObject { ["id"] = id }).ToArray()) };
        if (allocatedOutboundPorts is int ports) lbp["allocatedOutboundPorts"] = ports;
        if (idleTimeoutInMinutes is int idle) lbp["idleTimeoutInMinutes"] = idle;
        return body;
    }
}
