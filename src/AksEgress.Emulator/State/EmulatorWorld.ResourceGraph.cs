namespace AksEgress.Emulator;

public sealed partial class EmulatorWorld
{
    // ------------------------------------------------------------------ Azure Resource Graph (issue 11: a firewall by private IP)

    private int _graphPageSize = DefaultGraphPageSize;
    /// <summary>Resource Graph's default page size (rows per answer when the request sets no $top).</summary>
    internal const int DefaultGraphPageSize = 100;

    /// <summary>Rows per Resource Graph page (tests set it low to make the module follow $skipToken).</summary>
    public int ResourceGraphPageSize { get { lock (Sync) return _graphPageSize; } set { lock (Sync) _graphPageSize = Math.Max(1, value); } }

    /// <summary>The ids of the Azure Firewalls whose hub or ipConfiguration private address is <paramref name="privateIp"/>, in id order. Caller holds Sync.</summary>
    internal List<string> FirewallIdsWithPrivateIp(string privateIp) =>
        Firewalls.Values
            .Where(f => string.Equals(f.HubPrivateIpAddress, privateIp, StringComparison.OrdinalIgnoreCase)
                        || f.IpConfigurations.Any(c => string.Equals(c.PrivateIpAddress, privateIp, StringComparison.OrdinalIgnoreCase)))
            .Select(f => f.Id(SubscriptionId)).Order(StringComparer.OrdinalIgnoreCase).ToList();

    /// <summary>Adds a secured-hub firewall (AZFW_Hub) with that private address and <paramref name="publicAddresses"/> new public addresses; returns them.</summary>
    public IReadOnlyList<string> AddHubFirewall(string resourceGroup, string name, string privateIp, int publicAddresses)
    {
        lock (Sync)
        {
            if (!ResourceGroups.ContainsKey(resourceGroup)) AddRg(resourceGroup);
            var fw = new AzureFirewall { ResourceGroup = resourceGroup, Name = name, Hub = true, HubPrivateIpAddress = privateIp };
            for (var i = 0; i < publicAddresses; i++) fw.HubPublicAddresses.Add(AllocateAddress());
            fw.VirtualHubId = $"/subscriptions/{SubscriptionId}/resourceGroups/{resourceGroup}/providers/Microsoft.Network/virtualHubs/{name}-hub";
            Firewalls[RgKey(resourceGroup, name)] = fw;
            return fw.HubPublicAddresses.ToList();
        }
    }
}
