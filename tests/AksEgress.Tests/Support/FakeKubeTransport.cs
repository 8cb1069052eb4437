using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace AksEgress.Tests;

/// <summary>
/// The network end of a Kubernetes client in process: answers each request with <see cref="Respond"/> (no socket is opened)
/// and records what was sent, headers included. Placed last in the client's handler chain.
/// </summary>
internal sealed class FakeKubeTransport : DelegatingHandler
{
    public FakeKubeTransport(Func<HttpRequestMessage, HttpResponseMessage> respond) => Respond = respond;

    public Func<HttpRequestMessage, HttpResponseMessage> Respond { get; }

    /// <summary>Every request: method, URL and the Authorization header as sent.</summary>
    public ConcurrentQueue<(HttpMethod Method, Uri Uri, string? Authorization)> Requests { get; } = new();

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Requests.Enqueue((request.Method, request.RequestUri!, request.Headers.Authorization?.ToString()));
        var response = Respond(request);
        response.RequestMessage ??= request;
        return Task.FromResult(response);
    }

    public static HttpResponseMessage Json(HttpStatusCode code, string json) =>
        new(code) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    /// <summary>The value of a query parameter of <paramref name="uri"/>, or null.</summary>
    public static string? Query(Uri uri, string name) =>
        uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .Where(p => p[0] == name)
            .Select(p => p.Length > 1 ? Uri.UnescapeDataString(p[1]) : "")
            .FirstOrDefault();
}
