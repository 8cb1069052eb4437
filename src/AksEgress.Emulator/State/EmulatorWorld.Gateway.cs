namespace AksEgress.Emulator;

/// <summary>
/// The AKS Static Egress Gateway add-on (docs/research/static-egress-gateway-facts.md): the cluster flag, gateway agent pools and
/// their nodes, and the public IP prefixes the controller provisions, one per StaticGatewayConfiguration.
/// </summary>
public sealed partial class EmulatorWorld
{
    internal const string GatewayModeLabel = "kubernetes.azure.com/mode";
    internal const string GatewayAnnotation = "kubernetes.azure.com/static-gateway-configuration";
    internal const string GatewayFinalizer = "static-gateway-configuration-controller.microsoft.com";
    internal const string GatewayGroup = "egressgateway.kubernetes.azure.com";

    /// <summary>Prefix blocks in use (index of a /28-aligned block of 192.0.2.0/24, then 198.18.0.0/16).</summary>
    private readonly HashSet<int> _prefixBlocks = new();

    internal static bool GatewayEnabled(Cluster c) =>
        JsonUtil.Bool(JsonUtil.Get(c.Body, "properties", "networkProfile", "staticEgressGatewayProfile", "enabled")) == true;

    internal static JsonArray AgentPools(Cluster c) => JsonUtil.Arr(JsonUtil.Obj(c.Body, "properties"), "agentPoolProfiles");

    internal static JsonObject? FindPool(Cluster c, string name) =>
        AgentPools(c).OfType<JsonObject>().FirstOrDefault(p => string.Equals(JsonUtil.S(p, "name"), name, StringComparison.OrdinalIgnoreCase));

    internal static bool IsGatewayPool(JsonObject? pool) => string.Equals(JsonUtil.S(pool, "mode"), "Gateway", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// A new public IP prefix CIDR of the given length for a gateway configuration. Caller holds Sync. Null when the range is
    /// exhausted. Gateway prefixes come from 198.18.0.0/16 only, so they never overlap the public IP prefixes of
    /// <see cref="AllocatePrefix"/> (192.0.2.32-255) or the seeded ones.
    /// </summary>
    internal string? AllocateGatewayPrefix(int length)
    {
        for (var i = 16; i < 4096; i++)
        {
            if (_prefixBlocks.Contains(i)) continue;
            _prefixBlocks.Add(i);
            return i < 16 ? $"192.0.2.{i * 16}/{length}" : $"198.18.{(i - 16) / 16}.{(i - 16) % 16 * 16}/{length}";
        }
        return null;
    }

    /// <summary>Returns a prefix to the pool. Caller holds Sync.</summary>
    internal void ReleasePrefix(string? cidr)
    {
        if (cidr is null) return;
        var parts = cidr.Split('/')[0].Split('.');
        if (parts.Length != 4) return;
        if (parts[0] == "192") _prefixBlocks.Remove(int.Parse(parts[3]) / 16);
        else _prefixBlocks.Remove(16 + int.Parse(parts[2]) * 16 + int.Parse(parts[3]) / 16);
    }

    /// <summary>The addresses of a CIDR (IPv4, /28 or longer).</summary>
    internal static IReadOnlyList<string> PrefixAddresses(string cidr)
    {
        var slash = cidr.Split('/');
        if (slash.Length != 2 || !int.TryParse(slash[1], out var len) || len is < 24 or > 32) return Array.Empty<string>();
        var b = slash[0].Split('.').Select(int.Parse).ToArray();
        var count = 1 << (32 - len);
        return Enumerable.Range(0, count).Select(i => $"{b[0]}.{b[1]}.{b[2]}.{b[3] + i}").ToArray();
    }

    /// <summary>Creates the Kubernetes nodes of a gateway pool (label mode=gateway, NoSchedule taint). Caller holds Sync.</summary>
    internal void AddPoolNodes(Cluster c, string pool, int count, string vmSize, bool gateway)
    {
        var k = c.K8s;
        var digits = Det.Digits("vmss/" + c.Name + "/" + pool, 8);
        var existing = k.NodeNames.Where(n => JsonUtil.S(k.Nodes[n], "metadata", "labels", "agentpool") == pool).ToList();
        for (var i = existing.Count; i < count; i++)
        {
            var name = $"aks-{pool}-{digits}-vmss{ToBase36(i, 6)}";
            var idx = k.NodeNames.Count;
            var labels = new JsonObject
            {
                ["kubernetes.io/hostname"] = name, ["kubernetes.io/os"] = "linux", ["kubernetes.io/arch"] = "amd64",
                ["agentpool"] = pool, ["kubernetes.azure.com/agentpool"] = pool, ["node.kubernetes.io/instance-type"] = vmSize,
                ["topology.kubernetes.io/region"] = Location, ["topology.kubernetes.io/zone"] = $"{Location}-{i % 3 + 1}",
                [GatewayModeLabel] = gateway ? "gateway" : "user",
            };
            var spec = new JsonObject
            {
                ["podCIDR"] = $"10.244.{idx}.0/24",
                ["providerID"] = $"azure:///subscriptions/{SubscriptionId}/resourceGroups/{c.NodeResourceGroup.ToLowerInvariant()}/providers/Microsoft.Compute/virtualMachineScaleSets/aks-{pool}-{digits}-vmss/virtualMachines/{i}",
            };
            // The taint is not published by Microsoft (facts §1.3); modelled as the one AKS support material names.
            if (gateway) spec["taints"] = new JsonArray(new JsonObject { ["key"] = GatewayModeLabel, ["value"] = "gateway", ["effect"] = "NoSchedule" });
            var node = new JsonObject
            {
                ["kind"] = "Node", ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject
                {
                    ["name"] = name, ["uid"] = Det.Guid("node/" + c.Name + name).ToString(), ["resourceVersion"] = "0", ["creationTimestamp"] = JsonUtil.Now(), ["labels"] = labels,
                },
                ["spec"] = spec,
                ["status"] = new JsonObject
                {
                    ["conditions"] = new JsonArray(new JsonObject { ["type"] = "Ready", ["status"] = "True", ["reason"] = "KubeletReady", ["message"] = "kubelet is posting ready status", ["lastHeartbeatTime"] = JsonUtil.Now(), ["lastTransitionTime"] = JsonUtil.Now() }),
                    ["addresses"] = new JsonArray(new JsonObject { ["type"] = "InternalIP", ["address"] = $"10.224.0.{4 + idx}" }, new JsonObject { ["type"] = "Hostname", ["address"] = name }),
                    ["nodeInfo"] = new JsonObject
                    {
                        ["kubeletVersion"] = "v1.32.7", ["containerRuntimeVersion"] = "containerd://1.7.28-1", ["osImage"] = "Ubuntu 22.04.5 LTS", ["operatingSystem"] = "linux", ["architecture"] = "amd64", ["kernelVersion"] = "5.15.0-1092-azure",
                        ["machineID"] = Det.Guid("machine/" + c.Name + name).ToString("N"), ["systemUUID"] = Det.Guid("uuid/" + c.Name + name).ToString(),
                        ["bootID"] = Det.Guid("boot/" + c.Name + name).ToString(), ["kubeProxyVersion"] = "",
                    },
                },
            };
            k.NodeNames.Add(name);
            Commit(k, "Node", "ADDED", node);
        }
        foreach (var extra in existing.Skip(count).ToList()) RemoveNode(k, extra);
    }

    /// <summary>Removes every node of a pool. Caller holds Sync.</summary>
    internal void RemovePoolNodes(Cluster c, string pool)
    {
        foreach (var n in c.K8s.NodeNames.Where(n => JsonUtil.S(c.K8s.Nodes[n], "metadata", "labels", "agentpool") == pool).ToList()) RemoveNode(c.K8s, n);
    }

    private void RemoveNode(K8sState k, string name)
    {
        k.NodeNames.Remove(name);
        if (k.Nodes.TryGetValue(name, out var node)) Commit(k, "Node", "DELETED", node);
    }

    // ------------------------------------------------------------------ public test helpers
    /// <summary>A copy of a StaticGatewayConfiguration, or null.</summary>
    /// <summary>Tests: replaces a configuration's status (null: none, as before the controller provisioned its prefix) and notifies watchers.</summary>
    public void SetGatewayConfigurationStatus(string cluster, string ns, string name, JsonObject? status)
    {
        lock (Sync)
        {
            var k = Clusters[cluster].K8s;
            var g = k.Gateways[ns + "/" + name];
            if (status is null) g.Remove("status"); else g["status"] = status.DeepClone();
            Commit(k, "StaticGatewayConfiguration", "MODIFIED", g);
        }
    }

    public JsonObject? GetGatewayConfiguration(string cluster, string ns, string name)
    {
        lock (Sync) return Clusters[cluster].K8s.Gateways.TryGetValue(ns + "/" + name, out var g) ? JsonUtil.Clone(g) : null;
    }

    /// <summary>Names of the cluster's agent pools.</summary>
    public IReadOnlyList<string> GetAgentPoolNames(string cluster)
    {
        lock (Sync) return AgentPools(Clusters[cluster]).OfType<JsonObject>().Select(p => JsonUtil.S(p, "name")!).ToArray();
    }

    /// <summary>Names of the nodes labelled kubernetes.azure.com/mode=gateway.</summary>
    public IReadOnlyList<string> GetGatewayNodeNames(string cluster)
    {
        lock (Sync)
        {
            var k = Clusters[cluster].K8s;
            return k.NodeNames.Where(n => JsonUtil.S(k.Nodes[n], "metadata", "labels", GatewayModeLabel) == "gateway").ToArray();
        }
    }

    /// <summary>Public IP prefixes the gateway controller holds (CIDRs), for leak checks.</summary>
    public int GatewayPrefixCount { get { lock (Sync) return _prefixBlocks.Count; } }
}
