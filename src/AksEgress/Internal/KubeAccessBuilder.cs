namespace AksEgress.Internal;

internal static class KubeAccessBuilder
{
    /// <summary>Resolves PowerShell paths and checks the kubeconfig exists, before any request.</summary>
    public static KubeAccess Build(PSCmdlet cmdlet, string? kubeConfigPath, string? kubeContext, string? clusterId, Models.AksNodeResourceGroup? clusterInfo)
    {
        string? path = null;
        if (!string.IsNullOrWhiteSpace(kubeConfigPath))
        {
            path = cmdlet.GetUnresolvedProviderPathFromPSPath(kubeConfigPath);
            if (!File.Exists(path))
                throw new AksEgressException(ErrorIds.KubeConfigNotFound, EgressErrorCategory.ObjectNotFound,
                    $"The kubeconfig file '{path}' does not exist.", kubeConfigPath,
                    "Pass an existing kubeconfig, or omit -KubeConfigPath to use the cluster's credentials from Azure.");
        }
        ClusterRef? cluster = clusterInfo is not null ? ClusterRef.FromId(clusterInfo.ClusterId)
            : string.IsNullOrWhiteSpace(clusterId) ? null : ClusterRef.FromId(clusterId);
        return new KubeAccess { KubeConfigPath = path, KubeContext = kubeContext, Cluster = cluster, ClusterInfo = clusterInfo };
    }
}
