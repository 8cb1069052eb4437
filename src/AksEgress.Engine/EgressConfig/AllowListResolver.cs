using System.Text.RegularExpressions;
using AksEgress.Engine.PublicIps;

namespace AksEgress.Engine.EgressConfig;

/// <summary>
/// Resolves what a partner must allowlist, per node pool, following Azure's outbound precedence (see
/// <see cref="EgressClassifier.ClassifyPool"/>): the pool's subnet (its pod subnet when set) → route table → the route to the
/// internet → an Azure Firewall's public IPs (or the NAT gateway on AzureFirewallSubnet); else the subnet's NAT gateway → its
/// IPs and prefixes; else node public IPs (the prefix, or each node's address from the pool's scale set); else the load balancer / managed NAT gateway. Point reads only; a firewall is found
/// by its private IP through the VNet's peerings (GET of each peered VNet and its AzureFirewallSubnet), and only when that
/// finds nothing (Virtual WAN secured hubs) by one Azure Resource Graph query over the subscriptions seen (<see cref="FirewallGraphQuery"/>). A resource the
/// caller may not read makes the result Partial with a warning that names it and the missing action; it never fails the cmdlet.
/// </summary>
internal sealed class AllowListResolver(ArmSession s, IOperationContext context, string clusterSubscription,
    IReadOnlyCollection<EgressIpReference>? known = null)
{
    internal sealed record PoolResult(string Pool, EgressDecider DecidedBy, List<string> Addresses, List<string> Prefixes, EgressResolution Resolution, string? Note)
    {
        public IEnumerable<string> AllowList => Addresses.Select(Contract.Cidr.ForAddress).Concat(Prefixes).Distinct(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>A representative internet destination for the longest-prefix route lookup (partners are on the internet).</summary>
    private const string InternetProbe = "104.16.0.1";
    private static readonly Regex SubnetIdRx = new(@"^(?<vnet>/subscriptions/(?<sub>[^/]+)/resourceGroups/(?<rg>[^/]+)/providers/Microsoft\.Network/virtualNetworks/[^/]+)/subnets/[^/]+$", RegexOptions.IgnoreCase);
    private static readonly Regex FirewallInIdRx = new(@"^(?<fw>/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/azureFirewalls/[^/]+)/", RegexOptions.IgnoreCase);
    private static readonly Regex ActionRx = new(@"perform action '(?<a>[^']+)'", RegexOptions.IgnoreCase);

    private readonly Dictionary<string, JsonObject?> _cache = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Resolves every pool; the load balancer's / managed NAT gateway's public IP ids are <paramref name="clusterIpIds"/>.</summary>
    public async Task<IReadOnlyList<PoolResult>> ResolveAsync(ManagedClusterModel model, IReadOnlyList<string> clusterIpIds)
    {
        var pools = model.AgentPools.Count > 0 ? model.AgentPools : [new AgentPoolModel("", 0, null)];
        var results = new List<PoolResult>();
        foreach (var pool in pools) results.Add(await ResolvePoolAsync(model, pool, clusterIpIds).ConfigureAwait(false));
        return results;
    }

    private async Task<PoolResult> ResolvePoolAsync(ManagedClusterModel model, AgentPoolModel pool, IReadOnlyList<string> clusterIpIds)
    {
        var cluster = model.Info.EgressDecidedBy;
        var name = pool.Name;
        switch (cluster)
        {
            case EgressDecider.Block:
                return new(name, cluster, [], [], EgressResolution.Exact, "outboundType block: AKS blocks internet egress; there is nothing to allowlist.");
            case EgressDecider.None:
                return new(name, cluster, [], [], EgressResolution.Unresolvable,
                    "outboundType none: AKS sets up no egress path; whatever you built (a NAT gateway, firewall or proxy outside AKS's view) decides the address.");
            case EgressDecider.BasicLoadBalancerFrontend:
                return new(name, cluster, [], [], EgressResolution.Unresolvable,
                    "Basic load balancer: the first LoadBalancer Service's frontend IP decides egress, which ARM does not say; pin it with Set-AksEgressService.");
            case EgressDecider.Unknown:
                return new(name, cluster, [], [], EgressResolution.Unresolvable, $"Unknown outbound type '{model.Info.OutboundType}'.");
        }

        var subnetId = pool.PodSubnetId ?? pool.VnetSubnetId;
        JsonObject? subnet = null;
        if (subnetId is not null)
        {
            subnet = await GetAsync(subnetId, "subnet", Arm.ApiVersions.Network).ConfigureAwait(false);
            if (subnet is null) return Unreadable(name, cluster, subnetId);
        }
        var subnetProps = subnet?["properties"] as JsonObject;

        // 1. the route to the internet
        string? hop = null, hopIp = null;
        if (ManagedClusterModel.Str(subnetProps?["routeTable"], "id") is { } rtId)
        {
            var rt = await GetAsync(rtId, "route table", Arm.ApiVersions.Network).ConfigureAwait(false);
            if (rt is null) return Unreadable(name, EgressDecider.UserDefinedRouting, rtId);
            var route = (rt["properties"]?["routes"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
                .Select(r => r["properties"] as JsonObject).Where(p => p is not null && ManagedClusterModel.Str(p, "addressPrefix") is { } ap && Contract.Cidr.Contains(ap, InternetProbe))
                .OrderByDescending(p => Contract.Cidr.TryParse(ManagedClusterModel.Str(p, "addressPrefix"), out _, out var len) ? len : -1)
                .FirstOrDefault();
            hop = ManagedClusterModel.Str(route, "nextHopType");
            hopIp = ManagedClusterModel.Str(route, "nextHopIpAddress");
        }
        var natId = ManagedClusterModel.Str(subnetProps?["natGateway"], "id");
        var decided = EgressClassifier.ClassifyPool(cluster, hop, natId is not null, pool.EnableNodePublicIp);
        context.WriteVerbose($"node pool {name}: subnet {subnetId ?? "(AKS-managed)"}, route to internet {hop ?? "(none)"}, NAT gateway {natId ?? "(none)"} → {decided}");

        switch (decided)
        {
            case EgressDecider.UserDefinedRouting:
                return hop switch
                {
                    null => new(name, decided, [], [], EgressResolution.Unresolvable, subnetId is null
                        ? "userDefinedRouting, but the node pool has no vnetSubnetID: AksEgress cannot see the route table."
                        : "userDefinedRouting, but the subnet has no route table with a route to the internet; BGP routes (ExpressRoute, VPN, Virtual WAN) are not visible in ARM's route table."),
                    _ when hop.Equals("VirtualAppliance", StringComparison.OrdinalIgnoreCase) => await ViaApplianceAsync(name, subnetId!, hopIp).ConfigureAwait(false),
                    _ when hop.Equals("None", StringComparison.OrdinalIgnoreCase) =>
                        new(name, decided, [], [], EgressResolution.Exact, "The subnet's route to the internet has next hop None: internet traffic is dropped; there is nothing to allowlist."),
                    _ when hop.Equals("VirtualNetworkGateway", StringComparison.OrdinalIgnoreCase) =>
                        new(name, decided, [], [], EgressResolution.Unresolvable, "The subnet's route to the internet goes to the virtual network gateway (forced tunnelling on-premises): your on-premises egress decides the address, Azure does not know it."),
                    _ => new(name, decided, [], [], EgressResolution.Unresolvable, $"The subnet's route to the internet has next hop {hop}: AksEgress cannot tell which public address that uses."),
                };
            case EgressDecider.NatGateway when natId is not null:
                return await ViaNatGatewayAsync(name, decided, natId, null).ConfigureAwait(false);
            case EgressDecider.NatGateway when model.Info.OutboundType.Equals("userAssignedNATGateway", StringComparison.OrdinalIgnoreCase):
                return new(name, decided, [], [], EgressResolution.Unresolvable, subnetId is null
                    ? "userAssignedNATGateway, but the node pool has no vnetSubnetID."
                    : $"userAssignedNATGateway, but subnet {subnetId} has no NAT gateway (a NAT gateway associated with the whole virtual network is not read yet).");
            case EgressDecider.NodePublicIp:
                if (pool.NodePublicIpPrefixId is { } npp)
                {
                    var prefix = await PrefixAsync(npp).ConfigureAwait(false);
                    return prefix is null ? Unreadable(name, decided, npp) : new(name, decided, [], [prefix], EgressResolution.Exact, null);
                }
                return await ViaNodePublicIpsAsync(model.Info, name).ConfigureAwait(false);
        }

        // The cluster's own path: the load balancer's effective outbound IPs (or prefixes), or the managed NAT gateway's IPs.
        var addrs = new List<string>(); var prefixes = new List<string>(); var partial = new List<string>();
        foreach (var id in clusterIpIds)
        {
            if (id.Contains("/publicIPPrefixes/", StringComparison.OrdinalIgnoreCase))
            {
                var p = await PrefixAsync(id).ConfigureAwait(false);
                if (p is null) partial.Add(id); else prefixes.Add(p);
                continue;
            }
            var a = await AddressAsync(id).ConfigureAwait(false);
            if (a is null) partial.Add(id); else addrs.Add(a);
        }
        return Result(name, decided, addrs, prefixes, partial);
    }

    private async Task<PoolResult> ViaApplianceAsync(string pool, string subnetId, string? applianceIp)
    {
        const EgressDecider d = EgressDecider.UserDefinedRouting;
        if (applianceIp is null) return new(pool, d, [], [], EgressResolution.Unresolvable, "The route to the internet goes to a virtual appliance without a next hop address.");
        var lookup = await FindFirewallAsync(subnetId, applianceIp).ConfigureAwait(false);
        var fw = lookup.Firewall;
        if (lookup.QueryFailed)
            return new(pool, d, [], [], EgressResolution.Partial,
                $"The route to the internet goes to the virtual appliance {applianceIp}; Azure Resource Graph could not be queried (see the warning), so whether it is an Azure Firewall, and its public addresses, are not in AllowList.");
        if (lookup.Ambiguous is { } several)
            return new(pool, d, [], [], EgressResolution.Unresolvable,
                $"The route to the internet goes to {applianceIp}, and {several.Count} Azure Firewalls have that private address ({string.Join(", ", several)}): AksEgress cannot tell which one the route reaches; allowlist the public addresses of the one in the hub this virtual network is connected to.");
        if (fw is null)
            return new(pool, d, [], [], EgressResolution.Unresolvable,
                $"The route to the internet goes to the virtual appliance {applianceIp}, which is not an Azure Firewall this account can read (a third-party appliance, or a firewall in a subscription it cannot see): allowlist the public addresses that appliance uses.");
        var props = fw["properties"] as JsonObject;
        var fwName = ManagedClusterModel.Str(fw, "name");
        if (props?["hubIPAddresses"] is JsonObject hub)
        {
            var hubAddrs = (hub["publicIPs"]?["addresses"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
                .Select(a => ManagedClusterModel.Str(a, "address")).Where(a => a is not null).Select(a => a!).ToList();
            context.WriteVerbose($"{applianceIp} is the secured-hub firewall {fwName}: it SNATs to any of its {hubAddrs.Count} public address(es)");
            return new(pool, d, hubAddrs, [], hubAddrs.Count > 0 ? EgressResolution.Exact : EgressResolution.Unresolvable,
                hubAddrs.Count > 0 ? $"Azure Firewall {fwName} (secured hub) SNATs to any of its public addresses." : $"Azure Firewall {fwName} lists no public addresses.");
        }
        var configs = (props?["ipConfigurations"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().ToList();
        // A NAT gateway on AzureFirewallSubnet takes all of the firewall's internet traffic.
        var fwSubnetId = configs.Select(c => ManagedClusterModel.Str(c["properties"]?["subnet"], "id")).FirstOrDefault(x => x is not null);
        if (fwSubnetId is not null)
        {
            var fwSubnet = await GetAsync(fwSubnetId, "subnet", Arm.ApiVersions.Network).ConfigureAwait(false);
            if (fwSubnet is null) return Unreadable(pool, d, fwSubnetId);
            if (ManagedClusterModel.Str(fwSubnet["properties"]?["natGateway"], "id") is { } fwNat)
            {
                context.WriteVerbose($"{applianceIp} is the Azure Firewall {fwName}; the NAT gateway on its subnet takes its internet traffic");
                return await ViaNatGatewayAsync(pool, d, fwNat, $"Azure Firewall {fwName} sends internet traffic through the NAT gateway on AzureFirewallSubnet.").ConfigureAwait(false);
            }
        }
        // managementIpConfiguration (forced tunnelling) is not a SNAT address of workload traffic: only ipConfigurations count.
        var addrs = new List<string>(); var partial = new List<string>();
        foreach (var pipId in configs.Select(c => ManagedClusterModel.Str(c["properties"]?["publicIPAddress"], "id")).Where(x => x is not null).Select(x => x!))
        {
            var a = await AddressAsync(pipId).ConfigureAwait(false);
            if (a is null) partial.Add(pipId); else addrs.Add(a);
        }
        context.WriteVerbose($"{applianceIp} is the Azure Firewall {fwName}: it SNATs to any of its {addrs.Count} public IP(s)");
        var r = Result(pool, d, addrs, [], partial);
        return r.Resolution == EgressResolution.Exact ? r with { Note = $"Azure Firewall {fwName} SNATs each connection to any of its public IPs." } : r;
    }

    /// <summary>
    /// Node public IPs without a prefix: the pool's scale set in the node resource group (one Compute list of the group's scale
    /// sets, matched by AKS's aks-managed-poolName tag or the aks-{pool}-{n}-vmss name), then its instance public IPs (one Network
    /// RP list, api-version 2017-03-30, the only one the spec defines for it). Always Partial: the list is today's nodes, and a
    /// node added by the autoscaler or replaced by an upgrade or reimage egresses from an address that is not in it.
    /// </summary>
    private async Task<PoolResult> ViaNodePublicIpsAsync(AksNodeResourceGroup info, string pool)
    {
        const EgressDecider d = EgressDecider.NodePublicIp;
        const string unstable = "a node added by scaling or replaced by an upgrade or reimage gets a new address that is not in this list. Create the pool with a nodePublicIPPrefixID for a range that stays.";
        var groupPath = $"/subscriptions/{info.SubscriptionId}/resourceGroups/{info.NodeResourceGroup}/providers/Microsoft.Compute/virtualMachineScaleSets";
        context.WriteVerbose($"node pool {pool}: node public IPs without a prefix; GET the scale sets of {info.NodeResourceGroup} to find the pool's, then its instance public IPs");
        var sets = await ListAsync(groupPath, "scale sets", Arm.ApiVersions.ComputeVmss).ConfigureAwait(false);
        if (sets is null) return Unreadable(pool, d, groupPath);
        var vmss = sets.FirstOrDefault(v => string.Equals(ManagedClusterModel.Str(v["tags"], "aks-managed-poolName"), pool, StringComparison.OrdinalIgnoreCase))
                   ?? sets.FirstOrDefault(v => ManagedClusterModel.Str(v, "name") is { } n && Regex.IsMatch(n, $"^aks-{Regex.Escape(pool)}-[0-9]+-vmss$", RegexOptions.IgnoreCase));
        if (ManagedClusterModel.Str(vmss, "id") is not { } vmssId)
            return new(pool, d, [], [], EgressResolution.Partial,
                $"Each node of pool {pool} has its own public IP, but no scale set of that pool is in {info.NodeResourceGroup} (a VirtualMachines or AvailabilitySet pool?), so they are not listed; {unstable}");
        var pips = await ListAsync(vmssId + "/publicipaddresses", "instance public IPs of scale set", Arm.ApiVersions.VmssPublicIps).ConfigureAwait(false);
        if (pips is null) return Unreadable(pool, d, vmssId + "/publicipaddresses");
        var addrs = pips.Select(p => ManagedClusterModel.Str(p["properties"], "ipAddress")).Where(a => a is not null).Select(a => a!).Distinct().ToList();
        context.WriteVerbose($"node pool {pool}: {addrs.Count} node public IP(s) on scale set {ManagedClusterModel.Str(vmss, "name")}");
        return new(pool, d, addrs, [], EgressResolution.Partial,
            $"Each node of pool {pool} egresses from its own public IP: these are today's {addrs.Count} address(es) of scale set {ManagedClusterModel.Str(vmss, "name")}; {unstable}");
    }

    private async Task<PoolResult> ViaNatGatewayAsync(string pool, EgressDecider d, string natId, string? note)
    {
        var ng = await GetAsync(natId, "NAT gateway", Arm.ApiVersions.Network).ConfigureAwait(false);
        if (ng is null) return Unreadable(pool, d, natId);
        var props = ng["properties"] as JsonObject;
        var addrs = new List<string>(); var prefixes = new List<string>(); var partial = new List<string>();
        foreach (var id in ManagedClusterModel.Ids(props?["publicIpAddresses"]).Concat(ManagedClusterModel.Ids(props?["publicIpAddressesV6"])))
        {
            var a = await AddressAsync(id).ConfigureAwait(false);
            if (a is null) partial.Add(id); else addrs.Add(a);
        }
        foreach (var id in ManagedClusterModel.Ids(props?["publicIpPrefixes"]).Concat(ManagedClusterModel.Ids(props?["publicIpPrefixesV6"])))
        {
            var p = await PrefixAsync(id).ConfigureAwait(false);
            if (p is null) partial.Add(id); else prefixes.Add(p);
        }
        var r = Result(pool, d, addrs, prefixes, partial);
        return r.Resolution == EgressResolution.Exact && note is not null ? r with { Note = note } : r;
    }

    private static PoolResult Result(string pool, EgressDecider d, List<string> addrs, List<string> prefixes, List<string> unreadable) =>
        unreadable.Count == 0
            ? new(pool, d, addrs, prefixes, EgressResolution.Exact, null)
            : new(pool, d, addrs, prefixes, EgressResolution.Partial, $"Not readable, so not in AllowList: {string.Join(", ", unreadable)} (see the warnings).");

    private static PoolResult Unreadable(string pool, EgressDecider d, string id) =>
        new(pool, d, [], [], EgressResolution.Partial, $"{id} could not be read (see the warning), so what it decides is not in AllowList.");

    // ------------------------------------------------------------------ finding a firewall by its private IP

    /// <summary>What the search for the firewall behind a next-hop address found: the firewall, or why not.</summary>
    private sealed record FirewallLookup(JsonObject? Firewall, bool QueryFailed = false, IReadOnlyList<string>? Ambiguous = null);

    private async Task<FirewallLookup> FindFirewallAsync(string subnetId, string privateIp)
    {
        var m = SubnetIdRx.Match(subnetId);
        var subscriptions = new List<string> { clusterSubscription };
        if (m.Success)
        {
            if (!subscriptions.Contains(m.Groups["sub"].Value, StringComparer.OrdinalIgnoreCase)) subscriptions.Add(m.Groups["sub"].Value);
            var vnet = await GetAsync(m.Groups["vnet"].Value, "virtual network", Arm.ApiVersions.Network).ConfigureAwait(false);
            foreach (var peer in (vnet?["properties"]?["virtualNetworkPeerings"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
            {
                var remoteId = ManagedClusterModel.Str(peer["properties"]?["remoteVirtualNetwork"], "id");
                if (remoteId is null) continue;
                if (ResourceIdParser.TryParse(remoteId, out var rp) && !subscriptions.Contains(rp!.SubscriptionId, StringComparer.OrdinalIgnoreCase)) subscriptions.Add(rp.SubscriptionId);
                var remote = await GetAsync(remoteId, "peered virtual network", Arm.ApiVersions.Network).ConfigureAwait(false);
                foreach (var sn in (remote?["properties"]?["subnets"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
                {
                    var p = sn["properties"] as JsonObject;
                    var prefixes = (p?["addressPrefixes"] as JsonArray)?.Select(x => x?.ToString()).Append(ManagedClusterModel.Str(p, "addressPrefix"))
                                   ?? new[] { ManagedClusterModel.Str(p, "addressPrefix") };
                    if (!prefixes.Any(px => px is not null && Contract.Cidr.Contains(px, privateIp))) continue;
                    foreach (var ipc in ManagedClusterModel.Ids(p?["ipConfigurations"]))
                    {
                        var fm = FirewallInIdRx.Match(ipc);
                        if (!fm.Success) continue;
                        var fw = await GetAsync(fm.Groups["fw"].Value, "Azure Firewall", Arm.ApiVersions.Network).ConfigureAwait(false);
                        if (fw is not null && HasPrivateIp(fw, privateIp)) return new(fw);
                    }
                }
            }
        }
        // Not behind a readable peering (a Virtual WAN secured hub, whose virtual network is Microsoft's): one Azure Resource
        // Graph query over the subscriptions seen so far, filtered in the service to that private address; never a listing.
        var ids = await QueryFirewallIdsAsync(subscriptions, privateIp).ConfigureAwait(false);
        if (ids is null) return new(null, QueryFailed: true);
        var found = new List<JsonObject>();
        foreach (var id in ids.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var fw = await GetAsync(id, "Azure Firewall", Arm.ApiVersions.Network).ConfigureAwait(false);
            if (fw is not null && HasPrivateIp(fw, privateIp)) found.Add(fw);
        }
        return found.Count switch
        {
            0 => new(null),
            1 => new(found[0]),
            _ => new(null, Ambiguous: found.Select(f => ManagedClusterModel.Str(f, "id") ?? "?").ToList()),
        };
    }

    private static bool HasPrivateIp(JsonObject fw, string ip)
    {
        var props = fw["properties"] as JsonObject;
        if (string.Equals(ManagedClusterModel.Str(props?["hubIPAddresses"], "privateIPAddress"), ip, StringComparison.OrdinalIgnoreCase)) return true;
        return (props?["ipConfigurations"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
            .Any(c => string.Equals(ManagedClusterModel.Str(c["properties"], "privateIPAddress"), ip, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// The ids of the firewalls with that private address, from Azure Resource Graph (every page, following $skipToken); null when
    /// the query was refused (a warning names the action and the scope).
    /// </summary>
    private async Task<IReadOnlyList<string>?> QueryFirewallIdsAsync(IReadOnlyList<string> subscriptions, string privateIp)
    {
        var query = FirewallGraphQuery.Query(privateIp);
        var scope = string.Join(", ", subscriptions.Select(x => "/subscriptions/" + x));
        context.WriteVerbose($"POST Azure Resource Graph over {scope}: the Azure Firewall whose private address is {privateIp} (the route's next hop is in no readable peered " +
                             $"virtual network, e.g. a Virtual WAN secured hub), one query filtered in the service instead of listing firewalls: {query}");
        var ids = new List<string>();
        string? token = null;
        try
        {
            do
            {
                var r = await ArmRest.SendCheckedAsync(s, RequestMethod.Post, ArmRest.Url(s, FirewallGraphQuery.Path, Arm.ApiVersions.ResourceGraph),
                    FirewallGraphQuery.Body(subscriptions, query, token), context, new ErrorScope(ArmTargetKind.Other, FirewallGraphQuery.Path)).ConfigureAwait(false);
                var page = FirewallGraphQuery.Parse(r?.Json);
                ids.AddRange(page.Ids);
                token = page.SkipToken;
                if (page.Truncated && token is null)
                    context.WriteWarning($"Azure Resource Graph truncated its answer for the firewall with private address {privateIp}; firewalls beyond it were not considered.");
            }
            while (token is not null);
        }
        catch (AksEgressException e) when (e.Category is EgressErrorCategory.PermissionDenied or EgressErrorCategory.ObjectNotFound)
        {
            context.WriteWarning($"Cannot query Azure Resource Graph over {scope}: this account lacks '{FirewallGraphQuery.Action}' there ({e.Message}). " +
                                 $"The AllowList is Partial; grant Reader (or that action) on those subscriptions, or ask who runs the appliance {privateIp} for its public addresses.");
            return null;
        }
        context.WriteVerbose($"Azure Resource Graph: {ids.Count} Azure Firewall(s) with private address {privateIp}");
        return ids;
    }

    // ------------------------------------------------------------------ reads

    private async Task<string?> AddressAsync(string publicIpId)
    {
        // Public IPs the caller already read (the load balancer's / managed NAT gateway's) are not read twice.
        if (known?.FirstOrDefault(k => ResourceIdParser.SameId(k.Id, PublicIpReader.NormaliseId(publicIpId))) is { } k) return k.IpAddress;
        var ip = await GetAsync(publicIpId, "public IP", Arm.ApiVersions.Network).ConfigureAwait(false);
        return ManagedClusterModel.Str(ip?["properties"], "ipAddress");
    }

    private async Task<string?> PrefixAsync(string prefixId)
    {
        var p = await GetAsync(prefixId, "public IP prefix", Arm.ApiVersions.Network).ConfigureAwait(false);
        return ManagedClusterModel.Str(p?["properties"], "ipPrefix");
    }

    /// <summary>GET of a list, following nextLink; null when it is missing or unreadable (with a warning naming it and the missing action).</summary>
    private async Task<List<JsonObject>?> ListAsync(string path, string what, string apiVersion)
    {
        var list = new List<JsonObject>();
        context.WriteVerbose($"GET {what} {path}");
        Uri? next = ArmRest.Url(s, path, apiVersion);
        try
        {
            while (next is not null)
            {
                var r = await ArmRest.SendCheckedAsync(s, RequestMethod.Get, next, null, context, new ErrorScope(ArmTargetKind.Other, path), allow404: true).ConfigureAwait(false);
                if (r is null) { context.WriteWarning($"The {what} {path} was not found; egress through it is not in AllowList."); return null; }
                var body = r.Json as JsonObject;
                list.AddRange((body?["value"] as JsonArray ?? new JsonArray()).OfType<JsonObject>());
                next = ManagedClusterModel.Str(body, "nextLink") is { } nl ? new Uri(nl) : null;
            }
        }
        catch (AksEgressException e) when (e.Category is EgressErrorCategory.PermissionDenied or EgressErrorCategory.ObjectNotFound)
        {
            Warn(path, e);
            return null;
        }
        return list;
    }

    /// <summary>GET of one resource (cached per resolution); null when it is missing or unreadable (with a warning naming it and the missing action).</summary>
    private async Task<JsonObject?> GetAsync(string id, string what, string apiVersion)
    {
        if (_cache.TryGetValue(id, out var cached)) return cached;
        JsonObject? body = null;
        context.WriteVerbose($"GET {what} {id}");
        try
        {
            var r = await ArmRest.SendCheckedAsync(s, RequestMethod.Get, ArmRest.Url(s, id, apiVersion), null, context,
                new ErrorScope(ArmTargetKind.Other, id), allow404: true).ConfigureAwait(false);
            body = r?.Json as JsonObject;
            if (r is null) context.WriteWarning($"The {what} {id} was not found; egress through it is not in AllowList.");
        }
        catch (AksEgressException e) when (e.Category is EgressErrorCategory.PermissionDenied or EgressErrorCategory.ObjectNotFound)
        {
            Warn(id, e);
        }
        _cache[id] = body;
        return body;
    }

    private void Warn(string id, AksEgressException e)
    {
        var action = ActionRx.Match(e.Message) is { Success: true } m ? m.Groups["a"].Value : null;
        context.WriteWarning(action is not null
            ? $"Cannot read {id}: this account lacks '{action}' there. The AllowList is Partial; grant Reader (or that action) on it, or ask its owner for its egress addresses."
            : $"Cannot read {id}: {e.Message} The AllowList is Partial.");
    }
}
