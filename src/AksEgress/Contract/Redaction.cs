using System.Text.RegularExpressions;

namespace AksEgress.Contract;

/// <summary>Removes secrets from text bound for Verbose/Debug/errors: bearer tokens, JWTs, kubeconfig credential fields, SAS-like query values.</summary>
public static partial class Redaction
{
    public const string Mask = "***REDACTED***";

    [GeneratedRegex(@"(?i)\b(bearer|basic)\s+[A-Za-z0-9\-\._~\+/=]+")]
    private static partial Regex AuthSchemeRegex();
    [GeneratedRegex(@"eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*")]
    private static partial Regex JwtRegex();
    [GeneratedRegex(@"(?i)(""?(?:access_token|refresh_token|id_token|token|client-key-data|client-certificate-data|password|client_secret|value)""?\s*[:=]\s*""?)([^""\s,}]+)")]
    private static partial Regex KeyValueRegex();
    [GeneratedRegex(@"(?i)([?&](?:sig|code|token|client_secret)=)[^&\s]+")]
    private static partial Regex QueryRegex();

    private static readonly HashSet<string> SecretHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Proxy-Authorization", "X-IDENTITY-HEADER", "Metadata", "Cookie", "Set-Cookie", "x-ms-client-secret",
    };

    public static bool IsSecretHeader(string name) => SecretHeaders.Contains(name);

    public static string Text(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? "";
        var s = AuthSchemeRegex().Replace(text, m => m.Groups[1].Value + " " + Mask);
        s = JwtRegex().Replace(s, Mask);
        s = KeyValueRegex().Replace(s, m => m.Groups[1].Value + Mask);
        s = QueryRegex().Replace(s, m => m.Groups[1].Value + Mask);
        return s;
    }

    /// <summary>Also masks any exact secret values known to the caller (tokens the module holds).</summary>
    public static string Text(string? text, IEnumerable<string?> knownSecrets)
    {
        var s = text ?? "";
        foreach (var secret in knownSecrets)
            if (!string.IsNullOrEmpty(secret) && secret.Length >= 8)
                s = s.Replace(secret, Mask, StringComparison.Ordinal);
        return Text(s);
    }
}
