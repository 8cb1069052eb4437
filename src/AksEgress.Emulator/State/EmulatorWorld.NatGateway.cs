namespace AksEgress.Emulator;

/// <summary>NAT gateway writes: the managed NAT gateway AKS sizes from a cluster PUT (natGatewayProfile), and the attachment of
/// public IPs / prefixes by a PUT of a user-assigned NAT gateway. Egress (EmulatorWorld.Kubernetes) follows both.</summary>
public sealed partial class EmulatorWorld
{
    /// <summary>The NAT gateway AKS created for a managedNATGateway cluster (in its node resource group). Caller holds Sync.</summary>
    internal NatGateway? ManagedNatGatewayOf(Cluster c) =>
        NatGateways.Values.FirstOrDefault(n => n.ResourceGroup.Equals(c.NodeResourceGroup, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// What AKS does when a managedNATGateway cluster's update succeeds: the managed NAT gateway gets exactly
    /// natGatewayProfile.managedOutboundIPProfile.count AKS-managed public IPs (kept ones first, extra ones deleted) and the
    /// profile's idle timeout, and natGatewayProfile.effectiveOutboundIPs lists them. Caller holds Sync.
    /// </summary>
    internal void ReconcileManagedNatGateway(Cluster c)
    {
        if (JsonUtil.Get(c.Body, "properties", "networkProfile", "natGatewayProfile") is not JsonObject ngp) return;
        var ng = ManagedNatGatewayOf(c);
        if (ng is null) return;
        var count = JsonUtil.Int(JsonUtil.Get(ngp, "managedOutboundIPProfile", "count")) ?? 1;
        while (ng.PublicIpIds.Count < count)
        {
            var pip = NewManagedOutboundIp(c, Det.Guid($"natgw-ip/{c.Name}/{Guid.NewGuid()}").ToString());
            pip.IpConfigurationId = null;
            ng.PublicIpIds.Add(pip.Id(SubscriptionId));
        }
        foreach (var extra in ng.PublicIpIds.Skip(count).ToList())
        {
            ng.PublicIpIds.Remove(extra);
            if (FindPublicIpById(extra) is { } p && p.ManagedByCluster == c.Name)
            { PublicIps.Remove(RgKey(p.ResourceGroup, p.Name)); UsedAddresses.Remove(p.Address ?? ""); }
        }
        ng.IdleTimeoutInMinutes = JsonUtil.Int(ngp["idleTimeoutInMinutes"]) ?? ng.IdleTimeoutInMinutes;
        ng.Etag = PublicIp.NewEtag();
        ngp["effectiveOutboundIPs"] = new JsonArray(ng.PublicIpIds.Select(id => (JsonNode)new JsonObject { ["id"] = id }).ToArray());
    }

    /// <summary>Makes <paramref name="ipIds"/> and <paramref name="prefixIds"/> the NAT gateway's set: prefixes leaving it are
    /// released, prefixes joining it point back at it. Caller holds Sync.</summary>
    internal void AttachToNatGateway(NatGateway ng, IReadOnlyList<string> ipIds, IReadOnlyList<string> prefixIds)
    {
        var id = ng.Id(SubscriptionId);
        foreach (var old in ng.PublicIpPrefixIds)
            if (FindById(PublicIpPrefixes, old, "publicIPPrefixes") is { } p && string.Equals(p.NatGatewayId, id, StringComparison.OrdinalIgnoreCase)) p.NatGatewayId = null;
        ng.PublicIpIds.Clear(); ng.PublicIpIds.AddRange(ipIds);
        ng.PublicIpPrefixIds.Clear(); ng.PublicIpPrefixIds.AddRange(prefixIds);
        foreach (var pid in prefixIds)
            if (FindById(PublicIpPrefixes, pid, "publicIPPrefixes") is { } p) p.NatGatewayId = id;
    }

    /// <summary>Another client's change to a NAT gateway (tests): a new idle timeout and a new etag.</summary>
    public void ChangeNatGatewayIdleTimeout(string resourceGroup, string name, int minutes)
    {
        lock (Sync)
        {
            var ng = NatGateways[RgKey(resourceGroup, name)];
            ng.IdleTimeoutInMinutes = minutes;
            ng.Etag = PublicIp.NewEtag();
        }
    }

    /// <summary>A NAT gateway's idle timeout and public IP / prefix ids as the emulator holds them (tests).</summary>
    public (int IdleTimeoutInMinutes, IReadOnlyList<string> PublicIpIds, IReadOnlyList<string> PublicIpPrefixIds) GetNatGateway(string resourceGroup, string name)
    {
        lock (Sync)
        {
            var ng = NatGateways[RgKey(resourceGroup, name)];
            return (ng.IdleTimeoutInMinutes, ng.PublicIpIds.ToArray(), ng.PublicIpPrefixIds.ToArray());
        }
    }
}
