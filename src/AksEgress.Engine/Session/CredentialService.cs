using System.Text;
using Azure.Identity;
using AksEgress.Engine.Clusters;
using AksEgress.Engine.Kubernetes;

namespace AksEgress.Engine.Session;

/// <summary>Credentials for the Kubernetes side: the cluster's kubeconfig from ARM (memory only) and the Entra token for AKS.</summary>
internal sealed class CredentialService(SessionService sessions, ClusterService clusters)
{

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

    /// <summary>
    /// An Entra token for the cluster's server application: <paramref name="serverId"/> when the kubeconfig names one (kubelogin
    /// --server-id; clusters with the legacy Entra integration have their own), else the AKS server application.
    /// </summary>
    public async Task<string> GetAksAadTokenAsync(string? serverId, IOperationContext context)
    {
        var audience = string.IsNullOrWhiteSpace(serverId) ? KubeConfigResolver.AksServerApplicationId : serverId.Trim();
        var app = audience == KubeConfigResolver.AksServerApplicationId ? $"the AKS server application ({audience})" : $"the cluster's Entra server application {audience} (kubelogin --server-id of its kubeconfig)";
        var s = await sessions.GetAsync(context).ConfigureAwait(false);
        if (s.Credential is StaticTokenCredential)
            throw new AksEgressException(ErrorIds.AuthenticationFailed, EgressErrorCategory.AuthenticationError,
                $"This session was connected with Connect-AksEgress -AccessToken, an ARM token; a Microsoft Entra cluster needs a token for {app}, which cannot be derived from it.",
                audience,
                "Connect with Connect-AksEgress -Identity or with DefaultAzureCredential (az login / Connect-AzAccount), or pass -KubeConfigPath with a kubeconfig converted by kubelogin.");
        context.WriteVerbose($"Getting a Microsoft Entra token for {app}.");
        try
        {
            var token = await s.Credential.GetTokenAsync(new TokenRequestContext(new[] { Scope(audience) }), context.CancellationToken).ConfigureAwait(false);
            return token.Token;
        }
        catch (Exception e) when (e is AuthenticationFailedException or CredentialUnavailableException)
        {
            throw new AksEgressException(ErrorIds.AuthenticationFailed, EgressErrorCategory.AuthenticationError,
                $"Could not get a Microsoft Entra token for {app}: {Redaction.Text(e.Message)}", audience,
                "Sign in (az login / Connect-AzAccount / Connect-AksEgress) with an identity that has access to the cluster.", e);
        }
    }

    /// <summary>The .default scope of a server application id or application id URI (as kubelogin forms it).</summary>
    internal static string Scope(string audience) =>
        audience.EndsWith("/.default", StringComparison.OrdinalIgnoreCase) ? audience : audience.TrimEnd('/') + "/.default";
}
