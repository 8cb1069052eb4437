namespace AksEgress.Emulator;

public sealed partial class EmulatorWorld
{
    // ------------------------------------------------------------------ seeded network topology per egress path (issue 11)

    /// <summary>
    /// The network behind each seeded cluster whose egress is not decided by AKS alone. Caller holds Sync.
    /// udr: aks-vnet/aks-subnet (demo-rg) → route table aks-udr (0.0.0.0/0 → VirtualAppliance 10.1.0.4) → the classic firewall
    /// hub-fw in the peered hub-vnet, which SNATs to fw-egress-ip. uanat: its subnet's NAT gateway with two IPs and a /30 prefix.
    /// udr-hub: a route to a Virtual WAN secured-hub firewall (two public addresses, literal). nodepip: a second pool with node
    /// public IPs from a prefix, and a third pool (pubnopfx) with node public IPs without a prefix; nodepip is
    /// dual-stack (one managed IPv4 and one managed IPv6 outbound IP).
    /// </summary>
    private void SeedNetwork(Cluster c)
    {
        var pools = (JsonArray)JsonUtil.Obj(c.Body, "properties")["agentPoolProfiles"]!;
        var pool1 = (JsonObject)pools[0]!;
        switch (c.Name)
        {
            case "udr":
            {
                var hub = new VirtualNetwork { ResourceGroup = "demo-rg", Name = "hub-vnet", AddressPrefix = "10.1.0.0/16" };
                var fwSubnet = new Subnet { Name = "AzureFirewallSubnet", AddressPrefix = "10.1.0.0/26" };
                hub.Subnets.Add(fwSubnet);
                var fw = new AzureFirewall { ResourceGroup = "demo-rg", Name = "hub-fw" };
                fw.IpConfigurations.Add(new FirewallIpConfiguration("fw-ipconfig", "10.1.0.4", hub.SubnetId(SubscriptionId, fwSubnet.Name), GetPublicIpId("demo-rg", "fw-egress-ip")));
                fwSubnet.IpConfigurationIds.Add(fw.IpConfigId(SubscriptionId, "fw-ipconfig"));
                PublicIps[RgKey("demo-rg", "fw-egress-ip")].IpConfigurationId = fw.IpConfigId(SubscriptionId, "fw-ipconfig");
                Firewalls[RgKey(fw.ResourceGroup, fw.Name)] = fw;
                var spoke = AddSpoke(c, "demo-rg", "aks-vnet", "10.224.0.0/12", "aks-subnet", "10.224.0.0/16", "aks-udr",
                    new RouteEntry("default-to-firewall", "0.0.0.0/0", "VirtualAppliance", "10.1.0.4"));
                spoke.PeeredVnetIds.Add(hub.Id(SubscriptionId));
                hub.PeeredVnetIds.Add(spoke.Id(SubscriptionId));
                VirtualNetworks[RgKey(hub.ResourceGroup, hub.Name)] = hub;
                pool1["vnetSubnetID"] = spoke.SubnetId(SubscriptionId, "aks-subnet");
                break;
            }
            case "udr-hub":
            {
                var fw = new AzureFirewall { ResourceGroup = "paths-rg", Name = "secured-hub-fw", Hub = true, HubPrivateIpAddress = "10.100.0.132" };
                fw.HubPublicAddresses.Add(AllocateAddress());
                fw.HubPublicAddresses.Add(AllocateAddress());
                fw.VirtualHubId = $"/subscriptions/{SubscriptionId}/resourceGroups/paths-rg/providers/Microsoft.Network/virtualHubs/hub-eastus";
                Firewalls[RgKey(fw.ResourceGroup, fw.Name)] = fw;
                var spoke = AddSpoke(c, "paths-rg", "spoke-vnet", "10.30.0.0/16", "nodes", "10.30.0.0/20", "spoke-udr",
                    new RouteEntry("default-to-hub", "0.0.0.0/0", "VirtualAppliance", "10.100.0.132"));
                pool1["vnetSubnetID"] = spoke.SubnetId(SubscriptionId, "nodes");
                break;
            }
            case "uanat":
            {
                var vnet = AddSpoke(c, "paths-rg", "uanat-vnet", "10.20.0.0/16", "nodes", "10.20.0.0/22", null, null);
                var ng = new NatGateway { ResourceGroup = "paths-rg", Name = "uanat-natgw" };
                foreach (var n in new[] { "uanat-ip-1", "uanat-ip-2" })
                {
                    var pip = new PublicIp { ResourceGroup = "paths-rg", Name = n, Address = AllocateAddress() };
                    PublicIps[RgKey(pip.ResourceGroup, pip.Name)] = pip;
                    ng.PublicIpIds.Add(pip.Id(SubscriptionId));
                }
                var prefix = new PublicIpPrefix { ResourceGroup = "paths-rg", Name = "uanat-prefix", IpPrefix = "192.0.2.0/30", NatGatewayId = ng.Id(SubscriptionId) };
                PublicIpPrefixes[RgKey(prefix.ResourceGroup, prefix.Name)] = prefix;
                ng.PublicIpPrefixIds.Add(prefix.Id(SubscriptionId));
                var subnetId = vnet.SubnetId(SubscriptionId, "nodes");
                ng.SubnetIds.Add(subnetId);
                vnet.Subnets[0].NatGatewayId = ng.Id(SubscriptionId);
                NatGateways[RgKey(ng.ResourceGroup, ng.Name)] = ng;
                pool1["vnetSubnetID"] = subnetId;
                break;
            }
            case "nodepip":
            {
                var prefix = new PublicIpPrefix { ResourceGroup = "paths-rg", Name = "nodepip-prefix", IpPrefix = "192.0.2.16/30" };
                PublicIpPrefixes[RgKey(prefix.ResourceGroup, prefix.Name)] = prefix;
                var pub = (JsonObject)pool1.DeepClone();
                pub["name"] = "pubpool"; pub["count"] = 2; pub["mode"] = "User";
                pub["enableNodePublicIP"] = true;
                pub["nodePublicIPPrefixID"] = prefix.Id(SubscriptionId);
                pools.Add(pub);
                // node public IPs without a prefix: each node's own address (VMSS instance public IPs, ArmApi.Compute.cs)
                var own = (JsonObject)pool1.DeepClone();
                own["name"] = "pubnopfx"; own["count"] = 2; own["mode"] = "User";
                own["enableNodePublicIP"] = true;
                pools.Add(own);
                // dual-stack: one managed IPv4 and one managed IPv6 outbound IP on the load balancer (nodepool1's egress)
                var np = c.NetworkProfile;
                np["ipFamilies"] = new JsonArray("IPv4", "IPv6");
                np["serviceCidrs"] = new JsonArray("10.0.0.0/16", "fd00:10::/108");
                ((JsonObject)np["loadBalancerProfile"]!["managedOutboundIPs"]!)["countIPv6"] = 1;
                ReconcileManagedOutbound(c, 1, null);
                break;
            }
        }
    }

    private VirtualNetwork AddSpoke(Cluster c, string rg, string vnetName, string space, string subnetName, string subnetPrefix, string? routeTable, RouteEntry? route)
    {
        var vnet = new VirtualNetwork { ResourceGroup = rg, Name = vnetName, AddressPrefix = space };
        var subnet = new Subnet { Name = subnetName, AddressPrefix = subnetPrefix };
        vnet.Subnets.Add(subnet);
        if (routeTable is not null)
        {
            var rt = new RouteTable { ResourceGroup = rg, Name = routeTable };
            if (route is not null) rt.Routes.Add(route);
            rt.SubnetIds.Add(vnet.SubnetId(SubscriptionId, subnetName));
            subnet.RouteTableId = rt.Id(SubscriptionId);
            RouteTables[RgKey(rg, routeTable)] = rt;
        }
        VirtualNetworks[RgKey(rg, vnetName)] = vnet;
        AssignRoleLocked(c.PrincipalId, ResourceGroupScope(rg), NetworkContributorRoleId, "ServicePrincipal");   // the cluster identity may use its own network
        return vnet;
    }

    internal (VirtualNetwork Vnet, Subnet Subnet)? FindSubnet(string? id)
    {
        if (id is null) return null;
        var m = System.Text.RegularExpressions.Regex.Match(id, @"/resourceGroups/(?<rg>[^/]+)/providers/Microsoft\.Network/virtualNetworks/(?<vnet>[^/]+)/subnets/(?<subnet>[^/]+)$",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (!m.Success || !VirtualNetworks.TryGetValue(RgKey(m.Groups["rg"].Value, m.Groups["vnet"].Value), out var v)) return null;
        var s = v.Subnets.FirstOrDefault(x => x.Name.Equals(m.Groups["subnet"].Value, StringComparison.OrdinalIgnoreCase));
        return s is null ? null : (v, s);
    }

    internal static T? FindById<T>(Dictionary<string, T> table, string? id, string type) where T : class
    {
        if (id is null) return null;
        var m = System.Text.RegularExpressions.Regex.Match(id, $@"/resourceGroups/(?<rg>[^/]+)/providers/Microsoft\.Network/{type}/(?<name>[^/]+)$",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        return m.Success ? table.GetValueOrDefault(RgKey(m.Groups["rg"].Value, m.Groups["name"].Value)) : null;
    }

    // ------------------------------------------------------------------ public test helpers (network)

    /// <summary>Adds a 0.0.0.0/0-style route to a seeded route table (e.g. to an NVA or VirtualNetworkGateway) or replaces one of that name.</summary>
    public void SetRoute(string resourceGroup, string routeTable, string name, string addressPrefix, string nextHopType, string? nextHopIpAddress = null)
    {
        lock (Sync)
        {
            var rt = RouteTables[RgKey(resourceGroup, routeTable)];
            rt.Routes.RemoveAll(r => r.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
            rt.Routes.Add(new RouteEntry(name, addressPrefix, nextHopType, nextHopIpAddress));
        }
    }

    /// <summary>Attaches a NAT gateway with one new public IP to a subnet (e.g. AzureFirewallSubnet); returns the IP's address.</summary>
    public string AttachNewNatGateway(string vnetResourceGroup, string vnet, string subnet, string natGatewayName)
    {
        lock (Sync)
        {
            var v = VirtualNetworks[RgKey(vnetResourceGroup, vnet)];
            var s = v.Subnets.First(x => x.Name.Equals(subnet, StringComparison.OrdinalIgnoreCase));
            var pip = new PublicIp { ResourceGroup = vnetResourceGroup, Name = natGatewayName + "-ip", Address = AllocateAddress() };
            PublicIps[RgKey(pip.ResourceGroup, pip.Name)] = pip;
            var ng = new NatGateway { ResourceGroup = vnetResourceGroup, Name = natGatewayName };
            ng.PublicIpIds.Add(pip.Id(SubscriptionId));
            ng.SubnetIds.Add(v.SubnetId(SubscriptionId, s.Name));
            NatGateways[RgKey(ng.ResourceGroup, ng.Name)] = ng;
            s.NatGatewayId = ng.Id(SubscriptionId);
            return pip.Address!;
        }
    }

    /// <summary>The addresses a pod on a node of <paramref name="pool"/> could be seen with.</summary>
    public IReadOnlyList<string> GetExpectedEgressAddresses(string cluster, string pool)
    {
        lock (Sync) return Egress.Candidates(this, Clusters[cluster], pool, null).Addresses;
    }

    /// <summary>Where created public IP prefixes come from: 192.0.2.32-192.0.2.255 (the seeded prefixes sit below .32).</summary>
    private const int PrefixPoolFirst = 32, PrefixPoolEnd = 256;

    /// <summary>The first free aligned IPv4 range of that length in the prefix pool (null: none left). Caller holds Sync.</summary>
    internal string? AllocatePrefix(int length)
    {
        var size = 1 << (32 - length);
        for (var start = PrefixPoolFirst; start + size <= PrefixPoolEnd; start += size)
        {
            if (start % size != 0) continue;
            var cidr = $"192.0.2.{start}/{length}";
            var addrs = Enumerable.Range(start, size).Select(i => $"192.0.2.{i}").ToList();
            var taken = PublicIpPrefixes.Values.SelectMany(p => p.Addresses()).ToHashSet(StringComparer.Ordinal);
            if (addrs.Any(a => taken.Contains(a) || UsedAddresses.Contains(a))) continue;
            return cidr;
        }
        return null;
    }

    internal bool CanAllocatePrefix(int length) => length is >= 24 and <= 31 && AllocatePrefix(length) is not null;

    /// <summary>A public IP prefix, or null (admin and tests).</summary>
    public string? GetPublicIpPrefix(string resourceGroup, string name)
    {
        lock (Sync) return PublicIpPrefixes.GetValueOrDefault(RgKey(resourceGroup, name))?.IpPrefix;
    }
}
