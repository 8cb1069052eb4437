using System.Collections.Concurrent;
using Azure.Identity;

namespace AksEgress.Engine.Session;

/// <summary>
/// Tokens from Az PowerShell (Get-AzAccessToken) for the session that follows an Az context. Get-AzAccessToken is a
/// PowerShell command, so the request goes through the ambient operation context (<see cref="Operation.Current"/>) to the
/// pipeline thread of the runspace making the call: this works in runbooks and in every ForEach-Object -Parallel or
/// ThreadJob runspace. Tokens are cached in memory per resource until five minutes before they expire; never written or printed.
/// </summary>
internal sealed class AzContextCredential : TokenCredential
{
    private static readonly TimeSpan RefreshBefore = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<string, AccessToken> _tokens = new(StringComparer.OrdinalIgnoreCase);
    private readonly SemaphoreSlim _gate = new(1, 1);

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        var resource = ResourceOf(requestContext.Scopes);
        if (TryCached(resource, out var token)) return token;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (TryCached(resource, out token)) return token;
            var context = Operation.Current
                ?? throw new CredentialUnavailableException("Az PowerShell tokens can only be requested while an AksEgress cmdlet runs.");
            var az = context.GetAzAccessToken(resource);
            token = new AccessToken(az.Token, az.ExpiresOn);
            _tokens[resource] = token;
            return token;
        }
        finally { _gate.Release(); }
    }

    private bool TryCached(string resource, out AccessToken token) =>
        _tokens.TryGetValue(resource, out token) && token.ExpiresOn - RefreshBefore > DateTimeOffset.UtcNow;

    /// <summary>Get-AzAccessToken takes a resource, not a scope: "https://management.azure.com/.default" -> "https://management.azure.com/",
    /// "6dae42f8-4368-4678-94ff-3960e28e3630/.default" -> "6dae42f8-4368-4678-94ff-3960e28e3630".</summary>
    internal static string ResourceOf(string[] scopes)
    {
        var scope = scopes.FirstOrDefault() ?? throw new ArgumentException("No scope.", nameof(scopes));
        var resource = scope.EndsWith("/.default", StringComparison.OrdinalIgnoreCase) ? scope[..^"/.default".Length] : scope;
        // A URL keeps Az's trailing slash (https://management.azure.com/); an application id (AKS: 6dae42f8-...) stays bare.
        return resource.StartsWith("https://", StringComparison.OrdinalIgnoreCase) ? resource.TrimEnd('/') + "/" : resource;
    }
}
