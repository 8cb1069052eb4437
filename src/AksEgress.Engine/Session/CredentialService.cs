using System.Text;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Identity;
using AksEgress.Engine.Arm;
using AksEgress.Engine.Clusters;

namespace AksEgress.Engine.Session;

/// <summary>Credentials for the Kubernetes side: the cluster's kubeconfig from ARM (memory only) and the Entra token for AKS.</summary>
internal sealed class CredentialService(SessionService sessions, ClusterService clusters)
{
    private const string AksServerAppScope = "6dae42f8-4368-4678-94ff-3960e28e3630/.default";

    public async Task<string> GetClusterKubeconfigAsync(ClusterRef cluster, bool admin, IOperationContext context)
    {
        var s = await sessions.GetAsync(context).ConfigureAwait(false);
        var sub = cluster.SubscriptionId ?? s.SubscriptionId;
        if (admin)
        {
            var (model, _, _) = await clusters.GetModelAsync(cluster, context, fresh: false).ConfigureAwait(false);
            if (model.Info.LocalAccountsDisabled)
                throw new AksEgressException(ErrorIds.LocalAccountsDisabled, EgressErrorCategory.PermissionDenied,
                    $"Cluster '{cluster.ClusterName}' has local accounts disabled (disableLocalAccounts), so admin credentials cannot be listed.", cluster.ToString(),
                    "Use the cluster's user credentials instead of its admin credentials: they work with Microsoft Entra ID (the module gets the Entra token for you).");
        }
        var action = admin ? "listClusterAdminCredential" : "listClusterUserCredential";
        context.WriteVerbose($"POST {action} for cluster {cluster}");
        var r = await ArmRest.SendCheckedAsync(s, RequestMethod.Post, ArmRest.Url(s, cluster.ToId(sub) + "/" + action, ApiVersions.ManagedClusters), null, context,
            new ErrorScope(ArmTargetKind.Cluster, cluster.ToString()) { ClusterName = cluster.ClusterName }).ConfigureAwait(false);
        var value = ManagedClusterModel.Str((r!.Json?["kubeconfigs"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(), "value");
        if (string.IsNullOrEmpty(value))
            throw new AksEgressException(ErrorIds.ArmRequestFailed, EgressErrorCategory.InvalidResult,
                $"{action} for cluster {cluster} returned no kubeconfig.", cluster.ToString(), "Run the command again; if it persists, use -KubeConfigPath.");
        try { return Encoding.UTF8.GetString(Convert.FromBase64String(value)); }
        catch (FormatException)
        {
            throw new AksEgressException(ErrorIds.ArmRequestFailed, EgressErrorCategory.InvalidResult,
                $"{action} for cluster {cluster} returned a kubeconfig that is not base64.", cluster.ToString(), "Use -KubeConfigPath instead.");
        }
    }

    public async Task<string> GetAksAadTokenAsync(IOperationContext context)
    {
        var s = await sessions.GetAsync(context).ConfigureAwait(false);
        if (s.Credential is StaticTokenCredential)
            throw new AksEgressException(ErrorIds.AuthenticationFailed, EgressErrorCategory.AuthenticationError,
                "This session was connected with Connect-AksEgress -AccessToken, an ARM token; a Microsoft Entra cluster needs a token for the AKS server application (6dae42f8-4368-4678-94ff-3960e28e3630), which cannot be derived from it.",
                "6dae42f8-4368-4678-94ff-3960e28e3630",
                "Connect with Connect-AksEgress -Identity or with DefaultAzureCredential (az login / Connect-AzAccount), or pass -KubeConfigPath with a kubeconfig converted by kubelogin.");
        try
        {
            var token = await s.Credential.GetTokenAsync(new TokenRequestContext(new[] { AksServerAppScope }), context.CancellationToken).ConfigureAwait(false);
            return token.Token;
        }
        catch (Exception e) when (e is AuthenticationFailedException or CredentialUnavailableException)
        {
            throw new AksEgressException(ErrorIds.AuthenticationFailed, EgressErrorCategory.AuthenticationError,
                $"Could not get a Microsoft Entra token for the AKS server application: {Redaction.Text(e.Message)}", "6dae42f8-4368-4678-94ff-3960e28e3630",
                "Sign in (az login / Connect-AzAccount / Connect-AksEgress) with an identity that has access to the cluster.", e);
        }
    }
}
