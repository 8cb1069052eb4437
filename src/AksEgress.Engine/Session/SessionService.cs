using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Identity;
using AksEgress.Engine.Arm;
using AksEgress.Engine.Kubernetes;
using AksEgress.Models;

namespace AksEgress.Engine.Session;

/// <summary>
/// The connection: the ARM session (credential + pipeline + caches), immutable and swapped atomically so parallel runspaces
/// are safe, and the Kubernetes clients made under it (dropped whenever the connection changes).
/// </summary>
internal sealed class SessionService
{
    private ArmSession? _session;
    private readonly SemaphoreSlim _defaultSessionLock = new(1, 1);
    private readonly Func<IClusterCredentialSource> _kubeCredentials;
    private KubeClientFactory? _kubeFactory;

    public SessionService(Func<IClusterCredentialSource> kubeCredentials) => _kubeCredentials = kubeCredentials;

    public AksEgressConnection? Connection => Volatile.Read(ref _session) is { Explicit: true } s ? s.Connection : null;

    /// <summary>Kubernetes clients of the current connection (built from the cluster's ARM credentials or a kubeconfig).</summary>
    public KubeClientFactory KubeClients =>
        LazyInitializer.EnsureInitialized(ref _kubeFactory, () => new KubeClientFactory(_kubeCredentials()))!;

    public async Task<AksEgressConnection> ConnectAsync(ConnectRequest request, IOperationContext context)
    {
        var session = await BuildSessionAsync(request, explicitConnect: true, context).ConfigureAwait(false);
        Interlocked.Exchange(ref _session, session);
        // Kubernetes credentials came from the previous connection: never reuse them under a new one.
        Interlocked.Exchange(ref _kubeFactory, null);
        context.WriteVerbose($"Connected: {session.Connection.AuthenticationMethod} to {session.Endpoint} (subscription {session.SubscriptionId})");
        return session.Connection;
    }

    public void Disconnect()
    {
        Interlocked.Exchange(ref _session, null);
        Interlocked.Exchange(ref _kubeFactory, null);
    }

    private static async Task<ArmSession> BuildSessionAsync(ConnectRequest request, bool explicitConnect, IOperationContext context)
    {
        var ca = request.CaCertificatePath is null ? null : ArmSessionFactory.LoadCa(request.CaCertificatePath);
        var (env, authority) = ArmSessionFactory.ResolveEnvironment(request.Environment);
        var endpoint = request.ArmEndpoint ?? env.Endpoint;
        if (!endpoint.AbsolutePath.EndsWith('/')) endpoint = new Uri(endpoint + "/");
        var audience = env.Audience;

        TokenCredential credential;
        string method;
        if (request.AccessToken is not null)
        {
            credential = new StaticTokenCredential(request.AccessToken);
            method = "AccessToken";
        }
        else if (request.Identity)
        {
            credential = request.ClientId is null ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
                : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(request.ClientId));
            method = "ManagedIdentity";
        }
        else
        {
            var o = new DefaultAzureCredentialOptions { AuthorityHost = authority, ExcludeInteractiveBrowserCredential = true };
            if (request.TenantId is not null) o.TenantId = request.TenantId;
            if (request.ClientId is not null) o.ManagedIdentityClientId = request.ClientId;
            credential = new DefaultAzureCredential(o);
            method = "DefaultAzureCredential";
        }
        var options = ArmSessionFactory.CreateOptions(new Azure.ResourceManager.ArmEnvironment(endpoint, audience), ca);
        var pipeline = ArmSessionFactory.CreatePipeline(options, credential, audience);
        var secrets = request.AccessToken is null ? Array.Empty<string>() : new[] { request.AccessToken };

        var sub = request.SubscriptionId ?? NullIfEmpty(Environment.GetEnvironmentVariable("AZURE_SUBSCRIPTION_ID"));
        if (sub is not null && !InputValidation.IsSubscriptionId(sub))
            throw InputValidation.Invalid(ErrorIds.InvalidSubscriptionId, sub, $"AZURE_SUBSCRIPTION_ID '{sub}' is not a subscription GUID.", "Fix the variable or pass -SubscriptionId.");
        ArmSession Make(string subscription) => new()
        {
            Connection = new AksEgressConnection
            {
                Environment = NormaliseEnvironmentName(request.Environment), ArmEndpoint = endpoint, SubscriptionId = subscription, TenantId = request.TenantId,
                AuthenticationMethod = method, ClientId = request.ClientId,
                CaCertificatePath = request.CaCertificatePath is null ? null : Path.GetFullPath(request.CaCertificatePath),
            },
            Credential = credential, Pipeline = pipeline, Endpoint = endpoint, Audience = audience,
            SubscriptionId = subscription, Explicit = explicitConnect, KnownSecrets = secrets,
        };
        if (sub is not null)
        {
            context.WriteVerbose($"Using subscription {sub}{(request.SubscriptionId is null ? " (from AZURE_SUBSCRIPTION_ID)" : "")}");
            return Make(sub.ToLowerInvariant());
        }
        // Discover: the only subscription the credential can see.
        var probe = Make("00000000-0000-0000-0000-000000000000");
        context.WriteVerbose("No subscription given: listing the subscriptions this identity can see");
        var r = await ArmRest.SendAsync(probe, RequestMethod.Get, ArmRest.Url(probe, "/subscriptions", ApiVersions.Subscriptions), null, context, "subscriptions").ConfigureAwait(false);
        const string fix = "Pass -SubscriptionId <guid> to Connect-AksEgress, or set the AZURE_SUBSCRIPTION_ID environment variable.";
        if (r.Status == 404)
            throw new AksEgressException(ErrorIds.SubscriptionNotDetermined, EgressErrorCategory.InvalidOperation,
                $"The subscription could not be determined: {endpoint} does not list subscriptions.", endpoint.ToString(), fix) { HttpStatus = 404 };
        if (!r.IsSuccess)
        {
            throw ArmErrorMapper.MapBody(r.Status, r.Content, new ErrorScope(ArmTargetKind.Subscription, "subscriptions"));
        }
        var ids = (r.Json?["value"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
            .Select(o => ManagedClusterModel.Str(o, "subscriptionId")).Where(x => x is not null).Select(x => x!).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        if (ids.Length != 1)
            throw new AksEgressException(ErrorIds.SubscriptionNotDetermined, EgressErrorCategory.InvalidOperation,
                ids.Length == 0 ? "The subscription could not be determined: this identity cannot see any subscription."
                    : $"The subscription could not be determined: this identity can see {ids.Length} subscriptions ({string.Join(", ", ids.Take(5))}{(ids.Length > 5 ? ", ..." : "")}).",
                endpoint.ToString(), fix);
        context.WriteVerbose($"Using subscription {ids[0]}, the only one this identity can see");
        return Make(ids[0].ToLowerInvariant());
    }

    private static string NormaliseEnvironmentName(string? env) => (env ?? "AzureCloud").ToLowerInvariant() switch
    {
        "azurechinacloud" => "AzureChinaCloud",
        "azureusgovernment" => "AzureUSGovernment",
        _ => "AzureCloud",
    };

    internal static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>The explicit session, or (first use without Connect) the default: DefaultAzureCredential, public cloud.</summary>
    public async Task<ArmSession> GetAsync(IOperationContext context)
    {
        var s = Volatile.Read(ref _session);
        if (s is not null) return s;
        await _defaultSessionLock.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        try
        {
            s = Volatile.Read(ref _session);
            if (s is not null) return s;
            context.WriteVerbose("Not connected: using DefaultAzureCredential against the public Azure cloud");
            s = await BuildSessionAsync(new ConnectRequest(), explicitConnect: false, context).ConfigureAwait(false);
            return Interlocked.CompareExchange(ref _session, s, null) ?? s;
        }
        finally { _defaultSessionLock.Release(); }
    }
}
