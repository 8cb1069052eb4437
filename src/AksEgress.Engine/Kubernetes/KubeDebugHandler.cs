using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;

namespace AksEgress.Engine.Kubernetes;

/// <summary>Writes one -Debug line per Kubernetes request and response (method, URL, status, ms); secret headers are masked.</summary>
internal sealed class KubeDebugHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var ctx = Operation.Current;
        var url = Redaction.Text(request.RequestUri?.ToString());
        if (ctx is not null)
            ctx.WriteDebug($"Kubernetes request: {request.Method} {url}{FormatHeaders(request.Headers)}");
        var sw = Stopwatch.StartNew();
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            ctx?.WriteDebug($"Kubernetes response: {(int)response.StatusCode} {response.ReasonPhrase} for {request.Method} {url} ({sw.ElapsedMilliseconds} ms){FormatHeaders(response.Headers)}");
            return response;
        }
        catch (Exception ex)
        {
            ctx?.WriteDebug($"Kubernetes request failed: {request.Method} {url} ({sw.ElapsedMilliseconds} ms): {Redaction.Text(ex.GetType().Name + ": " + ex.Message)}");
            throw;
        }
    }

    internal static string FormatHeaders(HttpHeaders headers)
    {
        var sb = new StringBuilder();
        foreach (var h in headers)
        {
            var value = Redaction.IsSecretHeader(h.Key) ? Redaction.Mask : Redaction.Text(string.Join(", ", h.Value));
            sb.Append(" | ").Append(h.Key).Append(": ").Append(value);
        }
        return sb.ToString();
    }
}
