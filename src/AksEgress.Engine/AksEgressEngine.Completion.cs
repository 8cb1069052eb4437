using AksEgress.Engine.Arm;
using AksEgress.Engine.Kubernetes;
using k8s;

namespace AksEgress.Engine;

/// <summary>Tab completion that needs more than the ARM half: kube contexts and namespaces. Never throws.</summary>
public sealed partial class AksEgressEngine
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
                    return subs.Count > 0 || Connection?.SubscriptionId is not { } sub ? subs : new[] { sub };
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
        KubeOperation.Current = ctx;
        var session = await KubeFactory.GetSessionAsync(new KubeAccess { KubeConfigPath = path, KubeContext = request.KubeContext, Cluster = cluster }, ctx).ConfigureAwait(false);
        var list = await session.Client.CoreV1.ListNamespaceAsync(cancellationToken: cts.Token).ConfigureAwait(false);
        IReadOnlyList<string> result = list.Items.Select(n => n.Metadata?.Name).Where(n => !string.IsNullOrEmpty(n))
            .Select(n => n!).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        _namespaceCache.Set(key, result);
        return result;
    }
}
