using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Azure.Core.Pipeline;
using Azure.Identity;

namespace AksEgress.Engine.Arm;

/// <summary>Pinned api-versions: no provider-metadata request is ever needed.</summary>
internal static class ApiVersions
{
    public const string ManagedClusters = "2025-10-01";
    public const string Network = "2025-07-01";
    public const string ResourceGroups = "2024-03-01";
    public const string Subscriptions = "2022-12-01";
    /// <summary>Microsoft.Authorization role assignments and role definitions (current stable; ClusterIdentityRoleCheck).</summary>
    public const string Authorization = "2022-04-01";
    /// <summary>Azure Resource Graph (newest stable; finding an Azure Firewall by private IP when no peering leads to it).</summary>
    public const string ResourceGraph = "2024-04-01";
    /// <summary>The VMSS instance public IP list (Network RP under the Compute path): the spec pins it to this single value.</summary>
    public const string VmssPublicIps = "2017-03-30";
    /// <summary>Compute virtualMachineScaleSets (listing a node resource group's scale sets to find a node pool's).</summary>
    public const string ComputeVmss = "2024-07-01";
}

/// <summary>Everything needed to talk to ARM for one connection. Immutable; swapped atomically by the engine.</summary>
internal sealed class ArmSession
{
    public required AksEgressConnection Connection { get; init; }
    public required TokenCredential Credential { get; init; }
    public required HttpPipeline Pipeline { get; init; }
    public required Uri Endpoint { get; init; }
    /// <summary>Token audience (the environment's, e.g. https://management.azure.com/).</summary>
    public required string Audience { get; init; }
    public required string SubscriptionId { get; init; }
    /// <summary>True when made by Connect-AksEgress; false for the lazy default connection.</summary>
    public required bool Explicit { get; init; }
    /// <summary>The Az PowerShell context this session follows (<see cref="AzContextInfo.Key"/>); null for other identity sources.</summary>
    public string? AzContextKey { get; init; }
    public IReadOnlyList<string> KnownSecrets { get; init; } = Array.Empty<string>();
    /// <summary>
    /// The last read of each cluster, for the Kubernetes access path only (how to reach its API server: id, FQDN, Entra,
    /// local accounts) and the admin-credential check. Never the answer to a read the user asked for.
    /// </summary>
    public TtlCache<string, ManagedClusterModel> ClusterCache { get; } = new(TimeSpan.FromSeconds(30));
    /// <summary>
    /// Each cluster read by its token (<see cref="AksNodeResourceGroup.ClusterReadId"/>): a cmdlet handed that object through
    /// the pipeline reuses the read for 30 s; a cmdlet called on its own never looks here.
    /// </summary>
    public TtlCache<string, ManagedClusterModel> ClusterReads { get; } = new(TimeSpan.FromSeconds(30), StringComparer.Ordinal);
    public TtlCache<string, IReadOnlyList<string>> CompletionCache { get; } = new(TimeSpan.FromSeconds(60));
}

/// <summary>A small thread-safe cache with a fixed time to live.</summary>
internal sealed class TtlCache<TKey, TValue> where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, (DateTime Expires, TValue Value)> _items;
    private readonly TimeSpan _ttl;
    public TtlCache(TimeSpan ttl, IEqualityComparer<TKey>? comparer = null)
    {
        _ttl = ttl;
        _items = new ConcurrentDictionary<TKey, (DateTime, TValue)>(comparer ?? (typeof(TKey) == typeof(string) ? (IEqualityComparer<TKey>)(object)StringComparer.OrdinalIgnoreCase : EqualityComparer<TKey>.Default));
    }
    public bool TryGet(TKey key, out TValue value)
    {
        if (_items.TryGetValue(key, out var e) && e.Expires > DateTime.UtcNow) { value = e.Value; return true; }
        value = default!;
        return false;
    }
    public void Set(TKey key, TValue value)
    {
        var now = DateTime.UtcNow;
        _items[key] = (now + _ttl, value);
        // Keys may be one-off (read tokens): drop what has expired once the cache grows, so a long session stays small.
        if (_items.Count > 512)
            foreach (var e in _items)
                if (e.Value.Expires <= now) _items.TryRemove(e.Key, out _);
    }
    public void Remove(TKey key) => _items.TryRemove(key, out _);
    /// <summary>Drops every entry whose value matches.</summary>
    public void RemoveWhere(Func<TValue, bool> match)
    {
        foreach (var e in _items)
            if (match(e.Value.Value)) _items.TryRemove(e.Key, out _);
    }
    public void Clear() => _items.Clear();
}

internal sealed class StaticTokenCredential(string token) : TokenCredential
{
    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(token, DateTimeOffset.UtcNow.AddHours(1));
    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        new(GetToken(requestContext, cancellationToken));
}

/// <summary>One Azure cloud: its ARM endpoint, token audience and Entra authority (the values Azure.ResourceManager's ArmEnvironment had).</summary>
internal sealed record ArmCloud(Uri Endpoint, string Audience, Uri AuthorityHost)
{
    public static readonly ArmCloud AzurePublicCloud = new(new Uri("https://management.azure.com/"), "https://management.azure.com/", AzureAuthorityHosts.AzurePublicCloud);
    public static readonly ArmCloud AzureChina = new(new Uri("https://management.chinacloudapi.cn/"), "https://management.chinacloudapi.cn", AzureAuthorityHosts.AzureChina);
    public static readonly ArmCloud AzureGovernment = new(new Uri("https://management.usgovcloudapi.net/"), "https://management.usgovcloudapi.net", AzureAuthorityHosts.AzureGovernment);
}

/// <summary>Azure.Core options for the one ARM pipeline (transport, retry policy, network timeout, diagnostics).</summary>
internal sealed class ArmPipelineOptions : ClientOptions
{
}

/// <summary>Builds sessions: credential, TLS trust, pipeline (retry, debug logging, bearer token).</summary>
internal static class ArmSessionFactory
{
    public static ArmCloud ResolveEnvironment(string? name) => (name ?? "AzureCloud").ToLowerInvariant() switch
    {
        "azurecloud" or "azurepubliccloud" or "" => ArmCloud.AzurePublicCloud,
        "azurechinacloud" => ArmCloud.AzureChina,
        "azureusgovernment" => ArmCloud.AzureGovernment,
        _ => throw new AksEgressException(ErrorIds.InvalidEnvironment, EgressErrorCategory.InvalidArgument,
            $"'{name}' is not a known Azure environment. Use AzureCloud, AzureChinaCloud or AzureUSGovernment, and -ArmEndpoint for a custom endpoint.",
            name, "Pass -Environment AzureCloud (the default), AzureChinaCloud or AzureUSGovernment."),
    };

    /// <summary>Loads a PEM CA certificate; CaCertificateNotFound / CaCertificateInvalid before any request.</summary>
    public static X509Certificate2 LoadCa(string path)
    {
        var full = Path.GetFullPath(path);
        if (!File.Exists(full))
            throw new AksEgressException(ErrorIds.CaCertificateNotFound, EgressErrorCategory.ObjectNotFound,
                $"The CA certificate file '{full}' does not exist.", path,
                "Pass -CaCertificatePath with the PEM file of the CA that signed the ARM endpoint's certificate.");
        try
        {
            var text = File.ReadAllText(full);
            if (!text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
                throw new CryptographicException("no PEM CERTIFICATE block");
            return X509Certificate2.CreateFromPem(text);
        }
        catch (Exception e) when (e is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new AksEgressException(ErrorIds.CaCertificateInvalid, EgressErrorCategory.InvalidData,
                $"The CA certificate file '{full}' could not be read as a PEM certificate: {e.Message}", path,
                "Pass a PEM file that contains '-----BEGIN CERTIFICATE-----' (for example the emulator's ca.pem).", e);
        }
    }

    /// <summary>Default validation, or: trust exactly this CA (custom root trust, no revocation), and still require the host name to match.</summary>
    public static HttpClientHandler CreateHandler(X509Certificate2? ca)
    {
        var handler = new HttpClientHandler();
        if (ca is not null)
            handler.ServerCertificateCustomValidationCallback = (_, cert, chain, errors) => ValidateWithCustomRoot(ca, cert, chain, errors);
        return handler;
    }

    internal static bool ValidateWithCustomRoot(X509Certificate2 ca, X509Certificate2? cert, X509Chain? chain, SslPolicyErrors errors)
    {
        if (cert is null) return false;
        if ((errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0) return false;
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.CustomTrustStore.Add(ca);
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (chain is not null)
            foreach (var element in chain.ChainElements)
                if (!element.Certificate.RawData.AsSpan().SequenceEqual(cert.RawData)) custom.ChainPolicy.ExtraStore.Add(element.Certificate);
        return custom.Build(cert);
    }

    public static ArmPipelineOptions CreateOptions(X509Certificate2? ca, int maxRetries = 3)
    {
        var options = new ArmPipelineOptions { Transport = new HttpClientTransport(CreateHandler(ca)), RetryPolicy = new ArmRetryPolicy(maxRetries) };
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(100);
        options.Diagnostics.IsLoggingEnabled = false;
        options.Diagnostics.IsDistributedTracingEnabled = false;
        options.Diagnostics.ApplicationId = "AksEgress";
        options.AddPolicy(new DebugLoggingPolicy(), HttpPipelinePosition.PerRetry);
        return options;
    }

    public static HttpPipeline CreatePipeline(ArmPipelineOptions options, TokenCredential credential, string audience) =>
        HttpPipelineBuilder.Build(options, new BearerTokenAuthenticationPolicy(credential, ScopeFor(audience)));

    public static string ScopeFor(string audience) => audience.TrimEnd('/') + "/.default";
}

/// <summary>
/// Azure.Core's retry (429/5xx/network errors, honouring Retry-After / retry-after-ms) with small exponential delays, except that a
/// TLS trust failure is not retried: it will not heal by itself.
/// </summary>
internal sealed class ArmRetryPolicy(int maxRetries)
    : RetryPolicy(maxRetries, DelayStrategy.CreateExponentialDelayStrategy(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30)))
{
    protected override bool ShouldRetry(HttpMessage message, Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is System.Security.Authentication.AuthenticationException) return false;
        return base.ShouldRetry(message, exception);
    }

    protected override ValueTask<bool> ShouldRetryAsync(HttpMessage message, Exception? exception) => new(ShouldRetry(message, exception));
}

/// <summary>Writes one Debug line per request and per response (secrets redacted; credential bodies never logged).</summary>
internal sealed class DebugLoggingPolicy : HttpPipelinePolicy
{
    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var sw = Before(message);
        try { ProcessNext(message, pipeline); } finally { After(message, sw); }
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var sw = Before(message);
        try { await ProcessNextAsync(message, pipeline).ConfigureAwait(false); } finally { After(message, sw); }
    }

    private static Stopwatch Before(HttpMessage message)
    {
        var ctx = Operation.Current;
        if (ctx is not null)
        {
            var headers = string.Join("; ", message.Request.Headers.Select(h => $"{h.Name}: {(Redaction.IsSecretHeader(h.Name) ? Redaction.Mask : h.Value)}"));
            SafeDebug(ctx, Redaction.Text($"HTTP {message.Request.Method} {message.Request.Uri} [{headers}]"));
        }
        return Stopwatch.StartNew();
    }

    private static void After(HttpMessage message, Stopwatch sw)
    {
        var ctx = Operation.Current;
        if (ctx is null) return;
        if (!message.HasResponse)
        {
            SafeDebug(ctx, Redaction.Text($"HTTP {message.Request.Method} {message.Request.Uri} failed without a response after {sw.ElapsedMilliseconds} ms"));
            return;
        }
        var r = message.Response;
        var headers = string.Join("; ", r.Headers.Select(h => $"{h.Name}: {(Redaction.IsSecretHeader(h.Name) ? Redaction.Mask : h.Value)}"));
        var line = $"HTTP {r.Status} {r.ReasonPhrase} for {message.Request.Method} {message.Request.Uri} in {sw.ElapsedMilliseconds} ms [{headers}]";
        var path = message.Request.Uri.Path;
        var isCredential = path.Contains("listClusterUserCredential", StringComparison.OrdinalIgnoreCase)
                           || path.Contains("listClusterAdminCredential", StringComparison.OrdinalIgnoreCase)
                           || path.Contains("listClusterMonitoringUserCredential", StringComparison.OrdinalIgnoreCase);
        if (isCredential) line += " body: (credential response, not logged)";
        else if (r.Status >= 400 && r.ContentStream is { CanSeek: true } s)
        {
            var body = r.Content.ToString();
            if (body.Length > 2000) body = body[..2000] + "...";
            line += " body: " + body;
        }
        SafeDebug(ctx, Redaction.Text(line));
    }

    private static void SafeDebug(IOperationContext ctx, string text)
    {
        try { ctx.WriteDebug(text); } catch { /* never fail a request because of logging */ }
    }
}
