namespace AksEgress.Contract;

/// <summary>
/// What AksEgress reads from an Az PowerShell context (Get-AzContext): who, which subscription and tenant, which cloud.
/// Holds no secret.
/// </summary>
public sealed record AzContextInfo
{
    /// <summary>The signed-in account (a user principal name, an application id or a managed identity id).</summary>
    public string? AccountId { get; init; }
    public string? SubscriptionId { get; init; }
    public string? TenantId { get; init; }
    /// <summary>Az's environment name: AzureCloud, AzureChinaCloud, AzureUSGovernment, or a custom one (Add-AzEnvironment).</summary>
    public string EnvironmentName { get; init; } = "AzureCloud";
    /// <summary>The environment's Azure Resource Manager URL (used for a custom environment).</summary>
    public Uri? ResourceManagerUrl { get; init; }
    /// <summary>The environment's ARM token audience (ActiveDirectoryServiceEndpointResourceId), when it has one.</summary>
    public string? ArmAudience { get; init; }

    /// <summary>Identifies the context: a different one means a different session.</summary>
    public string Key => $"{EnvironmentName}|{ResourceManagerUrl}|{AccountId}|{TenantId}|{SubscriptionId}".ToLowerInvariant();
}

/// <summary>An access token from Az PowerShell (Get-AzAccessToken). Kept in memory only; never printed (ToString hides it).</summary>
public sealed class AzAccessToken
{
    public AzAccessToken(string token, DateTimeOffset expiresOn)
    {
        Token = token;
        ExpiresOn = expiresOn;
    }

    public string Token { get; }
    public DateTimeOffset ExpiresOn { get; }

    public override string ToString() => $"Az access token (expires {ExpiresOn:u})";
}
