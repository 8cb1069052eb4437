using System.Collections.Concurrent;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using k8s;
using k8s.Authentication;
using k8s.KubeConfigModels;

namespace AksEgress.Engine.Kubernetes;

/// <summary>A ready Kubernetes client and where it points.</summary>
internal sealed record KubeSession(IKubernetes Client, string Server, string? DefaultNamespace, string? KubeConfigPath, string? KubeContext, AksNodeResourceGroup? ClusterInfo)
{
    public string Describe(string? clusterLabel = null) => clusterLabel ?? ClusterInfo?.ClusterName ?? KubeContext ?? Server;
}

/// <summary>The parts of a kubeconfig that decide how to connect (no secret in it except the user entry).</summary>
internal sealed record KubeConfigSelection(K8SConfiguration Config, string ContextName, Context Context, Cluster Cluster, User? User)
{
    /// <summary>The one file this came from; null for an in-memory kubeconfig or several merged KUBECONFIG files.</summary>
    public string? SingleFile { get; init; }
    /// <summary>Where it came from, for messages: the file, or KUBECONFIG's list.</summary>
    public string Source { get; init; } = "";
    public string Server => Cluster.ClusterEndpoint!.Server!;
    /// <summary>An Entra user: exec kubelogin, or the legacy "azure" auth-provider. AksEgress never runs kubelogin.</summary>
    public bool IsKubeloginExec => KubeConfigResolver.IsKubelogin(User?.UserCredentials?.ExternalExecution?.Command) ||
        string.Equals(User?.UserCredentials?.AuthProvider?.Name, "azure", StringComparison.OrdinalIgnoreCase);
    /// <summary>The Entra server application the kubeconfig user names (kubelogin --server-id), or null (<see cref="KubeConfigResolver.ServerIdOf"/>).</summary>
    public string? ServerId => KubeConfigResolver.ServerIdOf(User);
}

/// <summary>
/// Builds Kubernetes clients from a kubeconfig file, an ARM-issued kubeconfig (memory only) or the default kubeconfig.
/// Thread-safe; clients are cached per (server, identity) for the process.
/// </summary>
internal sealed class KubeClientFactory
{
    private readonly IClusterCredentialSource _arm;
    private readonly ConcurrentDictionary<string, Lazy<IKubernetes>> _clients = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, KubeSession> _armSessions = new(StringComparer.OrdinalIgnoreCase);

    public KubeClientFactory(IClusterCredentialSource arm) => _arm = arm;

    /// <summary>Which kubeconfig applies when none is named (KUBECONFIG, else ~/.kube/config); read at each call. Tests replace it.</summary>
    public Func<KubeConfigResolver> DefaultKubeConfig { get; init; } = KubeConfigResolver.ForProcess;

    /// <summary>
    /// Tests only: a handler placed last in every client's chain, after the debug handler, that answers instead of the network
    /// (an in-process fake API server). Null in the product: requests go to the API server over TLS.
    /// </summary>
    internal Func<DelegatingHandler>? Transport { get; init; }

    /// <summary>
    /// The default kubeconfig (KUBECONFIG's files merged as kubectl does, else ~/.kube/config) with the context selected.
    /// KubeConfigNotFound when none of its files exists. No request is made.
    /// </summary>
    public static KubeConfigSelection LoadDefault(KubeConfigResolver resolver, string? context)
    {
        var cfg = resolver.LoadMerged();
        if (cfg is null)
            throw new AksEgressException(ErrorIds.KubeConfigNotFound, EgressErrorCategory.ObjectNotFound,
                resolver.FromVariable ? $"None of the kubeconfig files listed in KUBECONFIG exists: {string.Join(", ", resolver.Files)}."
                    : $"The kubeconfig file '{resolver.Files[0]}' does not exist.",
                resolver.Describe(),
                "Pass -KubeConfigPath with an existing file, or get one with Import-AzAksCredential / az aks get-credentials, or name the cluster with -ClusterId to use its Azure credentials.");
        var files = resolver.ExistingFiles();
        var sel = Select(cfg, context, files.Count == 1 ? files[0] : resolver.Describe());
        return sel with { SingleFile = files.Count == 1 ? files[0] : null };
    }

    /// <summary>Loads and validates a kubeconfig file and selects the context (no request is made).</summary>
    public static KubeConfigSelection LoadFile(string path, string? context)
    {
        var full = Path.GetFullPath(KubeConfigResolver.ForProcess().ExpandHome(path));
        if (!File.Exists(full))
            throw new AksEgressException(ErrorIds.KubeConfigNotFound, EgressErrorCategory.ObjectNotFound,
                $"The kubeconfig file '{full}' does not exist.", full,
                "Pass -KubeConfigPath with an existing file, or get one with Import-AzAksCredential / az aks get-credentials, or name the cluster with -ClusterId to use its Azure credentials.");
        K8SConfiguration cfg;
        try
        {
            using var fs = File.OpenRead(full);
            cfg = KubernetesClientConfiguration.LoadKubeConfig(fs);
        }
        catch (Exception ex) when (ex is not AksEgressException)
        {
            throw Invalid(full, $"The kubeconfig file '{full}' could not be parsed: {Redaction.Text(ex.Message)}", ex);
        }
        if (cfg is null) throw Invalid(full, $"The kubeconfig file '{full}' is empty.", null);
        cfg.FileName = full;
        return Select(cfg, context, full) with { SingleFile = full };
    }

    /// <summary>Parses an in-memory kubeconfig (never written to disk).</summary>
    public static KubeConfigSelection LoadYaml(string yaml, string? context, string label)
    {
        K8SConfiguration cfg;
        try
        {
            using var ms = new MemoryStream(Encoding.UTF8.GetBytes(yaml));
            cfg = KubernetesClientConfiguration.LoadKubeConfig(ms);
        }
        catch (Exception ex)
        {
            throw Invalid(label, $"The kubeconfig of {label} could not be parsed: {Redaction.Text(ex.Message)}", ex);
        }
        if (cfg is null) throw Invalid(label, $"The kubeconfig of {label} is empty.", null);
        return Select(cfg, context, label);
    }

    private static KubeConfigSelection Select(K8SConfiguration cfg, string? context, string label)
    {
        var contexts = cfg.Contexts?.ToList() ?? new List<Context>();
        var name = string.IsNullOrEmpty(context) ? cfg.CurrentContext : context;
        if (string.IsNullOrEmpty(name))
        {
            if (contexts.Count == 1) name = contexts[0].Name;
            else throw new AksEgressException(ErrorIds.KubeContextNotFound, EgressErrorCategory.ObjectNotFound,
                $"The kubeconfig '{label}' has no current-context; contexts: {string.Join(", ", contexts.Select(c => c.Name))}.", label,
                "Pass -KubeContext with one of the listed contexts.");
        }
        var ctx = contexts.FirstOrDefault(c => c.Name == name);
        if (ctx is null)
            throw new AksEgressException(ErrorIds.KubeContextNotFound, EgressErrorCategory.ObjectNotFound,
                $"The context '{name}' is not in the kubeconfig '{label}'. Contexts: {(contexts.Count == 0 ? "(none)" : string.Join(", ", contexts.Select(c => c.Name)))}.",
                name, "Pass -KubeContext with one of the listed contexts (kubectl config get-contexts).");
        var clusterName = ctx.ContextDetails?.Cluster;
        var cluster = cfg.Clusters?.FirstOrDefault(c => c.Name == clusterName);
        if (cluster?.ClusterEndpoint?.Server is not { Length: > 0 } server)
            throw Invalid(label, $"The context '{name}' of the kubeconfig '{label}' refers to the cluster '{clusterName}', which is missing or has no server address.", null);
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttps)
            throw Invalid(label, $"The cluster '{clusterName}' of the kubeconfig '{label}' has the server address '{server}'; AksEgress only talks to https:// API servers.", null);
        if (cluster.ClusterEndpoint.SkipTlsVerify)
            throw new AksEgressException(ErrorIds.KubeConfigInvalid, EgressErrorCategory.InvalidData,
                $"The cluster '{clusterName}' of the kubeconfig '{label}' sets insecure-skip-tls-verify: true. AksEgress never skips TLS validation of the API server.",
                label, "Use a kubeconfig with the cluster's certificate-authority-data (az aks get-credentials writes one).");
        var userName = ctx.ContextDetails?.User;
        var user = string.IsNullOrEmpty(userName) ? null : cfg.Users?.FirstOrDefault(u => u.Name == userName);
        if (!string.IsNullOrEmpty(userName) && user is null)
            throw Invalid(label, $"The context '{name}' of the kubeconfig '{label}' refers to the user '{userName}', which is missing.", null);
        return new KubeConfigSelection(cfg, name!, ctx, cluster, user) { Source = label };
    }

    private static AksEgressException Invalid(string label, string message, Exception? inner) =>
        new(ErrorIds.KubeConfigInvalid, EgressErrorCategory.InvalidData, message, label,
            "Check the kubeconfig (kubectl config view) or get a new one with az aks get-credentials.", inner);

    /// <summary>Resolves how to reach the cluster and returns a (cached) client. Validation errors come before any request.</summary>
    public async Task<KubeSession> GetSessionAsync(KubeAccess access, IOperationContext context)
    {
        if (access.KubeConfigPath is not null || access.KubeContext is not null)
        {
            var sel = access.KubeConfigPath is not null ? LoadFile(access.KubeConfigPath, access.KubeContext) : LoadDefault(DefaultKubeConfig(), access.KubeContext);
            AksNodeResourceGroup? info = access.ClusterInfo;
            if (access.Cluster is not null || info is not null)
            {
                info ??= await _arm.GetClusterAsync(access.Cluster!, context).ConfigureAwait(false);
                await CheckSameClusterAsync(sel, access.Cluster, info, context).ConfigureAwait(false);
            }
            var client = await BuildClientAsync(sel, info, forceAad: false, context).ConfigureAwait(false);
            context.WriteVerbose($"Using Kubernetes API server {sel.Server} (kubeconfig '{sel.Source}', context '{sel.ContextName}').");
            return new KubeSession(client, sel.Server, sel.Context.ContextDetails?.Namespace, sel.SingleFile, sel.ContextName, info);
        }
        if (access.Cluster is not null)
        {
            var info = access.ClusterInfo ?? await _arm.GetClusterAsync(access.Cluster, context).ConfigureAwait(false);
            var admin = access.Admin;
            if (admin && info.LocalAccountsDisabled)
                throw new AksEgressException(ErrorIds.LocalAccountsDisabled, EgressErrorCategory.InvalidOperation,
                    $"The cluster {info.ClusterName} has local accounts disabled, so its admin credentials cannot be used.", info.ClusterId,
                    "Use the cluster's user credentials instead of its admin credentials: AksEgress then uses your Entra identity (it needs a Kubernetes role such as 'Azure Kubernetes Service RBAC Writer').");
            var key = $"{info.ClusterId}|{(admin ? "admin" : "user")}";
            if (_armSessions.TryGetValue(key, out var cached)) return cached with { ClusterInfo = info };
            var yaml = await _arm.GetClusterKubeconfigAsync(access.Cluster, admin, context).ConfigureAwait(false);
            var sel = LoadYaml(yaml, null, $"cluster {info.ClusterName}");
            var client = await BuildClientAsync(sel, info, forceAad: info.AadEnabled, context).ConfigureAwait(false);
            context.WriteVerbose($"Using Kubernetes API server {sel.Server} (credentials of cluster {info.ClusterName} from Azure{(info.AadEnabled || sel.IsKubeloginExec ? ", Entra token" : "")}).");
            var session = new KubeSession(client, sel.Server, null, null, null, info);
            return _armSessions.GetOrAdd(key, session);
        }
        {
            var sel = LoadDefault(DefaultKubeConfig(), null);
            var client = await BuildClientAsync(sel, null, forceAad: false, context).ConfigureAwait(false);
            context.WriteVerbose($"Using Kubernetes API server {sel.Server} (default kubeconfig '{sel.Source}', context '{sel.ContextName}').");
            return new KubeSession(client, sel.Server, sel.Context.ContextDetails?.Namespace, sel.SingleFile, sel.ContextName, null);
        }
    }

    /// <summary>Refuses a kubeconfig whose API server is not the named cluster's.</summary>
    private async Task CheckSameClusterAsync(KubeConfigSelection sel, ClusterRef? cluster, AksNodeResourceGroup info, IOperationContext context)
    {
        if (KubeConfigResolver.ServesCluster(sel.Server, info.Fqdn, info.PrivateFqdn)) return;
        string? armServer = null;
        string? why = null;
        try
        {
            var yaml = await _arm.GetClusterKubeconfigAsync(cluster ?? ClusterRef.FromId(info.ClusterId), false, context).ConfigureAwait(false);
            armServer = LoadYaml(yaml, null, $"cluster {info.ClusterName}").Server;
        }
        catch (AksEgressException ex) { why = "its Azure credentials could not be read to compare: " + ex.Message.Split('\n')[0].Trim(); }
        catch (NotImplementedException)
        {
            // No ARM side in this build (engine tests): the kubeconfig cannot be compared, trust it.
            context.WriteVerbose($"Could not compare the kubeconfig server {sel.Server} with cluster {info.ClusterName}: its credentials are not available.");
            return;
        }
        if (armServer is not null && SameServer(armServer, sel.Server)) return;
        throw new AksEgressException(ErrorIds.KubeConfigClusterMismatch, EgressErrorCategory.InvalidArgument,
            $"The kubeconfig context '{sel.ContextName}' points to the API server {sel.Server}, but the cluster {info.ClusterName} is served at {armServer ?? string.Join(" or ", new[] { info.Fqdn, info.PrivateFqdn }.Where(x => !string.IsNullOrEmpty(x)).Distinct(StringComparer.OrdinalIgnoreCase).DefaultIfEmpty("(unknown)"))}" +
            (why is null ? "." : $" ({why})."),
            sel.Server, "Pass the kubeconfig context of this cluster (-KubeContext), or omit -KubeConfigPath to use the cluster's Azure credentials.");
    }

    private static bool SameServer(string a, string b) =>
        Uri.TryCreate(a, UriKind.Absolute, out var ua) && Uri.TryCreate(b, UriKind.Absolute, out var ub) &&
        Uri.Compare(ua, ub, UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0
        || string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

    private Task<IKubernetes> BuildClientAsync(KubeConfigSelection sel, AksNodeResourceGroup? info, bool forceAad, IOperationContext context)
    {
        var useAad = forceAad || sel.IsKubeloginExec;
        var identity = useAad ? "aad:" + (sel.ServerId ?? KubeConfigResolver.AksServerApplicationId) : Hash(JsonSerializer.Serialize(sel.User?.UserCredentials));
        var ca = sel.Cluster.ClusterEndpoint!.CertificateAuthorityData ?? sel.Cluster.ClusterEndpoint.CertificateAuthority ?? "";
        var key = $"{sel.Server}|{Hash(ca)}|{identity}";
        var lazy = _clients.GetOrAdd(key, _ => new Lazy<IKubernetes>(() => CreateClient(sel, useAad), LazyThreadSafetyMode.ExecutionAndPublication));
        try { return Task.FromResult(lazy.Value); }
        catch { _clients.TryRemove(key, out _); throw; }
    }

    private k8s.Kubernetes CreateClient(KubeConfigSelection sel, bool useAad)
    {
        var cfg = ClientConfiguration(sel, useAad);
        return Transport is null ? new k8s.Kubernetes(cfg, new KubeDebugHandler()) : new k8s.Kubernetes(cfg, new KubeDebugHandler(), Transport());
    }

    /// <summary>How a client for <paramref name="sel"/> connects: server, CA, credentials; TLS validation is never skipped.</summary>
    internal KubernetesClientConfiguration ClientConfiguration(KubeConfigSelection sel, bool useAad)
    {
        KubernetesClientConfiguration cfg;
        if (useAad)
        {
            // Never run kubelogin: server + CA from the kubeconfig, bearer token from the connection's credential.
            cfg = new KubernetesClientConfiguration
            {
                Host = sel.Server,
                TlsServerName = sel.Cluster.ClusterEndpoint!.TlsServerName,
                SslCaCerts = LoadCa(sel),
                TokenProvider = new AadTokenProvider(_arm, sel.ServerId),
            };
        }
        else
        {
            try
            {
                cfg = KubernetesClientConfiguration.BuildConfigFromConfigObject(sel.Config, sel.ContextName);
            }
            catch (Exception ex)
            {
                throw Invalid(sel.Config.FileName ?? sel.ContextName, $"The kubeconfig context '{sel.ContextName}' cannot be used: {Redaction.Text(ex.Message)}", ex);
            }
            if (cfg.SkipTlsVerify)
                throw new AksEgressException(ErrorIds.KubeConfigInvalid, EgressErrorCategory.InvalidData,
                    $"The kubeconfig context '{sel.ContextName}' disables TLS validation; AksEgress never skips it.", sel.ContextName,
                    "Use a kubeconfig with the cluster's certificate-authority-data.");
        }
        cfg.SkipTlsVerify = false;
        return cfg;
    }

    private static X509Certificate2Collection? LoadCa(KubeConfigSelection sel)
    {
        var ep = sel.Cluster.ClusterEndpoint!;
        string? pem = null;
        try
        {
            if (!string.IsNullOrEmpty(ep.CertificateAuthorityData)) pem = Encoding.UTF8.GetString(Convert.FromBase64String(ep.CertificateAuthorityData));
            else if (!string.IsNullOrEmpty(ep.CertificateAuthority)) pem = File.ReadAllText(Path.IsPathRooted(ep.CertificateAuthority) || sel.Config.FileName is null ? ep.CertificateAuthority : Path.Combine(Path.GetDirectoryName(sel.Config.FileName)!, ep.CertificateAuthority));
            if (pem is null) return null;   // the system trust store, as kubectl does
            var col = new X509Certificate2Collection();
            col.ImportFromPem(pem);
            if (col.Count == 0) throw new CryptographicException("no certificate in the PEM data");
            return col;
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException or IOException)
        {
            throw Invalid(sel.Config.FileName ?? sel.ContextName, $"The certificate authority of the kubeconfig cluster '{sel.Cluster.Name}' is not valid PEM: {ex.Message}", ex);
        }
    }

    private static string Hash(string? s) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(s ?? "")))[..16];
}

/// <summary>
/// Bearer tokens for Entra-enabled clusters, from the ARM connection's credential, for the server application the kubeconfig
/// names (kubelogin --server-id) or AKS's own; refreshed before they expire.
/// </summary>
internal sealed class AadTokenProvider : ITokenProvider
{
    private readonly IClusterCredentialSource _arm;
    private readonly string? _serverId;
    private readonly SemaphoreSlim _gate = new(1, 1);
    // One immutable pair, swapped atomically: parallel runspaces read it without the lock and must never see a new expiry
    // with an old token (or a torn DateTimeOffset).
    private sealed record Cached(string Token, DateTimeOffset Expires);
    private Cached? _cached;

    /// <summary>The clock that decides when a token is refreshed; tests replace it.</summary>
    internal Func<DateTimeOffset> UtcNow { get; init; } = static () => DateTimeOffset.UtcNow;

    public AadTokenProvider(IClusterCredentialSource arm, string? serverId = null)
    {
        _arm = arm;
        _serverId = serverId;
    }

    public async Task<AuthenticationHeaderValue> GetAuthenticationHeaderAsync(CancellationToken cancellationToken)
    {
        var current = Volatile.Read(ref _cached);
        if (current is null || UtcNow() >= current.Expires)
        {
            await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                current = Volatile.Read(ref _cached);
                if (current is null || UtcNow() >= current.Expires)
                {
                    var ctx = Operation.Current ?? new NullOperationContext(cancellationToken);
                    var token = await _arm.GetAksAadTokenAsync(_serverId, ctx).ConfigureAwait(false);
                    var expires = (JwtExpiry(token) ?? UtcNow().AddMinutes(10)).AddMinutes(-5);
                    if (expires <= UtcNow()) expires = UtcNow().AddSeconds(30);
                    current = new Cached(token, expires);
                    Volatile.Write(ref _cached, current);
                }
            }
            finally { _gate.Release(); }
        }
        return new AuthenticationHeaderValue("Bearer", current.Token);
    }

    internal static DateTimeOffset? JwtExpiry(string token)
    {
        var parts = token.Split('.');
        if (parts.Length < 2) return null;
        try
        {
            var p = parts[1].Replace('-', '+').Replace('_', '/');
            p = p.PadRight(p.Length + (4 - p.Length % 4) % 4, '=');
            using var doc = JsonDocument.Parse(Convert.FromBase64String(p));
            return doc.RootElement.TryGetProperty("exp", out var exp) && exp.TryGetInt64(out var s) ? DateTimeOffset.FromUnixTimeSeconds(s) : null;
        }
        catch { return null; }
    }
}
