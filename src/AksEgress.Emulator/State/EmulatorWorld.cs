using System.Net;

namespace AksEgress.Emulator;

/// <summary>The emulated Azure subscription and the Kubernetes clusters in it. All members are thread-safe.</summary>
public sealed partial class EmulatorWorld
{
    internal readonly object Sync = new();
    internal EmulatorOptions Options { get; }
    internal AksEmulator? Owner { get; set; }

    public string SubscriptionId { get; } = "00000000-0000-0000-0000-000000000000";
    public string TenantId { get; } = "72f988bf-0000-4000-8000-00000000c0de";
    public string Location { get; } = "eastus";
    /// <summary>Object id of the principal behind <see cref="AksEmulator.AccessToken"/> (used in ARM error messages).</summary>
    public string CallerObjectId { get; } = "5b1f6f3e-2a0d-4c55-9e0b-0c0ffee00001";
    /// <summary>Sign-in name of that principal (ARM names a user caller by UPN in its authorization errors).</summary>
    public string CallerName { get; } = "alice@contoso.com";
    /// <summary>Per-subscription-region public IP quota (PublicIPCountLimitReached).</summary>
    public int PublicIpQuota { get { lock (Sync) return _quota; } set { lock (Sync) _quota = value; } }
    private int _quota = 50;

    internal Dictionary<string, ResourceGroup> ResourceGroups { get; } = new(StringComparer.OrdinalIgnoreCase);
    internal Dictionary<string, PublicIp> PublicIps { get; } = new(StringComparer.OrdinalIgnoreCase);   // key rg/name
    internal Dictionary<string, NatGateway> NatGateways { get; } = new(StringComparer.OrdinalIgnoreCase);
    internal Dictionary<string, VirtualNetwork> VirtualNetworks { get; } = new(StringComparer.OrdinalIgnoreCase);      // key rg/name
    internal Dictionary<string, RouteTable> RouteTables { get; } = new(StringComparer.OrdinalIgnoreCase);
    internal Dictionary<string, AzureFirewall> Firewalls { get; } = new(StringComparer.OrdinalIgnoreCase);
    internal Dictionary<string, PublicIpPrefix> PublicIpPrefixes { get; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>Instance-level public IPs of nodes in pools with enableNodePublicIP and no prefix (key cluster/node).</summary>
    internal Dictionary<string, string> NodePublicAddresses { get; } = new(StringComparer.OrdinalIgnoreCase);
    internal Dictionary<string, Cluster> Clusters { get; } = new(StringComparer.OrdinalIgnoreCase);
    internal Dictionary<string, ArmOperation> Operations { get; } = new(StringComparer.OrdinalIgnoreCase);
    internal HashSet<string> UsedAddresses { get; } = new();
    private int _nextA = 10, _nextB = 10, _overflow;
    private long _rv = 1000;

    internal EmulatorWorld(EmulatorOptions options) { Options = options; Seed(); }

    internal long NextRv() => Interlocked.Increment(ref _rv);
    internal long CurrentRv => Interlocked.Read(ref _rv);

    internal static string RgKey(string rg, string name) => rg.ToLowerInvariant() + "/" + name.ToLowerInvariant();

    internal string AllocateAddress()
    {
        while (_nextA < 255)
        {
            var a = $"203.0.113.{_nextA++}";
            if (UsedAddresses.Add(a)) return a;
        }
        while (_nextB < 200)
        {
            var a = $"198.51.100.{_nextB++}";
            if (UsedAddresses.Add(a)) return a;
        }
        // Pool exhausted (very large fleets): hand out duplicates from 198.51.100.10-199 rather than failing.
        return $"198.51.100.{10 + (_overflow++ % 190)}";
    }

    /// <summary>An ephemeral SNAT address (Basic LB without frontends): random in 198.51.100.200-254.</summary>
    internal static string EphemeralAddress() => $"198.51.100.{Random.Shared.Next(200, 255)}";

    internal void Reset()
    {
        lock (Sync)
        {
            foreach (var c in Clusters.Values)
                foreach (var w in c.K8s.Watchers) w.Channel.Writer.TryComplete();
            ResourceGroups.Clear(); PublicIps.Clear(); NatGateways.Clear(); Clusters.Clear(); Operations.Clear(); UsedAddresses.Clear();
            VirtualNetworks.Clear(); RouteTables.Clear(); Firewalls.Clear(); PublicIpPrefixes.Clear(); NodePublicAddresses.Clear(); _prefixBlocks.Clear();
            _nextA = 10; _nextB = 10; _quota = 50; _nextV6 = 0x10;
            Seed();
        }
    }

    // ------------------------------------------------------------------ seeding
    internal static readonly string[] DefaultClusterNames = { "legacy-basic", "standard-lb", "natgw", "udr", "locked", "aad" };
    /// <summary>One cluster per further egress path (issue 11), in resource group paths-rg so demo-rg keeps its six.</summary>
    internal static readonly string[] PathClusterNames = { "uanat", "udr-hub", "nodepip" };
    /// <summary>Clusters with their own Kubernetes API listener.</summary>
    internal static IEnumerable<string> KubernetesClusterNames => DefaultClusterNames.Concat(PathClusterNames);

    private void Seed()
    {
        lock (Sync)
        {
            SeedRoles();
            AddRg("demo-rg"); AddRg("egress-rg"); AddRg("noperm-rg");
            var fw = new PublicIp { ResourceGroup = "demo-rg", Name = "fw-egress-ip", Address = AllocateAddress(), Tags = { ["purpose"] = "azure-firewall-egress" } };
            PublicIps[RgKey(fw.ResourceGroup, fw.Name)] = fw;
            foreach (var n in DefaultClusterNames) AddCluster(n, "demo-rg", false);
            AddRg("paths-rg");
            foreach (var n in PathClusterNames) AddCluster(n, "paths-rg", false);
            if (Options.ExtraClusters > 0)
            {
                AddRg("fleet-rg");
                for (var i = 1; i <= Options.ExtraClusters; i++) AddCluster($"fleet-{i:D4}", "fleet-rg", true);
            }
        }
    }

    private void AddRg(string name, string? managedBy = null) =>
        ResourceGroups[name] = new ResourceGroup { Name = name, Location = Location, ManagedBy = managedBy };

    private void AddCluster(string name, string rg, bool fleet)
    {
        var nodeRg = $"MC_{rg}_{name}_{Location}";
        var clusterIdLower = $"/subscriptions/{SubscriptionId}/resourcegroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}";
        AddRg(nodeRg, clusterIdLower);
        var principal = Det.Guid("principal/" + name).ToString();
        var basic = name == "legacy-basic";
        var outboundType = name switch { "natgw" => "managedNATGateway", "udr" or "udr-hub" => "userDefinedRouting", "uanat" => "userAssignedNATGateway", _ => "loadBalancer" };
        var dnsPrefix = name.Replace("-", "") + "-dns";
        var fqdn = $"{dnsPrefix}-{Det.Hex("fqdn/" + name, 8)}.hcp.{Location}.azmk8s.io";
        var kubeletObj = Det.Guid("kubelet-obj/" + name).ToString();
        var props = new JsonObject
        {
            ["provisioningState"] = "Succeeded",
            ["powerState"] = new JsonObject { ["code"] = "Running" },
            ["kubernetesVersion"] = "1.32",
            ["currentKubernetesVersion"] = "1.32.7",
            ["dnsPrefix"] = dnsPrefix,
            ["fqdn"] = fqdn,
            ["azurePortalFQDN"] = fqdn.Replace(".hcp.", ".portal.hcp."),
            ["agentPoolProfiles"] = new JsonArray(new JsonObject
            {
                ["name"] = "nodepool1", ["count"] = Options.NodesPerCluster, ["vmSize"] = "Standard_D2s_v3", ["osDiskSizeGB"] = 128,
                ["type"] = "VirtualMachineScaleSets", ["provisioningState"] = "Succeeded", ["powerState"] = new JsonObject { ["code"] = "Running" },
                ["orchestratorVersion"] = "1.32", ["currentOrchestratorVersion"] = "1.32.7", ["mode"] = "System", ["osType"] = "Linux",
                ["osSKU"] = "Ubuntu", ["nodeImageVersion"] = "AKSUbuntu-2204containerd-202510.03.1",
            }),
            ["nodeResourceGroup"] = nodeRg,
            ["enableRBAC"] = true,
            ["supportPlan"] = "KubernetesOfficial",
        };
        if (name == "aad")
        {
            props["aadProfile"] = new JsonObject { ["managed"] = true, ["enableAzureRBAC"] = true, ["tenantID"] = TenantId };
            props["disableLocalAccounts"] = true;
        }
        if (name == "locked") props["nodeResourceGroupProfile"] = new JsonObject { ["restrictionLevel"] = "ReadOnly" };
        if (name == "standard-lb") props["nodeResourceGroupProfile"] = new JsonObject { ["restrictionLevel"] = "Unrestricted" };
        var np = new JsonObject
        {
            ["networkPlugin"] = "azure", ["networkPolicy"] = "none", ["networkDataplane"] = "azure",
            ["loadBalancerSku"] = basic ? "basic" : "standard",
        };
        props["networkProfile"] = np;
        props["identityProfile"] = new JsonObject
        {
            ["kubeletidentity"] = new JsonObject
            {
                ["resourceId"] = $"/subscriptions/{SubscriptionId}/resourcegroups/{nodeRg}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}-agentpool",
                ["clientId"] = Det.Guid("kubelet-client/" + name).ToString(),
                ["objectId"] = kubeletObj,
            },
        };
        props["maxAgentPools"] = 100;
        props["resourceUID"] = Det.Hex("uid/" + name, 24);
        var body = new JsonObject
        {
            ["id"] = clusterIdLower,
            ["location"] = Location,
            ["name"] = name,
            ["type"] = "Microsoft.ContainerService/ManagedClusters",
            ["kind"] = "Base",
            ["properties"] = props,
            ["identity"] = new JsonObject { ["type"] = "SystemAssigned", ["principalId"] = principal, ["tenantId"] = TenantId },
            ["sku"] = new JsonObject { ["name"] = "Base", ["tier"] = "Free" },
        };
        var c = new Cluster
        {
            Name = name, ResourceGroup = rg, NodeResourceGroup = nodeRg, Body = body, PrincipalId = principal,
            IsFleet = fleet, Aad = name == "aad",
        };
        c.NewETag();
        // AKS gives the cluster identity rights in its node resource group; the demo world also grants Network Contributor on egress-rg.
        AssignRoleLocked(principal, ResourceGroupScope(nodeRg), NetworkContributorRoleId, "ServicePrincipal");
        AssignRoleLocked(principal, ResourceGroupScope("egress-rg"), NetworkContributorRoleId, "ServicePrincipal");
        Clusters[name] = c;

        // outbound
        if (!basic && outboundType == "loadBalancer")
        {
            np["loadBalancerProfile"] = new JsonObject
            {
                ["managedOutboundIPs"] = new JsonObject { ["count"] = 1 },
                ["effectiveOutboundIPs"] = new JsonArray(),
                ["backendPoolType"] = "nodeIPConfiguration",
            };
            ReconcileManagedOutbound(c, 1, null);
        }
        else if (basic)
        {
            // Basic LB: no loadBalancerProfile at all.
        }
        np["serviceCidr"] = "10.0.0.0/16";
        np["dnsServiceIP"] = "10.0.0.10";
        np["outboundType"] = outboundType;
        np["serviceCidrs"] = new JsonArray("10.0.0.0/16");
        np["ipFamilies"] = new JsonArray("IPv4");
        if (outboundType == "managedNATGateway")
        {
            var pip = NewManagedOutboundIp(c, Det.Guid("natgw-ip/" + name).ToString());
            var ng = new NatGateway { ResourceGroup = nodeRg, Name = "natgw-" + Det.Hex("ng/" + name, 6) };
            ng.PublicIpIds.Add(pip.Id(SubscriptionId));
            pip.IpConfigurationId = null;
            NatGateways[RgKey(nodeRg, ng.Name)] = ng;
            np["natGatewayProfile"] = new JsonObject
            {
                ["managedOutboundIPProfile"] = new JsonObject { ["count"] = 1 },
                ["idleTimeoutInMinutes"] = 4,
                ["effectiveOutboundIPs"] = new JsonArray(new JsonObject { ["id"] = pip.Id(SubscriptionId) }),
            };
        }
        SeedNetwork(c);
        c.K8s = NewK8s(c);
    }

    internal PublicIp NewManagedOutboundIp(Cluster c, string name)
    {
        var pip = new PublicIp
        {
            ResourceGroup = c.NodeResourceGroup, Name = name, Address = AllocateAddress(), ManagedByCluster = c.Name,
            Zones = { "1", "2", "3" },
            Tags = { ["owner"] = "kubernetes", ["type"] = "aks-slb-managed-outbound-ip", ["aks-managed-cluster-name"] = c.Name, ["aks-managed-cluster-rg"] = c.ResourceGroup },
        };
        PublicIps[RgKey(pip.ResourceGroup, pip.Name)] = pip;
        return pip;
    }

    /// <summary>Makes the cluster's effectiveOutboundIPs match a managed count (creating / deleting GUID-named IPs), or a list of BYO ids.</summary>
    internal void ReconcileManagedOutbound(Cluster c, int? managedCount, List<string>? byoIds)
    {
        var lbp = JsonUtil.Obj(c.NetworkProfile, "loadBalancerProfile");
        var managed = PublicIps.Values.Where(p => p.ManagedByCluster == c.Name && p.Tags.GetValueOrDefault("type") == "aks-slb-managed-outbound-ip" && p.Version != "IPv6"
                                                  && !NatGateways.Values.Any(n => n.PublicIpIds.Contains(p.Id(SubscriptionId), StringComparer.OrdinalIgnoreCase)))
            .OrderBy(p => p.Address is null ? 0 : 1).ToList();
        // keep existing order of effective list
        var ordered = c.EffectiveOutboundIpIds().ToList();
        managed = managed.OrderBy(p => { var i = ordered.FindIndex(x => x.Equals(p.Id(SubscriptionId), StringComparison.OrdinalIgnoreCase)); return i < 0 ? int.MaxValue : i; }).ToList();
        var lbId = $"/subscriptions/{SubscriptionId}/resourceGroups/{c.NodeResourceGroup}/providers/Microsoft.Network/loadBalancers/kubernetes";
        List<string> effective;
        // release previous BYO ipConfigurations
        foreach (var id in ordered)
        {
            var p = FindPublicIpById(id);
            if (p is not null && p.ManagedByCluster != c.Name && p.IpConfigurationId?.Contains("/loadBalancers/kubernetes/", StringComparison.OrdinalIgnoreCase) == true
                && (byoIds is null || !byoIds.Contains(id, StringComparer.OrdinalIgnoreCase)))
                p.IpConfigurationId = null;
        }
        if (managedCount is int n)
        {
            var i = 0;
            while (managed.Count < n) managed.Add(NewManagedOutboundIp(c, Det.Guid($"outbound/{c.Name}/{Guid.NewGuid()}").ToString()));
            foreach (var extra in managed.Skip(n).ToList()) { PublicIps.Remove(RgKey(extra.ResourceGroup, extra.Name)); UsedAddresses.Remove(extra.Address ?? ""); managed.Remove(extra); }
            effective = managed.Select(p => p.Id(SubscriptionId)).ToList();
            foreach (var p in managed) p.IpConfigurationId = $"{lbId}/frontendIPConfigurations/{Det.Guid("fe/" + p.Name)}";
            effective.AddRange(ReconcileManagedIpv6(c, lbp, lbId));   // managedOutboundIPs.countIPv6 (EmulatorWorld.DualStack.cs)
            _ = i;
        }
        else
        {
            foreach (var m in managed) { PublicIps.Remove(RgKey(m.ResourceGroup, m.Name)); UsedAddresses.Remove(m.Address ?? ""); }
            ReconcileManagedIpv6(c, null, lbId);
            effective = byoIds ?? new List<string>();
            foreach (var id in effective)
            {
                var p = FindPublicIpById(id);
                if (p is not null) p.IpConfigurationId = $"{lbId}/frontendIPConfigurations/{Det.Guid("fe/" + p.Name)}";
            }
        }
        // Prefixes (outboundIPPrefixes) are frontends of the outbound rule too, listed by their own id in effectiveOutboundIPs.
        var frontend = $"{lbId}/frontendIPConfigurations/";
        foreach (var prefix in PublicIpPrefixes.Values.Where(p => p.LoadBalancerFrontendId?.StartsWith(frontend, StringComparison.OrdinalIgnoreCase) == true))
            if (!effective.Contains(prefix.Id(SubscriptionId), StringComparer.OrdinalIgnoreCase)) prefix.LoadBalancerFrontendId = null;
        foreach (var id in effective)
            if (EmulatorWorld.FindById(PublicIpPrefixes, id, "publicIPPrefixes") is { } prefix) prefix.LoadBalancerFrontendId = frontend + Det.Guid("fe/" + prefix.Name);
        lbp["effectiveOutboundIPs"] = new JsonArray(effective.Select(id => (JsonNode)new JsonObject { ["id"] = id }).ToArray());
    }

    internal PublicIp? FindPublicIpById(string id)
    {
        var p = ArmIds.ParsePublicIpId(id);
        if (p is null) return null;
        return PublicIps.GetValueOrDefault(RgKey(p.Value.Rg, p.Value.Name));
    }

    // ------------------------------------------------------------------ public test helpers
    /// <summary>Names of all clusters (default + fleet).</summary>
    public IReadOnlyList<string> ClusterNames { get { lock (Sync) return Clusters.Keys.ToArray(); } }

    /// <summary>A copy of the cluster's ARM body, or null.</summary>
    public JsonObject? GetCluster(string name) { lock (Sync) return Clusters.TryGetValue(name, out var c) ? JsonUtil.Clone(c.Body) : null; }

    /// <summary>
    /// Another client's write to the cluster (e.g. a node pool scaled, an add-on toggled): applies <paramref name="change"/> to
    /// the stored body and gives the cluster a new eTag, as such a PUT would.
    /// </summary>
    public void ChangeCluster(string name, Action<JsonObject> change)
    {
        lock (Sync) { var c = Clusters[name]; change(c.Body); c.NewETag(); }
    }

    /// <summary>
    /// Legacy Entra integration: the cluster's API server accepts only tokens for <paramref name="serverAppId"/> (its own server
    /// application), and listClusterUserCredential names it in kubelogin's --server-id, as AKS does for such clusters.
    /// </summary>
    public void SetEntraServerApp(string cluster, string serverAppId)
    {
        lock (Sync)
        {
            var c = Clusters[cluster];
            if (!c.Aad) throw new InvalidOperationException($"cluster '{cluster}' is not an Entra ID cluster");
            c.ServerAppId = serverAppId;
            var aad = JsonUtil.Obj(JsonUtil.Obj(c.Body, "properties"), "aadProfile");
            aad["managed"] = false;
            aad.Remove("enableAzureRBAC");
            aad["serverAppID"] = serverAppId;
            aad["clientAppID"] = "80faf920-1908-4b52-b5ef-a8e7bedfc67a";
            c.NewETag();
        }
    }

    private static readonly string[] DefaultNoProxy = { "localhost", "127.0.0.1", ".contoso.example" };

    /// <summary>
    /// Gives the cluster an HTTP proxy (properties.httpProxyConfig, as <c>az aks update --http-proxy-config</c> does): new pods get
    /// the proxy variables injected (<see cref="HttpProxyInjection"/>), and requests through the proxy egress from the proxy's own
    /// public address, which is returned. Direct requests keep the cluster's egress.
    /// </summary>
    public string SetHttpProxy(string cluster, string? httpProxy = "http://proxy.contoso.example:3128/", string? httpsProxy = "http://proxy.contoso.example:3128/", IEnumerable<string>? noProxy = null)
    {
        lock (Sync)
        {
            var c = Clusters[cluster];
            var cfg = new JsonObject();
            if (httpProxy is not null) cfg["httpProxy"] = httpProxy;
            if (httpsProxy is not null) cfg["httpsProxy"] = httpsProxy;
            cfg["noProxy"] = new JsonArray((noProxy ?? DefaultNoProxy).Select(n => (JsonNode)JsonValue.Create(n)!).ToArray());
            JsonUtil.Obj(c.Body, "properties")["httpProxyConfig"] = cfg;
            c.ProxyEgressAddress ??= AllocateAddress();
            c.NewETag();
            return c.ProxyEgressAddress;
        }
    }

    /// <summary>
    /// Makes the cluster a private cluster (apiServerAccessProfile.enablePrivateCluster) with a privateFQDN; without
    /// <paramref name="publicFqdn"/> the public fqdn is removed, as enablePrivateClusterPublicFQDN=false does. Returns the private FQDN.
    /// </summary>
    public string MakePrivateCluster(string cluster, bool publicFqdn = true)
    {
        lock (Sync)
        {
            var c = Clusters[cluster];
            var props = JsonUtil.Obj(c.Body, "properties");
            var dnsPrefix = JsonUtil.S(props, "dnsPrefix") ?? cluster;
            var privateFqdn = $"{dnsPrefix}-{Det.Hex("private/" + cluster, 8)}.{Det.Guid("pdz/" + cluster):N}.privatelink.{Location}.azmk8s.io";
            props["apiServerAccessProfile"] = new JsonObject { ["enablePrivateCluster"] = true, ["privateDNSZone"] = "system", ["enablePrivateClusterPublicFQDN"] = publicFqdn };
            props["privateFQDN"] = privateFqdn;
            if (!publicFqdn) props.Remove("fqdn");
            c.NewETag();
            return privateFqdn;
        }
    }

    public string? GetNodeResourceGroup(string cluster) { lock (Sync) return Clusters.GetValueOrDefault(cluster)?.NodeResourceGroup; }

    /// <summary>A copy of the public IP's ARM body, or null.</summary>
    public JsonObject? GetPublicIp(string resourceGroup, string name) { lock (Sync) return PublicIps.GetValueOrDefault(RgKey(resourceGroup, name))?.ToJson(SubscriptionId); }

    public string? GetPublicIpAddress(string resourceGroup, string name) { lock (Sync) return PublicIps.GetValueOrDefault(RgKey(resourceGroup, name))?.Address; }

    public string GetPublicIpId(string resourceGroup, string name) => NetIds.Rid(SubscriptionId, resourceGroup, "publicIPAddresses", name);

    /// <summary>Creates (already provisioned) a Standard/Static public IP and returns its address.</summary>
    public string AddPublicIp(string resourceGroup, string name, string sku = "Standard", Dictionary<string, string>? tags = null, string tier = "Regional")
    {
        lock (Sync)
        {
            if (!ResourceGroups.ContainsKey(resourceGroup)) AddRg(resourceGroup);
            if (PublicIps.TryGetValue(RgKey(resourceGroup, name), out var existing)) return existing.Address!;
            var p = new PublicIp { ResourceGroup = resourceGroup, Name = name, SkuName = sku, SkuTier = tier, Address = AllocateAddress(), AllocationMethod = "Static" };
            if (tags is not null) foreach (var (k, v) in tags) p.Tags[k] = v;
            PublicIps[RgKey(resourceGroup, name)] = p;
            return p.Address!;
        }
    }

    public void AddResourceGroup(string name) { lock (Sync) if (!ResourceGroups.ContainsKey(name)) AddRg(name); }

    /// <summary>The addresses a pod in this cluster could be seen with right now (empty for none/block or a Basic LB without frontends).</summary>
    public IReadOnlyList<string> GetExpectedEgressAddresses(string cluster)
    {
        lock (Sync)
        {
            var c = Clusters[cluster];
            return Egress.Candidates(this, c).Addresses;
        }
    }

    public JsonObject? GetService(string cluster, string ns, string name) { lock (Sync) return Clusters[cluster].K8s.Services.TryGetValue(ns + "/" + name, out var s) ? JsonUtil.Clone(s) : null; }
    public JsonObject? GetWorkload(string cluster, string kind, string ns, string name) { lock (Sync) return Clusters[cluster].K8s.Store(kind).TryGetValue(ns + "/" + name, out var s) ? JsonUtil.Clone(s) : null; }
    public JsonObject? GetPod(string cluster, string ns, string name) { lock (Sync) return Clusters[cluster].K8s.Pods.TryGetValue(ns + "/" + name, out var s) ? JsonUtil.Clone(s) : null; }
    public IReadOnlyList<JsonObject> GetEvents(string cluster, string ns) { lock (Sync) return Clusters[cluster].K8s.Events.Values.Where(e => JsonUtil.S(e, "metadata", "namespace") == ns).Select(JsonUtil.Clone).ToArray(); }
    public IReadOnlyList<string> GetDeletedPods(string cluster) { lock (Sync) return Clusters[cluster].K8s.DeletedPods.ToArray(); }
    public string? GetPodLog(string cluster, string ns, string pod) { lock (Sync) return Clusters[cluster].K8s.PodRuntimes.TryGetValue(ns + "/" + pod, out var r) ? r.Logs.Values.FirstOrDefault() : null; }

    /// <summary>JSON dump for assertions (GET /_emulator/world).</summary>
    public JsonObject Dump()
    {
        lock (Sync)
        {
            var clusters = new JsonObject();
            foreach (var c in Clusters.Values)
            {
                var k = c.K8s;
                clusters[c.Name] = new JsonObject
                {
                    ["resourceGroupName"] = c.ResourceGroup,
                    ["nodeResourceGroup"] = c.NodeResourceGroup,
                    ["outboundType"] = c.OutboundType,
                    ["loadBalancerSku"] = c.LoadBalancerSku,
                    ["provisioningState"] = JsonUtil.S(c.Body, "properties", "provisioningState"),
                    ["effectiveOutboundIPs"] = new JsonArray(c.EffectiveOutboundIpIds().Select(i => (JsonNode)JsonValue.Create(i)!).ToArray()),
                    ["expectedEgressAddresses"] = new JsonArray(Egress.Candidates(this, c).Addresses.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray()),
                    ["networkContributorOn"] = new JsonArray(NetworkContributorGroupsLocked(c).Select(a => (JsonNode)JsonValue.Create(a)!).ToArray()),
                    ["loadBalancerFrontends"] = new JsonArray(c.Frontends.Select(f => (JsonNode)new JsonObject { ["service"] = f.ServiceKey, ["publicIpId"] = f.PublicIpId, ["frontend"] = f.FrontendName, ["autoCreated"] = f.AutoCreated }).ToArray()),
                    ["nodeNames"] = new JsonArray(k.NodeNames.Select(n => (JsonNode)JsonValue.Create(n)!).ToArray()),
                    ["services"] = new JsonArray(k.Services.Values.Select(s => (JsonNode)JsonUtil.Clone(s)).ToArray()),
                    ["pods"] = new JsonArray(k.Pods.Values.Select(p =>
                    {
                        var o = JsonUtil.Clone(p);
                        var key = JsonUtil.S(p, "metadata", "namespace") + "/" + JsonUtil.S(p, "metadata", "name");
                        if (k.PodRuntimes.TryGetValue(key, out var rt)) o["emulatorLogs"] = new JsonObject(rt.Logs.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value))));
                        return (JsonNode)o;
                    }).ToArray()),
                    ["agentPools"] = new JsonArray(AgentPools(c).OfType<JsonObject>().Select(p => (JsonNode)JsonValue.Create(JsonUtil.S(p, "name"))!).ToArray()),
                    ["staticEgressGatewayEnabled"] = GatewayEnabled(c),
                    ["gatewayConfigurations"] = new JsonArray(k.Gateways.Values.Select(g => (JsonNode)JsonUtil.Clone(g)).ToArray()),
                    ["workloads"] = new JsonArray(k.Deployments.Values.Concat(k.StatefulSets.Values).Concat(k.DaemonSets.Values).Select(g => (JsonNode)JsonUtil.Clone(g)).ToArray()),
                    ["deletedPodCount"] = k.DeletedPods.Count,
                    ["deletedPods"] = new JsonArray(k.DeletedPods.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray()),
                    ["events"] = new JsonArray(k.Events.Values.Select(e => (JsonNode)JsonUtil.Clone(e)).ToArray()),
                };
            }
            return new JsonObject
            {
                ["subscriptionId"] = SubscriptionId,
                ["location"] = Location,
                ["publicIpQuota"] = _quota,
                ["resourceGroups"] = new JsonArray(ResourceGroups.Keys.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray()),
                ["publicIPAddresses"] = new JsonArray(PublicIps.Values.Select(p => (JsonNode)p.ToJson(SubscriptionId)).ToArray()),
                ["natGateways"] = new JsonArray(NatGateways.Values.Select(n => (JsonNode)n.ToJson(SubscriptionId, Location)).ToArray()),
                ["clusters"] = clusters,
                ["roleAssignments"] = new JsonArray(RoleAssignments.Select(a => (JsonNode)a.ToJson(SubscriptionId)).ToArray()),
            };
        }
    }
}

internal static class ArmIds
{
    private static readonly System.Text.RegularExpressions.Regex PipRx = new(
        @"^/subscriptions/(?<sub>[^/]+)/resourceGroups/(?<rg>[^/]+)/providers/Microsoft\.Network/publicIPAddresses/(?<name>[^/]+)$",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase);
    public static (string Sub, string Rg, string Name)? ParsePublicIpId(string id)
    {
        var m = PipRx.Match(id.TrimEnd('/'));
        return m.Success ? (m.Groups["sub"].Value, m.Groups["rg"].Value, m.Groups["name"].Value) : null;
    }
}
