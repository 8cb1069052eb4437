using System.Runtime.CompilerServices;
using Azure.Identity;
using AksEgress.Engine.Kubernetes;

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
        context.WriteVerbose($"Connected: {session.Connection.AuthenticationMethod} to {session.Endpoint} (subscription {session.SubscriptionId})" +
            (session.AzContextKey is null ? "" : "; ARM tokens from Az PowerShell (Get-AzAccessToken) for its current sign-in"));
        return session.Connection;
    }

    public void Disconnect()
    {
        Interlocked.Exchange(ref _session, null);
        Interlocked.Exchange(ref _kubeFactory, null);
    }

    private static async Task<ArmSession> BuildSessionAsync(ConnectRequest request, bool explicitConnect, IOperationContext context, AzContextInfo? az = null)
    {
        if (request.AzContext)
            az ??= ReadAzContext(context) ?? throw new AksEgressException(ErrorIds.AzContextNotFound, EgressErrorCategory.AuthenticationError,
                "-AzContext needs a signed-in Az PowerShell context in this session, but Az.Accounts is not loaded or Get-AzContext returned nothing.",
                "Az.Accounts", "Run Import-Module Az.Accounts and Connect-AzAccount first (or Connect-AksEgress without -AzContext).");
        if (request.CaCertificatePath is not null && request.ArmEndpoint is null && (az is null || InputValidation.IsKnownEnvironment(az.EnvironmentName)))
            throw InputValidation.Invalid(ErrorIds.ConflictingParameters, request.CaCertificatePath,
                "-CaCertificatePath is trusted only for a custom ARM endpoint (-ArmEndpoint, or a custom Az environment); the public Azure clouds use the system's trusted roots.",
                "Pass -ArmEndpoint <https url> together with -CaCertificatePath, or drop -CaCertificatePath.");
        var ca = request.CaCertificatePath is null ? null : ArmSessionFactory.LoadCa(request.CaCertificatePath);
        var environmentName = az?.EnvironmentName ?? request.Environment;
        var knownEnvironment = InputValidation.IsKnownEnvironment(environmentName);
        var cloud = ArmSessionFactory.ResolveEnvironment(knownEnvironment ? environmentName : null);
        var endpoint = request.ArmEndpoint ?? cloud.Endpoint;
        var audience = cloud.Audience;
        if (az is not null && !knownEnvironment)
        {
            // A custom Az environment (Add-AzEnvironment: Azure Stack Hub, a test emulator): its ARM URL and audience.
            endpoint = az.ResourceManagerUrl is { IsAbsoluteUri: true, Scheme: "https" } u ? u
                : throw InputValidation.Invalid(ErrorIds.InvalidArmEndpoint, az.ResourceManagerUrl?.ToString() ?? environmentName,
                    $"The Az environment '{environmentName}' has the ResourceManagerUrl '{az.ResourceManagerUrl}', which is not an absolute https:// URL: bearer tokens are never sent over plain HTTP.",
                    "Fix the environment (Set-AzEnvironment -ResourceManagerEndpoint https://...) or connect with Connect-AksEgress -ArmEndpoint.");
            audience = string.IsNullOrWhiteSpace(az.ArmAudience) ? endpoint.ToString() : az.ArmAudience;
        }
        if (!endpoint.AbsolutePath.EndsWith('/')) endpoint = new Uri(endpoint + "/");

        TokenCredential credential;
        string method;
        if (az is not null)
        {
            credential = new AzContextCredential();
            method = "AzContext";
        }
        else if (request.AccessToken is not null)
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
            var o = new DefaultAzureCredentialOptions { AuthorityHost = cloud.AuthorityHost, ExcludeInteractiveBrowserCredential = true };
            if (request.TenantId is not null) o.TenantId = request.TenantId;
            if (request.ClientId is not null) o.ManagedIdentityClientId = request.ClientId;
            credential = new DefaultAzureCredential(o);
            method = "DefaultAzureCredential";
        }
        var options = ArmSessionFactory.CreateOptions(ca);
        var pipeline = ArmSessionFactory.CreatePipeline(options, credential, audience);
        var secrets = request.AccessToken is null ? Array.Empty<string>() : new[] { request.AccessToken };

        var tenant = request.TenantId ?? az?.TenantId;
        var sub = request.SubscriptionId ?? NullIfEmpty(az?.SubscriptionId) ?? NullIfEmpty(Environment.GetEnvironmentVariable("AZURE_SUBSCRIPTION_ID"));
        if (sub is not null && !InputValidation.IsSubscriptionId(sub))
            throw InputValidation.Invalid(ErrorIds.InvalidSubscriptionId, sub, $"AZURE_SUBSCRIPTION_ID '{sub}' is not a subscription GUID.", "Fix the variable or pass -SubscriptionId.");
        ArmSession Make(string subscription) => new()
        {
            Connection = new AksEgressConnection
            {
                Environment = knownEnvironment ? NormaliseEnvironmentName(environmentName) : environmentName, ArmEndpoint = endpoint, SubscriptionId = subscription, TenantId = tenant,
                AuthenticationMethod = method, ClientId = request.ClientId,
                CaCertificatePath = request.CaCertificatePath is null ? null : Path.GetFullPath(request.CaCertificatePath),
            },
            Credential = credential, Pipeline = pipeline, Endpoint = endpoint, Audience = audience,
            SubscriptionId = subscription, Explicit = explicitConnect, KnownSecrets = secrets, AzContextKey = az?.Key,
        };
        if (sub is not null)
        {
            context.WriteVerbose($"Using subscription {sub}{(request.SubscriptionId is not null ? "" : az?.SubscriptionId is not null ? " (from the Az context)" : " (from AZURE_SUBSCRIPTION_ID)")}");
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

    /// <summary>The calling runspace's Az context, once per cmdlet call (null: no Az.Accounts, no context, or not asked from PowerShell).</summary>
    private static AzContextInfo? ReadAzContext(IOperationContext context)
    {
        if (AzContexts.TryGetValue(context, out var known)) return known.Value;
        AzContextInfo? az;
        try { az = context.GetAzContext(); }
        catch (Exception e) when (e is not OperationCanceledException) { az = null; }
        AzContexts.AddOrUpdate(context, new StrongBox<AzContextInfo?>(az));
        return az;
    }

    private static readonly ConditionalWeakTable<IOperationContext, StrongBox<AzContextInfo?>> AzContexts = new();

    private static string NormaliseEnvironmentName(string? env) => (env ?? "AzureCloud").ToLowerInvariant() switch
    {
        "azurechinacloud" => "AzureChinaCloud",
        "azureusgovernment" => "AzureUSGovernment",
        _ => "AzureCloud",
    };

    internal static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>
    /// The explicit session; or, without Connect-AksEgress, the implicit one: the Az PowerShell context of the calling runspace
    /// when Az.Accounts is loaded there with a context (followed: a different context makes a new session), else
    /// DefaultAzureCredential against the public cloud. A runspace without Az keeps whatever implicit session exists, so
    /// parallel runspaces never flip the process between identity sources.
    /// </summary>
    public async Task<ArmSession> GetAsync(IOperationContext context)
    {
        var s = Volatile.Read(ref _session);
        if (s is { Explicit: true }) return s;
        var az = ReadAzContext(context);
        if (s is not null && (az is null || s.AzContextKey == az.Key)) return s;
        await _defaultSessionLock.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        try
        {
            s = Volatile.Read(ref _session);
            if (s is { Explicit: true }) return s;
            if (s is not null && (az is null || s.AzContextKey == az.Key)) return s;
            ArmSession built;
            if (az is not null)
            {
                context.WriteVerbose($"Not connected: following the Az PowerShell context (account {az.AccountId ?? "(unknown)"}, tenant {az.TenantId ?? "(unknown)"}, environment {az.EnvironmentName}); ARM tokens from Get-AzAccessToken");
                built = await BuildSessionAsync(new ConnectRequest { AzContext = true }, explicitConnect: false, context, az).ConfigureAwait(false);
            }
            else
            {
                context.WriteVerbose("Not connected: using DefaultAzureCredential against the public Azure cloud");
                built = await BuildSessionAsync(new ConnectRequest(), explicitConnect: false, context).ConfigureAwait(false);
            }
            var current = Interlocked.CompareExchange(ref _session, built, s);
            if (!ReferenceEquals(current, s)) return current!;   // Connect-AksEgress won meanwhile
            // Kubernetes credentials came from the previous identity: never reuse them under a new one.
            if (s is not null) Interlocked.Exchange(ref _kubeFactory, null);
            return built;
        }
        finally { _defaultSessionLock.Release(); }
    }
}
