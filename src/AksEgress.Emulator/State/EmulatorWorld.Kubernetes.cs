namespace AksEgress.Emulator;

public sealed partial class EmulatorWorld
{
    private static readonly bool DebugLog = Environment.GetEnvironmentVariable("AKSEGRESS_EMULATOR_DEBUG") == "1";

    internal K8sState NewK8s(Cluster c)
    {
        var k = new K8sState { ClusterName = c.Name };
        foreach (var ns in new[] { "default", "kube-system", "kube-public", "kube-node-lease", "restricted-ns" })
        {
            var labels = new JsonObject { ["kubernetes.io/metadata.name"] = ns };
            if (ns == "restricted-ns") { labels["pod-security.kubernetes.io/enforce"] = "restricted"; labels["pod-security.kubernetes.io/enforce-version"] = "latest"; }
            k.Namespaces[ns] = NewNamespaceObject(ns, labels);
        }
        var poolNodes = Egress.AgentPools(c).Select(p => (Name: JsonUtil.S(p, "name") ?? "nodepool1", Count: (int?)JsonUtil.Get(p, "count")?.GetValue<int>() ?? Options.NodesPerCluster)).ToList();
        if (poolNodes.Count == 0) poolNodes.Add(("nodepool1", Options.NodesPerCluster));
        var i = 0;
        foreach (var (pool, count) in poolNodes)
        for (var j = 0; j < count; j++, i++)
        {
            var digits = Det.Digits(pool == "nodepool1" ? "vmss/" + c.Name : $"vmss/{c.Name}/{pool}", 8);
            var name = $"aks-{pool}-{digits}-vmss{ToBase36(j, 6)}";
            k.NodeNames.Add(name);
            k.Nodes[name] = NewNodeObject(c, name, i, pool, $"aks-{pool}-{digits}-vmss", "linux", null, instance: j);
        }
        return k;
    }

    private JsonObject NewNodeObject(Cluster c, string name, int i, string pool, string vmss, string os, JsonObject? extraLabels, int? instance = null)
    {
        var labels = new JsonObject
        {
            ["kubernetes.io/hostname"] = name, ["kubernetes.io/os"] = os, ["kubernetes.io/arch"] = "amd64",
            ["agentpool"] = pool, ["kubernetes.azure.com/agentpool"] = pool, ["node.kubernetes.io/instance-type"] = "Standard_D2s_v3",
            ["topology.kubernetes.io/region"] = Location, ["topology.kubernetes.io/zone"] = $"{Location}-{i % 3 + 1}",
        };
        foreach (var (key, v) in extraLabels ?? new JsonObject()) labels[key] = v?.DeepClone();
        return new JsonObject
        {
            ["kind"] = "Node", ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = name, ["uid"] = Det.Guid("node/" + c.Name + name).ToString(), ["resourceVersion"] = NextRv().ToString(),
                ["creationTimestamp"] = JsonUtil.Now(),
                ["labels"] = labels,
            },
            ["spec"] = new JsonObject { ["podCIDR"] = $"10.244.{i}.0/24", ["providerID"] = $"azure:///subscriptions/{SubscriptionId}/resourceGroups/{c.NodeResourceGroup.ToLowerInvariant()}/providers/Microsoft.Compute/virtualMachineScaleSets/{vmss}/virtualMachines/{instance ?? i}" },
            ["status"] = new JsonObject
            {
                ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "KubeletReady", ["message"] = "kubelet is posting ready status", ["lastHeartbeatTime"] = JsonUtil.Now(), ["lastTransitionTime"] = JsonUtil.Now() }),
                ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = $"10.224.0.{4 + i}" }, new JsonObject { ["type"] = "Hostname", ["address"] = name }),
                ["nodeInfo"] = new JsonObject { ["kubeletVersion"] = "v1.32.7", ["containerRuntimeVersion"] = "containerd://1.7.28-1", ["osImage"] = os == "windows" ? "Windows Server 2022 Datacenter" : "Ubuntu 22.04.5 LTS", ["operatingSystem"] = os, ["architecture"] = "amd64", ["kernelVersion"] = os == "windows" ? "10.0.20348.4294" : "5.15.0-1092-azure",
                    // Required by core/v1 NodeSystemInfo (contract tests); kubeProxyVersion is deprecated and empty on current AKS.
                    ["machineID"] = Det.Guid("machine/" + c.Name + name).ToString("N"), ["systemUUID"] = Det.Guid("uuid/" + c.Name + name).ToString(),
                    ["bootID"] = Det.Guid("boot/" + c.Name + name).ToString(), ["kubeProxyVersion"] = "" },
            },
        };
    }

    /// <summary>The kinds of extra node <see cref="AddNode"/> makes.</summary>
    public enum NodeKind
    {
        /// <summary>A Ready Linux node of a second pool ("userpool").</summary>
        Linux,
        /// <summary>A Linux node whose kubelet stopped posting status (Ready=Unknown, NodeStatusUnknown): pods bound to it never start.</summary>
        NotReady,
        /// <summary>A cordoned Linux node (spec.unschedulable, the node.kubernetes.io/unschedulable:NoSchedule taint).</summary>
        Cordoned,
        /// <summary>A Windows node (kubernetes.io/os=windows): a Linux pod bound to it fails with NodeAffinity.</summary>
        Windows,
        /// <summary>The AKS virtual node (virtual-kubelet, type=virtual-kubelet): its pods run in ACI and egress from ACI's address.</summary>
        VirtualKubelet,
        /// <summary>A static egress gateway node (kubernetes.azure.com/mode=gateway, tainted).</summary>
        Gateway,
    }

    /// <summary>Adds a node of <paramref name="kind"/> to the cluster and returns its name.</summary>
    public string AddNode(string cluster, NodeKind kind)
    {
        lock (Sync)
        {
            var c = Clusters[cluster];
            var k = c.K8s;
            var i = k.NodeNames.Count;
            var (pool, os) = kind switch
            {
                NodeKind.Windows => ("win22", "windows"),
                NodeKind.Gateway => ("gwpool", "linux"),
                NodeKind.VirtualKubelet => ("aci", "linux"),
                _ => ("userpool", "linux"),
            };
            var digits = Det.Digits("vmss/" + c.Name + pool, 8);
            var name = kind switch
            {
                NodeKind.VirtualKubelet => "virtual-node-aci-linux",
                NodeKind.Windows => $"akswin22{ToBase36(i, 6)}",
                _ => $"aks-{pool}-{digits}-vmss{ToBase36(i, 6)}",
            };
            var extra = new JsonObject();
            if (kind == NodeKind.VirtualKubelet) { extra["type"] = "virtual-kubelet"; extra["kubernetes.azure.com/managed"] = "false"; }
            if (kind == NodeKind.Gateway) extra["kubernetes.azure.com/mode"] = "gateway";
            var node = NewNodeObject(c, name, i, pool, $"aks-{pool}-{digits}-vmss", os, extra);
            var spec = JsonUtil.Obj(node, "spec");
            var status = JsonUtil.Obj(node, "status");
            switch (kind)
            {
                case NodeKind.NotReady:
                    status["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "Unknown", ["reason"] = "NodeStatusUnknown", ["message"] = "Kubelet stopped posting node status.", ["lastHeartbeatTime"] = JsonUtil.Now(), ["lastTransitionTime"] = JsonUtil.Now() });
                    spec["taints"] = new JsonArray(new JsonObject { ["key"] = "node.kubernetes.io/unreachable", ["effect"] = "NoSchedule" }, new JsonObject { ["key"] = "node.kubernetes.io/unreachable", ["effect"] = "NoExecute", ["timeAdded"] = JsonUtil.Now() });
                    break;
                case NodeKind.Cordoned:
                    spec["unschedulable"] = true;
                    spec["taints"] = new JsonArray(new JsonObject { ["key"] = "node.kubernetes.io/unschedulable", ["effect"] = "NoSchedule", ["timeAdded"] = JsonUtil.Now() });
                    break;
                case NodeKind.VirtualKubelet:
                    spec["taints"] = new JsonArray(new JsonObject { ["key"] = "virtual-kubelet.io/provider", ["value"] = "azure", ["effect"] = "NoSchedule" });
                    spec.Remove("podCIDR");
                    break;
                case NodeKind.Gateway:
                    spec["taints"] = new JsonArray(new JsonObject { ["key"] = "kubernetes.azure.com/mode", ["value"] = "gateway", ["effect"] = "NoSchedule" });
                    break;
            }
            k.NodeNames.Add(name);
            Commit(k, "Node", "ADDED", node);
            return name;
        }
    }

    /// <summary>Cordons a node (kubectl cordon: spec.unschedulable and the unschedulable taint).</summary>
    public void CordonNode(string cluster, string node)
    {
        lock (Sync)
        {
            var k = Clusters[cluster].K8s;
            var n = k.Nodes[node];
            var spec = JsonUtil.Obj(n, "spec");
            spec["unschedulable"] = true;
            spec["taints"] = new JsonArray(new JsonObject { ["key"] = "node.kubernetes.io/unschedulable", ["effect"] = "NoSchedule", ["timeAdded"] = JsonUtil.Now() });
            Commit(k, "Node", "MODIFIED", n);
        }
    }

    /// <summary>The cluster's node names, in creation order.</summary>
    public IReadOnlyList<string> GetNodeNames(string cluster) { lock (Sync) return Clusters[cluster].K8s.NodeNames.ToArray(); }

    /// <summary>
    /// Installs a denying validating admission webhook on a cluster: creates of <paramref name="kind"/> (Pod or Service) in
    /// <paramref name="ns"/> (null: every namespace) are refused with the API server's real shape,
    /// <c>admission webhook "&lt;webhook&gt;" denied the request: &lt;message&gt;</c>, HTTP <paramref name="code"/> (Gatekeeper: 403).
    /// </summary>
    public void AddAdmissionDenial(string cluster, string message, string? ns = null, string webhook = "validation.gatekeeper.sh", string kind = "Pod", int code = 403)
    {
        if (code < 400) code = 400;   // the API server never returns < 400 with a denial
        lock (Sync) Clusters[cluster].K8s.AdmissionRules.Add(new AdmissionRule(webhook, message, ns, kind, code));
    }

    /// <summary>The denial of the first matching rule (code, Status message), or null.</summary>
    internal (int Code, string Message)? Admit(K8sState k, string kind, string ns, string name, JsonObject body)
    {
        lock (Sync)
        {
            var rule = k.AdmissionRules.FirstOrDefault(r => r.Kind.Equals(kind, StringComparison.OrdinalIgnoreCase) && (r.Namespace is null || r.Namespace == ns));
            if (rule is null) return null;
            var container = (JsonUtil.Get(body, "spec", "containers") as JsonArray)?.OfType<JsonObject>().FirstOrDefault();
            var msg = rule.Message.Replace("{name}", name).Replace("{namespace}", ns)
                .Replace("{image}", JsonUtil.S(container, "image") ?? "").Replace("{container}", JsonUtil.S(container, "name") ?? "");
            return (rule.Code, $"admission webhook \"{rule.Webhook}\" denied the request: {msg}");
        }
    }

    internal JsonObject NewNamespaceObject(string ns, JsonObject? labels) => new()
    {
        ["kind"] = "Namespace", ["apiVersion"] = "v1",
        ["metadata"] = new JsonObject
        {
            ["name"] = ns, ["uid"] = Guid.NewGuid().ToString(), ["resourceVersion"] = NextRv().ToString(), ["creationTimestamp"] = JsonUtil.Now(),
            ["labels"] = labels ?? new JsonObject { ["kubernetes.io/metadata.name"] = ns },
        },
        ["spec"] = new JsonObject { ["finalizers"] = new JsonArray("kubernetes") },
        ["status"] = new JsonObject { ["phase"] = "Active" },
    };

    private static string ToBase36(int v, int width)
    {
        const string d = "0123456789abcdefghijklmnopqrstuvwxyz";
        var s = "";
        do { s = d[v % 36] + s; v /= 36; } while (v > 0);
        return s.PadLeft(width, '0');
    }

    /// <summary>Stores (or removes) an object, bumps its resourceVersion and notifies watchers. Caller holds Sync.</summary>
    internal JsonObject Commit(K8sState k, string kind, string type, JsonObject obj)
    {
        var md = JsonUtil.Obj(obj, "metadata");
        var rv = NextRv();
        md["resourceVersion"] = rv.ToString();
        var ns = JsonUtil.S(md, "namespace");
        var key = ns is null ? JsonUtil.S(md, "name")! : ns + "/" + JsonUtil.S(md, "name");
        var store = k.Store(kind);
        if (type == "DELETED") store.Remove(key); else store[key] = obj;
        var snapshot = JsonUtil.Clone(obj);
        if (DebugLog && kind == "Pod") Console.Error.WriteLine($"commit {k.ClusterName} {type} {key}@{rv} watchers={k.Watchers.Count}");
        k.History.Add(new HistoryEntry(rv, kind, ns, type, snapshot));
        if (k.History.Count > 5000) { k.HistoryTruncatedBefore = k.History[999].Rv; k.History.RemoveRange(0, 1000); }
        foreach (var w in k.Watchers)
        {
            if (w.Kind != kind || (w.Namespace is not null && w.Namespace != ns)) continue;
            if (!w.Filter(snapshot)) continue;
            w.Channel.Writer.TryWrite((type, snapshot));
        }
        return obj;
    }

    /// <summary>Records an event (aggregating repeats). Caller holds Sync.</summary>
    internal void RecordEvent(K8sState k, JsonObject involved, string type, string reason, string message, string component)
    {
        var md = (JsonObject)involved["metadata"]!;
        var ns = JsonUtil.S(md, "namespace") ?? "default";
        var uid = JsonUtil.S(md, "uid") ?? "";
        var existing = k.Events.Values.FirstOrDefault(e => JsonUtil.S(e, "involvedObject", "uid") == uid && JsonUtil.S(e, "reason") == reason && JsonUtil.S(e, "message") == message && JsonUtil.S(e, "type") == type);
        if (existing is not null)
        {
            existing["count"] = (JsonUtil.Int(existing["count"]) ?? 1) + 1;
            existing["lastTimestamp"] = JsonUtil.Now();
            Commit(k, "Event", "MODIFIED", existing);
            return;
        }
        var name = $"{JsonUtil.S(md, "name")}.{DateTime.UtcNow.Ticks * 100:x}";
        while (k.Events.ContainsKey(ns + "/" + name)) name += "1";
        var ev = new JsonObject
        {
            ["kind"] = "Event", ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = ns, ["uid"] = Guid.NewGuid().ToString(), ["resourceVersion"] = "0", ["creationTimestamp"] = JsonUtil.Now() },
            ["involvedObject"] = new JsonObject
            {
                ["kind"] = JsonUtil.S(involved, "kind"), ["namespace"] = ns, ["name"] = JsonUtil.S(md, "name"), ["uid"] = uid,
                ["apiVersion"] = "v1", ["resourceVersion"] = JsonUtil.S(md, "resourceVersion"),
            },
            ["reason"] = reason, ["message"] = message,
            ["source"] = component == "kubelet" ? new JsonObject { ["component"] = "kubelet", ["host"] = JsonUtil.S(involved, "spec", "nodeName") } : new JsonObject { ["component"] = component },
            ["firstTimestamp"] = JsonUtil.Now(), ["lastTimestamp"] = JsonUtil.Now(), ["count"] = 1, ["type"] = type,
            ["eventTime"] = null, ["reportingComponent"] = component, ["reportingInstance"] = component == "kubelet" ? JsonUtil.S(involved, "spec", "nodeName") ?? "" : "",
        };
        if (JsonUtil.S(involved, "kind") == "Pod" && reason is "Failed" or "BackOff" or "Pulling" or "Pulled" or "Created" or "Started")
            ((JsonObject)ev["involvedObject"]!)["fieldPath"] = "spec.containers{" + JsonUtil.S(((JsonArray?)JsonUtil.Get(involved, "spec", "containers"))?.FirstOrDefault(), "name") + "}";
        Commit(k, "Event", "ADDED", ev);
    }
}

/// <summary>The egress decision: which public address a pod's outbound flow gets, as Azure would decide it.</summary>
internal static class Egress
{
    internal sealed record Result(IReadOnlyList<string> Addresses, bool Blocked, bool Ephemeral);

    /// <summary>Every address a pod of the cluster could be seen with (all pools).</summary>
    public static Result Candidates(EmulatorWorld w, Cluster c)
    {
        var pools = AgentPools(c).Select(p => JsonUtil.S(p, "name")).Where(n => n is not null).ToList();
        if (pools.Count <= 1) return Candidates(w, c, pools.FirstOrDefault(), null);
        var results = pools.Select(p => Candidates(w, c, p, null)).ToList();
        var addrs = results.SelectMany(r => r.Addresses).Distinct().ToList();
        return new(addrs, results.All(r => r.Blocked), results.Any(r => r.Ephemeral));
    }

    internal static IEnumerable<JsonObject> AgentPools(Cluster c) =>
        (JsonUtil.Get(c.Body, "properties", "agentPoolProfiles") as JsonArray ?? new JsonArray()).OfType<JsonObject>();

    /// <summary>A representative internet destination for the route lookup (longest-prefix match, as Azure routes).</summary>
    private static readonly System.Net.IPAddress InternetDestination = System.Net.IPAddress.Parse("104.16.0.1");

    /// <summary>
    /// The egress decision for one pool (null = the first), in Azure's outbound precedence: a UDR to a virtual appliance (or
    /// None / a VPN gateway) before a NAT gateway on the subnet, before instance-level (node) public IPs, before the load
    /// balancer's outbound rule. <paramref name="node"/> picks the node's own public IP for node-public-IP pools.
    /// </summary>
    public static Result Candidates(EmulatorWorld w, Cluster c, string? pool, string? node)
    {
        if (c.OutboundType is "none" or "block") return new(Array.Empty<string>(), true, false);
        if (c.LoadBalancerSku.Equals("basic", StringComparison.OrdinalIgnoreCase) && c.OutboundType == "loadBalancer")
        {
            foreach (var f in c.Frontends)
            {
                var p = w.FindPublicIpById(f.PublicIpId);
                if (p?.Address is not null) return new(new[] { p.Address }, false, false);
            }
            return new(Array.Empty<string>(), false, true);
        }
        var profile = AgentPools(c).FirstOrDefault(p => pool is null || string.Equals(JsonUtil.S(p, "name"), pool, StringComparison.OrdinalIgnoreCase))
                      ?? AgentPools(c).FirstOrDefault();
        // Pods use the pod subnet when the pool has one.
        var subnetRef = w.FindSubnet(JsonUtil.S(profile, "podSubnetID") ?? JsonUtil.S(profile, "vnetSubnetID"));
        if (subnetRef is { } sr && EmulatorWorld.FindById(w.RouteTables, sr.Subnet.RouteTableId, "routeTables") is { } rt)
        {
            var route = rt.Routes.Where(r => CidrContains(r.AddressPrefix, InternetDestination))
                .OrderByDescending(r => int.Parse(r.AddressPrefix.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
            switch (route?.NextHopType)
            {
                case "VirtualAppliance":
                {
                    var fw = w.Firewalls.Values.FirstOrDefault(f => f.PrivateIpAddress == route.NextHopIpAddress);
                    if (fw is null) return new(Array.Empty<string>(), true, false);    // an NVA the emulator does not model: no internet
                    if (fw.Hub) return new(fw.HubPublicAddresses.ToList(), fw.HubPublicAddresses.Count == 0, false);
                    // A NAT gateway on AzureFirewallSubnet takes all of the firewall's internet traffic.
                    var fwSubnet = w.FindSubnet(fw.IpConfigurations.FirstOrDefault(i => i.SubnetId is not null)?.SubnetId);
                    if (fwSubnet?.Subnet.NatGatewayId is { } fwNat && EmulatorWorld.FindById(w.NatGateways, fwNat, "natGateways") is { } fwNg)
                        return NatResult(w, fwNg);
                    var fwAddrs = fw.IpConfigurations.Select(i => w.FindPublicIpById(i.PublicIpId)?.Address).Where(a => a is not null).Select(a => a!).Distinct().ToList();
                    return new(fwAddrs, fwAddrs.Count == 0, false);
                }
                case "None":
                case "VirtualNetworkGateway":
                    return new(Array.Empty<string>(), true, false);   // dropped, or sent on-premises: no Azure public address
            }
        }
        if (subnetRef?.Subnet.NatGatewayId is { } natId && EmulatorWorld.FindById(w.NatGateways, natId, "natGateways") is { } ng)
            return NatResult(w, ng);
        if (c.OutboundType == "userAssignedNATGateway") return new(Array.Empty<string>(), true, false);
        if (JsonUtil.Bool(JsonUtil.Get(profile, "enableNodePublicIP")) == true)
        {
            if (EmulatorWorld.FindById(w.PublicIpPrefixes, JsonUtil.S(profile, "nodePublicIPPrefixID"), "publicIPPrefixes") is { } npp)
            {
                var all = npp.Addresses();
                var idx = node is null ? -1 : Math.Max(0, c.K8s?.NodeNames.IndexOf(node) ?? 0);
                return new(idx < 0 ? all : new[] { all[idx % all.Count] }, false, false);
            }
            var nodes = node is not null ? new[] { node } : (c.K8s?.Nodes.Values ?? Enumerable.Empty<JsonObject>())
                .Where(n => string.Equals(JsonUtil.S(n, "metadata", "labels", "agentpool"), JsonUtil.S(profile, "name"), StringComparison.OrdinalIgnoreCase))
                .Select(n => JsonUtil.S(n, "metadata", "name")!).ToArray();
            var list = new List<string>();
            foreach (var n in nodes)
            {
                if (!w.NodePublicAddresses.TryGetValue(c.Name + "/" + n, out var a)) w.NodePublicAddresses[c.Name + "/" + n] = a = w.AllocateAddress();
                list.Add(a);
            }
            return new(list, false, false);
        }
        switch (c.OutboundType)
        {
            case "userDefinedRouting":
            {
                // No modelled route on the pool's subnet (a cluster changed to UDR by a test): the demo firewall's IP.
                var fw = w.PublicIps.GetValueOrDefault(EmulatorWorld.RgKey("demo-rg", "fw-egress-ip"));
                return fw?.Address is null ? new(Array.Empty<string>(), true, false) : new(new[] { fw.Address }, false, false);
            }
            case "managedNATGateway":
            {
                var ids = new List<string>();
                if (c.NetworkProfile["natGatewayProfile"] is JsonObject ngp && ngp["effectiveOutboundIPs"] is JsonArray eff)
                    ids.AddRange(eff.Select(e => JsonUtil.S(e, "id")!).Where(x => x is not null));
                foreach (var mng in w.NatGateways.Values.Where(n => n.ResourceGroup.Equals(c.NodeResourceGroup, StringComparison.OrdinalIgnoreCase)))
                    ids.AddRange(mng.PublicIpIds);
                var addrs = ids.Distinct(StringComparer.OrdinalIgnoreCase).Select(w.FindPublicIpById).Where(p => p?.Address is not null).Select(p => p!.Address!).Distinct().ToList();
                return new(addrs, addrs.Count == 0, false);
            }
            default:
            {
                // The probe endpoints are IPv4 (api.ipify.org): a dual-stack cluster's IPv6 outbound IPs carry only IPv6 flows.
                var a = c.EffectiveOutboundIpIds().Select(w.FindPublicIpById).Where(p => p?.Address is not null && p.Version != "IPv6").Select(p => p!.Address!).ToList();
                // outboundIPPrefixes: the outbound rule SNATs to any address of each prefix.
                foreach (var id in c.EffectiveOutboundIpIds())
                    if (EmulatorWorld.FindById(w.PublicIpPrefixes, id, "publicIPPrefixes") is { } pp) a.AddRange(pp.Addresses());
                return new(a, false, false);
            }
        }
    }

    /// <summary>A NAT gateway picks any of its addresses, including every address of its prefixes, per connection.</summary>
    private static Result NatResult(EmulatorWorld w, NatGateway ng)
    {
        var addrs = ng.PublicIpIds.Select(w.FindPublicIpById).Where(p => p?.Address is not null).Select(p => p!.Address!).ToList();
        foreach (var pid in ng.PublicIpPrefixIds)
            if (EmulatorWorld.FindById(w.PublicIpPrefixes, pid, "publicIPPrefixes") is { } pp) addrs.AddRange(pp.Addresses());
        addrs = addrs.Distinct().ToList();
        return new(addrs, addrs.Count == 0, false);
    }

    internal static bool CidrContains(string cidr, System.Net.IPAddress address)
    {
        var parts = cidr.Split('/');
        if (parts.Length != 2 || !System.Net.IPAddress.TryParse(parts[0], out var net) || net.AddressFamily != address.AddressFamily) return false;
        var bits = int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        var a = net.GetAddressBytes(); var b = address.GetAddressBytes();
        for (var i = 0; i < a.Length && bits > 0; i++, bits -= 8)
        {
            var mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((a[i] & mask) != (b[i] & mask)) return false;
        }
        return true;
    }

    /// <summary>Picks the source address of one flow from a pod on <paramref name="node"/> (null = no egress).</summary>
    public static string? Pick(EmulatorWorld w, Cluster c, string? node = null)
    {
        var pool = node is null ? null : JsonUtil.S(c.K8s.Nodes.GetValueOrDefault(node), "metadata", "labels", "agentpool");
        var r = Candidates(w, c, pool, node);
        if (r.Blocked) return null;
        if (r.Ephemeral) return EmulatorWorld.EphemeralAddress();
        if (r.Addresses.Count == 0) return null;
        return r.Addresses[Random.Shared.Next(r.Addresses.Count)];
    }

    /// <summary>The exact body a "what is my IP" endpoint returns for this URL and source address.</summary>
    public static string Body(Uri url, string ip, bool cliUserAgent = true)
    {
        var host = url.Host.ToLowerInvariant();
        var path = url.AbsolutePath;
        var query = url.Query;
        if (host.StartsWith("checkip.dyndns.")) return $"<html><head><title>Current IP Check</title></head><body>Current IP Address: {ip}</body></html>\r\n";
        if (host is "api.ipify.org" or "api64.ipify.org" or "api4.ipify.org")
        {
            if (query.Contains("format=json", StringComparison.OrdinalIgnoreCase)) return $"{{\"ip\":\"{ip}\"}}";
            return ip;
        }
        if (host is "ifconfig.me" or "www.ifconfig.me")
        {
            if (path.StartsWith("/all.json", StringComparison.OrdinalIgnoreCase))
                return $"{{\"ip_addr\":\"{ip}\",\"remote_host\":\"unavailable\",\"user_agent\":\"curl/8.12.1\",\"port\":{Random.Shared.Next(1024, 65535)},\"language\":\"\",\"referer\":\"\",\"connection\":\"\",\"keep_alive\":\"\",\"method\":\"GET\",\"encoding\":\"\",\"mime\":\"*/*\",\"charset\":\"\",\"via\":\"1.1 google\",\"forwarded\":\"{ip},34.160.111.145\"}}";
            if (path.StartsWith("/ip", StringComparison.OrdinalIgnoreCase)) return ip;
            return cliUserAgent ? ip : $"<!DOCTYPE html><html><head><title>What Is My IP Address? - ifconfig.me</title></head><body><strong id=\"ip_address\">{ip}</strong></body></html>";
        }
        return ip + "\n";
    }
}
