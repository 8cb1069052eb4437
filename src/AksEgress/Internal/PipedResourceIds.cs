namespace AksEgress.Internal;

/// <summary>
/// Public IP and public IP prefix ids piped to a cmdlet that updates each cluster once (Set-AksOutboundIp, Set-AksNatGatewayIp),
/// grouped by cluster in arrival order; a prefix id (a piped New-AksEgressIpPrefix binds its Id to -PublicIpId) goes to the prefixes.
/// </summary>
internal sealed class PipedResourceIds
{
    private readonly Dictionary<string, (ClusterRef Cluster, List<string> Ips, List<string> Prefixes)> _byCluster = new(StringComparer.OrdinalIgnoreCase);

    private IEnumerable<(string ClusterId, ClusterRef Cluster, string[] Ips, string[] Prefixes)> Clusters =>
        _byCluster.Select(kv => (kv.Key, kv.Value.Cluster, kv.Value.Ips.ToArray(), kv.Value.Prefixes.ToArray()));

    /// <summary>Adds the ids of one pipeline record (ProcessRecord); a cluster id that is not one is written as that record's error.</summary>
    public void Add(AksEgressCmdlet cmdlet, string clusterId, IEnumerable<string> ids)
    {
        try { Add(clusterId, ids); }
        catch (Exception e) when (e is not System.Management.Automation.PipelineStoppedException) { cmdlet.WriteFailure(e, clusterId); }
    }

    /// <summary>Sends one update per cluster (EndProcessing) and writes its result; a failure is that cluster's error, the others go on.</summary>
    public void SendEach<TRequest, T>(AksEgressCmdlet cmdlet, Func<ClusterRef, string[], string[], TRequest> build, Func<TRequest, IOperationContext, Task<T>> call)
    {
        foreach (var (clusterId, cluster, ips, prefixes) in Clusters)
            cmdlet.RunAndWrite(clusterId, () => build(cluster, ips, prefixes), call);
    }

    private void Add(string clusterId, IEnumerable<string> ids)
    {
        var cluster = ClusterRef.FromId(clusterId);
        if (!_byCluster.TryGetValue(clusterId, out var entry))
            _byCluster[clusterId] = entry = (cluster, new List<string>(), new List<string>());
        foreach (var id in ids)
        {
            var list = ResourceIdParser.IsPublicIpPrefixId(id, out _) ? entry.Prefixes : entry.Ips;
            if (!list.Contains(id, StringComparer.OrdinalIgnoreCase)) list.Add(id);
        }
    }
}
