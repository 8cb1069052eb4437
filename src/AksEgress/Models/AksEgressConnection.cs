namespace AksEgress.Models;

/// <summary>How this PowerShell process reaches Azure Resource Manager. Holds no secret.</summary>
public sealed class AksEgressConnection
{
    public string Environment { get; init; } = "AzureCloud";
    public Uri ArmEndpoint { get; init; } = new("https://management.azure.com/");
    public string? SubscriptionId { get; init; }
    public string? TenantId { get; init; }
    /// <summary>AzContext, DefaultAzureCredential, ManagedIdentity or AccessToken.</summary>
    public string AuthenticationMethod { get; init; } = "DefaultAzureCredential";
    /// <summary>Client id of a user-assigned managed identity, when one was named.</summary>
    public string? ClientId { get; init; }
    /// <summary>The PEM file trusted for this ARM endpoint only (custom endpoints).</summary>
    public string? CaCertificatePath { get; init; }
    public DateTimeOffset ConnectedAt { get; init; } = DateTimeOffset.UtcNow;

    public override string ToString() => $"{AuthenticationMethod} @ {ArmEndpoint} ({SubscriptionId})";
}
