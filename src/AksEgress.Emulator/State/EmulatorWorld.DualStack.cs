namespace AksEgress.Emulator;

public sealed partial class EmulatorWorld
{
    // ------------------------------------------------------------------ dual-stack: managed IPv6 outbound IPs (issue 11)

    private int _nextV6 = 0x10;

    /// <summary>An IPv6 public address from the documentation range 2001:db8:e9::/48. Caller holds Sync.</summary>
    internal string AllocateAddressV6()
    {
        while (true)
        {
            var a = $"2001:db8:e9::{_nextV6++:x}";
            if (UsedAddresses.Add(a)) return a;
        }
    }

    /// <summary>
    /// Makes the cluster's managed IPv6 outbound IPs match managedOutboundIPs.countIPv6 of <paramref name="lbp"/> (0 when absent;
    /// all removed when <paramref name="lbp"/> is null, i.e. your own IPs or prefixes replace the managed ones); returns their ids.
    /// Caller holds Sync.
    /// </summary>
    internal List<string> ReconcileManagedIpv6(Cluster c, JsonObject? lbp, string lbId)
    {
        var want = lbp is null ? 0 : JsonUtil.Int(JsonUtil.Get(lbp, "managedOutboundIPs", "countIPv6")) ?? 0;
        var v6 = PublicIps.Values.Where(p => p.ManagedByCluster == c.Name && p.Version == "IPv6" && p.Tags.GetValueOrDefault("type") == "aks-slb-managed-outbound-ip")
            .OrderBy(p => p.Name, StringComparer.Ordinal).ToList();
        while (v6.Count < want)
        {
            var pip = new PublicIp
            {
                ResourceGroup = c.NodeResourceGroup, Name = Det.Guid($"outbound6/{c.Name}/{Guid.NewGuid()}").ToString(), Address = AllocateAddressV6(),
                Version = "IPv6", ManagedByCluster = c.Name, Zones = { "1", "2", "3" },
                Tags = { ["owner"] = "kubernetes", ["type"] = "aks-slb-managed-outbound-ip", ["aks-managed-cluster-name"] = c.Name, ["aks-managed-cluster-rg"] = c.ResourceGroup },
            };
            PublicIps[RgKey(pip.ResourceGroup, pip.Name)] = pip;
            v6.Add(pip);
        }
        foreach (var extra in v6.Skip(want).ToList()) { PublicIps.Remove(RgKey(extra.ResourceGroup, extra.Name)); UsedAddresses.Remove(extra.Address ?? ""); v6.Remove(extra); }
        foreach (var p in v6) p.IpConfigurationId = $"{lbId}/frontendIPConfigurations/{Det.Guid("fe/" + p.Name)}";
        return v6.Select(p => p.Id(SubscriptionId)).ToList();
    }
}
