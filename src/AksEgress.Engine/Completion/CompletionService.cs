using AksEgress.Engine.Clusters;
using AksEgress.Engine.Kubernetes;
using AksEgress.Engine.Session;
using k8s;

namespace AksEgress.Engine.Completion;

/// <summary>Tab completion: subscriptions, resource groups, clusters, kube contexts and namespaces. Never throws.</summary>
internal sealed class CompletionService(SessionService sessions, ClusterService clusters)
{
    private readonly TtlCache<string, IReadOnlyList<string>> _namespaceCache = new(TimeSpan.FromSeconds(30));

    public async Task<IReadOnlyList<string>> CompleteAsync(CompletionRequest request, CancellationToken cancellationToken)
    {
        try
        {
            switch (request.Kind)
            {
                case CompletionKind.KubeContext:
                    return CompleteKubeContexts(request.KubeConfigPath);
                case CompletionKind.Namespace:
                    return await CompleteNamespacesAsync(request, cancellationToken).ConfigureAwait(false);
                case CompletionKind.Subscription:
                    // Listing needs Microsoft.Resources read on /subscriptions; at least offer the connection's subscription.
                    var subs = await CompleteAsync(request.Kind, null, null, cancellationToken).ConfigureAwait(false);
                    return subs.Count > 0 || sessions.Connection?.SubscriptionId is not { } sub ? subs : new[] { sub };
                default:
                    return await CompleteAsync(request.Kind, request.ResourceGroupName, request.KubeConfigPath, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception)
        {
            return Array.Empty<string>();
        }
    }

    private async Task<IReadOnlyList<string>> CompleteNamespacesAsync(CompletionRequest request, CancellationToken cancellationToken)
    {
        ClusterRef? cluster = null;
        if (!string.IsNullOrWhiteSpace(request.ClusterId)) cluster = ClusterRef.FromId(request.ClusterId);
        var path = string.IsNullOrWhiteSpace(request.KubeConfigPath) ? null : request.KubeConfigPath;
        if (path is not null && !File.Exists(path)) return Array.Empty<string>();
        var key = $"{path}|{request.KubeContext}|{cluster}";
        if (_namespaceCache.TryGet(key, out var cached)) return cached;
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(5));
        var ctx = new NullOperationContext(cts.Token);
        var session = await sessions.KubeClients.GetSessionAsync(new KubeAccess { KubeConfigPath = path, KubeContext = request.KubeContext, Cluster = cluster }, ctx).ConfigureAwait(false);
        var list = await session.Client.CoreV1.ListNamespaceAsync(cancellationToken: cts.Token).ConfigureAwait(false);
        IReadOnlyList<string> result = list.Items.Select(n => n.Metadata?.Name).Where(n => !string.IsNullOrEmpty(n))
            .Select(n => n!).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        _namespaceCache.Set(key, result);
        return result;
    }

    public async Task<IReadOnlyList<string>> CompleteAsync(CompletionKind kind, string? resourceGroupName, string? kubeConfigPath, CancellationToken cancellationToken)
    {
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(TimeSpan.FromSeconds(5));
            var ctx = new NullOperationContext(cts.Token);
            if (kind == CompletionKind.KubeContext) return CompleteKubeContexts(kubeConfigPath);
            if (kind == CompletionKind.Namespace) return await CompleteNamespacesAsync(new CompletionRequest(kind) { KubeConfigPath = kubeConfigPath }, cts.Token).ConfigureAwait(false);
            if (kind is not (CompletionKind.Subscription or CompletionKind.ResourceGroup or CompletionKind.Cluster)) return Array.Empty<string>();
            if (resourceGroupName is not null && !InputValidation.IsResourceGroupName(resourceGroupName)) resourceGroupName = null;
            var s = await sessions.GetAsync(ctx).ConfigureAwait(false);
            var key = $"{kind}/{resourceGroupName}";
            if (s.CompletionCache.TryGet(key, out var cached)) return cached;
            IReadOnlyList<string> result;
            if (kind == CompletionKind.Cluster)
            {
                var names = new List<string>();
                await foreach (var c in clusters.ListAsync(null, resourceGroupName, ctx).WithCancellation(cts.Token).ConfigureAwait(false)) names.Add(c.ClusterName);
                result = names.Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(x => x, StringComparer.OrdinalIgnoreCase).ToArray();
            }
            else
            {
                var path = kind == CompletionKind.Subscription ? "/subscriptions" : $"/subscriptions/{s.SubscriptionId}/resourcegroups";
                var prop = kind == CompletionKind.Subscription ? "subscriptionId" : "name";
                var names = new List<string>();
                Uri? next = ArmRest.Url(s, path, kind == CompletionKind.Subscription ? ApiVersions.Subscriptions : ApiVersions.ResourceGroups);
                while (next is not null && names.Count < 5000)
                {
                    var r = await ArmRest.SendAsync(s, RequestMethod.Get, next, null, ctx, path).ConfigureAwait(false);
                    if (!r.IsSuccess) break;
                    var json = r.Json;
                    names.AddRange((json?["value"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().Select(o => ManagedClusterModel.Str(o, prop)).Where(x => x is not null)!);
                    var nl = ManagedClusterModel.Str(json, "nextLink");
                    next = string.IsNullOrEmpty(nl) ? null : new Uri(nl);
                }
                result = names.Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(x => x, StringComparer.OrdinalIgnoreCase).ToArray();
            }
            s.CompletionCache.Set(key, result);
            return result;
        }
        catch (Exception)
        {
            return Array.Empty<string>();
        }
    }

    private static string[] CompleteKubeContexts(string? kubeConfigPath)
    {
        // The named file, or the default kubeconfig exactly as the cmdlets resolve it (KUBECONFIG merged, else ~/.kube/config).
        var cfg = kubeConfigPath is null ? KubeConfigResolver.ForProcess().LoadMerged()
            : File.Exists(kubeConfigPath) ? k8s.KubernetesClientConfiguration.LoadKubeConfig(kubeConfigPath) : null;
        if (cfg is null) return Array.Empty<string>();
        return cfg.Contexts?.Select(c => c.Name).Where(n => !string.IsNullOrEmpty(n)).ToArray() ?? Array.Empty<string>();
    }
}
