using System.Runtime.InteropServices;
using System.Security;

namespace AksEgress.Internal;

/// <summary>
/// Reads the Az PowerShell context and tokens of the current runspace. Call on the pipeline thread only (nested pipelines
/// of the running cmdlet): the engine reaches it through <see cref="IOperationContext"/>. Az's own output streams are not
/// forwarded, and the token is never written anywhere: it only goes back to the caller.
/// </summary>
internal static class AzPowerShell
{
    private const string Module = "Az.Accounts";

    /// <summary>Get-AzContext when Az.Accounts is loaded in this runspace; null when it is not, or has no context.</summary>
    public static AzContextInfo? GetContext()
    {
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddCommand("Microsoft.PowerShell.Core\\Get-Module").AddParameter("Name", Module);
        if (ps.Invoke().Count == 0) return null;
        ps.Commands.Clear();
        ps.AddCommand(Module + "\\Get-AzContext").AddParameter("ErrorAction", ActionPreference.SilentlyContinue);
        PSObject? context;
        try { context = ps.Invoke().FirstOrDefault(o => o is not null); }
        catch (RuntimeException) { return null; }
        if (context is null) return null;
        var environment = Property(context, "Environment");
        var resourceManagerUrl = Text(environment, "ResourceManagerUrl");
        return new AzContextInfo
        {
            AccountId = Text(Property(context, "Account"), "Id"),
            SubscriptionId = Text(Property(context, "Subscription"), "Id"),
            TenantId = Text(Property(context, "Tenant"), "Id") ?? Text(Property(context, "Subscription"), "TenantId"),
            EnvironmentName = Text(environment, "Name") ?? "AzureCloud",
            ResourceManagerUrl = Uri.TryCreate(resourceManagerUrl, UriKind.Absolute, out var u) ? u : null,
            ArmAudience = Text(environment, "ActiveDirectoryServiceEndpointResourceId"),
        };
    }

    /// <summary>Get-AzAccessToken -ResourceUrl (SecureString form where Az offers it). Throws AuthenticationFailed.</summary>
    public static AzAccessToken GetAccessToken(string resourceUrl)
    {
        using var ps = PowerShell.Create(RunspaceMode.CurrentRunspace);
        ps.AddCommand(Module + "\\Get-AzAccessToken").AddParameter("ResourceUrl", resourceUrl).AddParameter("ErrorAction", ActionPreference.Stop);
        try
        {
            using var probe = PowerShell.Create(RunspaceMode.CurrentRunspace);
            probe.AddCommand("Microsoft.PowerShell.Core\\Get-Command").AddParameter("Name", Module + "\\Get-AzAccessToken").AddParameter("ErrorAction", ActionPreference.SilentlyContinue);
            if (probe.Invoke().FirstOrDefault()?.BaseObject is CommandInfo info && info.Parameters.ContainsKey("AsSecureString"))
                ps.AddParameter("AsSecureString");
            var result = ps.Invoke().FirstOrDefault(o => o is not null)
                ?? throw new InvalidOperationException("Get-AzAccessToken returned nothing.");
            var token = Property(result, "Token")?.BaseObject switch
            {
                SecureString secure => Unprotect(secure),
                string plain => plain,
                _ => null,
            };
            if (string.IsNullOrEmpty(token)) throw new InvalidOperationException("Get-AzAccessToken returned no Token.");
            var expires = Property(result, "ExpiresOn")?.BaseObject switch
            {
                DateTimeOffset d => d,
                DateTime d => new DateTimeOffset(d.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(d, DateTimeKind.Utc) : d),
                _ => DateTimeOffset.UtcNow.AddMinutes(10),
            };
            return new AzAccessToken(token, expires);
        }
        catch (Exception e) when (e is RuntimeException or InvalidOperationException)
        {
            throw new AksEgressException(ErrorIds.AuthenticationFailed, EgressErrorCategory.AuthenticationError,
                $"Az PowerShell could not get a token for {resourceUrl}: {Redaction.Text(e.Message)}", resourceUrl,
                "Sign in again with Connect-AzAccount (Az PowerShell), or connect AksEgress another way: Connect-AksEgress -Identity or -AccessToken.", e);
        }
    }

    private static PSObject? Property(PSObject? o, string name) => o?.Properties[name]?.Value is { } v ? PSObject.AsPSObject(v) : null;

    private static string? Text(PSObject? o, string name) => o?.Properties[name]?.Value?.ToString() is { Length: > 0 } s ? s : null;

    private static string Unprotect(SecureString secure)
    {
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try { return Marshal.PtrToStringUni(pointer) ?? ""; }
        finally { Marshal.ZeroFreeGlobalAllocUnicode(pointer); }
    }
}
