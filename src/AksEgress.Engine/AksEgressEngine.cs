using AksEgress.Models;

namespace AksEgress.Engine;

/// <summary>
/// The engine facade: created once per process by the cmdlet assembly's EngineHost (by reflection, in the private ALC).
/// ARM members live in AksEgressEngine.Arm.cs, Kubernetes members in AksEgressEngine.Kubernetes.cs.
/// </summary>
public sealed partial class AksEgressEngine : IAksEgressEngine
{
}

/// <summary>What the Kubernetes side needs from the ARM side (implemented in the ARM part).</summary>
internal interface IClusterCredentialSource
{
    /// <summary>GET of the managed cluster (cached briefly per cluster id).</summary>
    Task<AksNodeResourceGroup> GetClusterAsync(ClusterRef cluster, IOperationContext context);

    /// <summary>The decoded kubeconfig YAML of listClusterUserCredential (or listClusterAdminCredential). Memory only.</summary>
    Task<string> GetClusterKubeconfigAsync(ClusterRef cluster, bool admin, IOperationContext context);

    /// <summary>An Entra token for the AKS server application 6dae42f8-4368-4678-94ff-3960e28e3630 from the connection's credential.</summary>
    Task<string> GetAksAadTokenAsync(IOperationContext context);

    /// <summary>The egress truth of the cluster (used to explain a failed egress test).</summary>
    Task<EgressConfiguration> GetEgressConfigurationAsync(ClusterRef cluster, AksNodeResourceGroup? clusterInfo, IOperationContext context);
}
