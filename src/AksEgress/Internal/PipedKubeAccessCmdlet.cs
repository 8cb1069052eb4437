namespace AksEgress.Internal;

/// <summary>
/// Base of the cmdlets that take a cluster's Kubernetes objects from the pipeline (New-AksEgressGateway and
/// Set-AksEgressGatewayWorkload output): owns -ClusterId, -KubeConfigPath and -KubeContext, all bound by property name, so the
/// piped object's cluster and kubeconfig follow it; turns them into the request's <see cref="KubeAccess"/>.
/// </summary>
public abstract class PipedKubeAccessCmdlet : AksEgressCmdlet
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? ClusterId { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    public string? KubeConfigPath { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ArgumentCompleter(typeof(KubeContextCompleter))]
    public string? KubeContext { get; set; }

    /// <summary>The kubeconfig (checked to exist, before any request) or, without one, the cluster's credentials from Azure.</summary>
    internal KubeAccess Kube() => KubeAccessBuilder.Build(this, KubeConfigPath, KubeContext, ClusterId, null);
}
