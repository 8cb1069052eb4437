using System.Collections.Concurrent;
using System.Net;
using System.Text;
using AksEgress.Engine.Arm;
using AksEgress.Models;
using Azure.Core;
using Azure.Core.Pipeline;

namespace AksEgress.Tests;

/// <summary>One request the scripted handler saw (method, full URI, headers, body as sent on the wire).</summary>
internal sealed record SeenRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, string? Body, bool HasContent, long? ContentLength);

/// <summary>
/// An in-process ARM: answers each request with the next scripted response (or throws the scripted exception), and records
/// what arrived. Plugged into the engine's own pipeline (ArmSessionFactory.CreateOptions/CreatePipeline) in place of the
/// socket transport, so retry, bearer-token and debug-logging policies all run as in production.
/// </summary>
internal sealed class ScriptedArmHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<Func<HttpRequestMessage, HttpResponseMessage>> _script = new();
    public ConcurrentQueue<SeenRequest> Seen { get; } = new();
    public IReadOnlyList<SeenRequest> Requests => Seen.ToArray();

    public ScriptedArmHandler Then(int status, string? body = null, params (string Name, string Value)[] headers)
    {
        _script.Enqueue(_ => Response(status, body, headers));
        return this;
    }

    public ScriptedArmHandler ThenThrow(Exception e)
    {
        _script.Enqueue(_ => throw e);
        return this;
    }

    public static HttpResponseMessage Response(int status, string? body, params (string Name, string Value)[] headers)
    {
        var r = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(body ?? "", Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
            if (!r.Headers.TryAddWithoutValidation(name, value)) r.Content.Headers.TryAddWithoutValidation(name, value);
        return r;
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken) =>
        SendAsync(request, cancellationToken).GetAwaiter().GetResult();

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in request.Headers) headers[h.Key] = string.Join(",", h.Value);
        string? body = null;
        long? length = null;
        if (request.Content is not null)
        {
            foreach (var h in request.Content.Headers) headers[h.Key] = string.Join(",", h.Value);
            body = await request.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            length = request.Content.Headers.ContentLength;
        }
        Seen.Enqueue(new SeenRequest(request.Method, request.RequestUri!, headers, body, request.Content is not null, length));
        if (!_script.TryDequeue(out var next))
            throw new InvalidOperationException($"The test did not script a response for {request.Method} {request.RequestUri}.");
        return next(request);
    }
}

/// <summary>A credential that hands out a fixed token, or throws what the test asks for (counting the calls).</summary>
internal sealed class ScriptedCredential(string token, Exception? failure = null) : TokenCredential
{
    public int Calls;
    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref Calls);
        if (failure is not null) throw failure;
        return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
    }
    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(GetToken(requestContext, cancellationToken));
}

internal static class ScriptedArm
{
    public const string Token = "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJlLXNlY3JldA";
    public static readonly Uri Endpoint = new("https://management.azure.com/");

    /// <summary>A session over the engine's real pipeline whose transport is <paramref name="handler"/>.</summary>
    public static ArmSession Session(ScriptedArmHandler handler, int maxRetries = 0, TokenCredential? credential = null, string? caCertificatePath = null, Uri? endpoint = null)
    {
        var options = ArmSessionFactory.CreateOptions(null, maxRetries);
        options.Transport = new HttpClientTransport(new HttpClient(handler));
        credential ??= new ScriptedCredential(Token);
        return new ArmSession
        {
            Connection = new AksEgressConnection { ArmEndpoint = endpoint ?? Endpoint, SubscriptionId = "00000000-0000-0000-0000-000000000000", CaCertificatePath = caCertificatePath },
            Credential = credential,
            Pipeline = ArmSessionFactory.CreatePipeline(options, credential, "https://management.azure.com/"),
            Endpoint = endpoint ?? Endpoint,
            Audience = "https://management.azure.com/",
            SubscriptionId = "00000000-0000-0000-0000-000000000000",
            Explicit = true,
        };
    }
}
