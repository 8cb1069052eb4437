namespace AksEgress.Internal;

/// <summary>
/// Base of the cmdlets that reach a cluster's Kubernetes API and take its kubeconfig by name only (not from the pipeline):
/// owns -KubeConfigPath and -KubeContext (with its completer) and turns them into the request's <see cref="KubeAccess"/>.
/// </summary>
public abstract class KubeAccessCmdlet : AksEgressCmdlet
{
    [Parameter]
    public string? KubeConfigPath { get; set; }

    [Parameter]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    public string? KubeContext { get; set; }

    /// <summary>The kubeconfig (checked to exist, before any request) or, without one, the cluster's credentials from Azure.</summary>
    internal KubeAccess Kube(string? clusterId) => KubeAccessBuilder.Build(this, KubeConfigPath, KubeContext, clusterId, null);
}
