namespace AksEgress.Emulator;

public sealed partial class EmulatorWorld
{
    // ------------------------------------------------------------------ node pool scale sets and their instance public IPs (issue 11)

    internal sealed record ScaleSet(Cluster Cluster, string Pool, string Name, JsonObject Json, IReadOnlyList<(string Node, int Instance)> Nodes);

    /// <summary>One scale set per node pool of each cluster whose node resource group is <paramref name="resourceGroup"/>, named from its nodes' providerID. Caller holds Sync.</summary>
    internal List<ScaleSet> ScaleSetsLocked(string resourceGroup)
    {
        var list = new List<ScaleSet>();
        foreach (var c in Clusters.Values.Where(c => c.NodeResourceGroup.Equals(resourceGroup, StringComparison.OrdinalIgnoreCase)))
        {
            foreach (var pool in Egress.AgentPools(c))
            {
                var poolName = JsonUtil.S(pool, "name") ?? "nodepool1";
                var nodes = new List<(string Node, string Vmss, int Instance)>();
                foreach (var n in c.K8s.NodeNames)
                {
                    var node = c.K8s.Nodes[n];
                    if (!string.Equals(JsonUtil.S(node, "metadata", "labels", "agentpool"), poolName, StringComparison.OrdinalIgnoreCase)) continue;
                    var m = System.Text.RegularExpressions.Regex.Match(JsonUtil.S(node, "spec", "providerID") ?? "", @"/virtualMachineScaleSets/(?<vmss>[^/]+)/virtualMachines/(?<i>\d+)$");
                    if (m.Success) nodes.Add((n, m.Groups["vmss"].Value, int.Parse(m.Groups["i"].Value, System.Globalization.CultureInfo.InvariantCulture)));
                }
                if (nodes.Count == 0) continue;
                var name = nodes[0].Vmss;
                var id = $"/subscriptions/{SubscriptionId}/resourceGroups/{c.NodeResourceGroup}/providers/Microsoft.Compute/virtualMachineScaleSets/{name}";
                var json = new JsonObject
                {
                    ["name"] = name, ["id"] = id, ["type"] = "Microsoft.Compute/virtualMachineScaleSets", ["location"] = Location,
                    ["tags"] = new JsonObject
                    {
                        ["aks-managed-createOperationID"] = Det.Guid("op/" + c.Name + "/" + poolName).ToString(),
                        ["aks-managed-orchestrator"] = "Kubernetes:1.32.7",
                        ["aks-managed-poolName"] = poolName,
                        ["aks-managed-resourceNameSuffix"] = Det.Digits("suffix/" + c.Name, 8),
                    },
                    ["sku"] = new JsonObject { ["name"] = JsonUtil.S(pool, "vmSize") ?? "Standard_D2s_v3", ["tier"] = "Standard", ["capacity"] = nodes.Count },
                    ["properties"] = new JsonObject
                    {
                        ["provisioningState"] = "Succeeded", ["orchestrationMode"] = "Uniform", ["uniqueId"] = Det.Guid("vmss/" + id).ToString(),
                        ["overprovision"] = false, ["singlePlacementGroup"] = false,
                    },
                };
                list.Add(new ScaleSet(c, poolName, name, json, nodes.Select(x => (x.Node, x.Instance)).ToList()));
            }
        }
        return list;
    }

    /// <summary>
    /// The instance-level public IPs of a scale set (one per node of a pool with enableNodePublicIP; none otherwise), with the
    /// address each node egresses from. AKS's NIC / ipconfig / public IP config names are not published: the emulator uses the
    /// scale set name, ipconfig1 and pub1. Caller holds Sync.
    /// </summary>
    internal IEnumerable<JsonNode> ScaleSetPublicIpsLocked(ScaleSet set)
    {
        var pool = Egress.AgentPools(set.Cluster).FirstOrDefault(p => string.Equals(JsonUtil.S(p, "name"), set.Pool, StringComparison.OrdinalIgnoreCase));
        if (JsonUtil.Bool(JsonUtil.Get(pool, "enableNodePublicIP")) != true) yield break;
        var vmssId = (string)set.Json["id"]!;
        foreach (var (node, instance) in set.Nodes)
        {
            var candidates = Egress.Candidates(this, set.Cluster, set.Pool, node).Addresses;
            var address = candidates.Count > 0 ? candidates[0] : null;
            var ipConfig = $"{vmssId}/virtualMachines/{instance}/networkInterfaces/{set.Name}/ipConfigurations/ipconfig1";
            var props = new JsonObject
            {
                ["provisioningState"] = "Succeeded",
                ["resourceGuid"] = Det.Guid("vmsspip/" + ipConfig).ToString(),
            };
            if (address is not null) props["ipAddress"] = address;
            props["publicIPAddressVersion"] = "IPv4";
            props["publicIPAllocationMethod"] = "Static";
            props["idleTimeoutInMinutes"] = 4;
            props["ipConfiguration"] = new JsonObject { ["id"] = ipConfig };
            yield return new JsonObject
            {
                ["name"] = "pub1",
                ["id"] = ipConfig + "/publicIPAddresses/pub1",
                ["etag"] = $"W/\"{Det.Guid("etag/" + ipConfig)}\"",
                ["sku"] = new JsonObject { ["name"] = "Standard", ["tier"] = "Regional" },
                ["properties"] = props,
            };
        }
    }
}
