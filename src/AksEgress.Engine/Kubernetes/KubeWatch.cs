using k8s;
using k8s.Autorest;
using k8s.Models;

#pragma warning disable CS0618 // WatcherExt.WatchAsync(Task<HttpOperationResponse>) is the documented v21 list-then-watch entry point

namespace AksEgress.Engine.Kubernetes;

/// <summary>
/// List-then-watch until a condition is met: resumes from the last resourceVersion after a dropped watch, re-lists on
/// 410 Gone, and always passes onError (an ERROR event otherwise silently ends the enumeration).
/// </summary>
internal static class KubeWatch
{
    /// <param name="list">A plain list call (returns the list with metadata.resourceVersion).</param>
    /// <param name="watch">Starts a watch from a resourceVersion.</param>
    /// <param name="evaluate">Returns a result to stop, null to continue; may throw to fail. Called for the listed items too (type Added).</param>
    public static async Task<TResult> UntilAsync<T, TList, TResult>(
        Func<CancellationToken, Task<TList>> list,
        Func<string, CancellationToken, Task<HttpOperationResponse<TList>>> watch,
        Func<WatchEventType, T, TResult?> evaluate,
        CancellationToken cancellationToken)
        where T : IKubernetesObject<V1ObjectMeta>
        where TList : IKubernetesObject<V1ListMeta>, IItems<T>
        where TResult : class
    {
        string? rv = null;
        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (rv is null)
            {
                var l = await list(cancellationToken).ConfigureAwait(false);
                foreach (var item in l.Items ?? Array.Empty<T>())
                    if (evaluate(WatchEventType.Added, item) is { } r0) return r0;
                rv = l.Metadata?.ResourceVersion ?? "0";
            }
            Exception? watchError = null;
            try
            {
                await foreach (var (type, obj) in watch(rv, cancellationToken).WatchAsync<T, TList>(e => watchError = e, cancellationToken).ConfigureAwait(false))
                {
                    failures = 0;
                    if (obj?.Metadata?.ResourceVersion is { Length: > 0 } v) rv = v;
                    if (type == WatchEventType.Bookmark || obj is null) continue;
                    if (evaluate(type, obj) is { } r) return r;
                }
            }
            catch (Exception ex) when (KubeErrors.IsStatus(ex, 410)) { rv = null; continue; }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && ex is HttpRequestException or IOException && ++failures <= 5)
            {
                await Task.Delay(200 * failures, cancellationToken).ConfigureAwait(false);
                continue;
            }
            cancellationToken.ThrowIfCancellationRequested();
            if (watchError is not null)
            {
                if (KubeErrors.IsStatus(watchError, 410) || watchError.Message.Contains("too old resource version", StringComparison.OrdinalIgnoreCase)) { rv = null; continue; }
                if (watchError is KubernetesException { Status: not null } ke) throw ke;
                if (++failures > 5) throw watchError;
                await Task.Delay(200 * failures, cancellationToken).ConfigureAwait(false);
            }
            // the server ended the watch: resume from rv
        }
    }
}
