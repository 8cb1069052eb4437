using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace AksEgress.Emulator;

/// <summary>Issues and checks the bearer tokens the emulator accepts. Token values are never logged.</summary>
internal sealed class TokenService(string tenantId)
{
    private readonly ConcurrentDictionary<string, (string Audience, DateTimeOffset Expires)> _issued = new();
    private readonly ConcurrentDictionary<string, string> _user = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, string> _admin = new(StringComparer.OrdinalIgnoreCase);
    public string AccessToken { get; } = Random("arm");
    public string MiHeader { get; } = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
    public string MiClientId { get; } = "7f2c3b1e-7c41-4c2a-9a55-5e1f1d0c0001";
    public string MiObjectId { get; } = EmulatorWorld.ManagedIdentityObjectId;

    private static string Random(string prefix) => prefix + "-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_').TrimEnd('=');

    public string UserToken(string cluster) => _user.GetOrAdd(cluster, _ => Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant());
    public string AdminToken(string cluster) => _admin.GetOrAdd(cluster, _ => Convert.ToHexString(RandomNumberGenerator.GetBytes(32)).ToLowerInvariant());

    public static string NormalizeAudience(string resource)
    {
        var r = resource.Trim();
        if (r.EndsWith("/.default", StringComparison.OrdinalIgnoreCase)) r = r[..^"/.default".Length];
        r = r.TrimEnd('/');
        if (r.StartsWith("api://", StringComparison.OrdinalIgnoreCase)) r = r[6..];
        return r.ToLowerInvariant();
    }

    /// <summary>Issues an unsigned JWT-shaped token for the audience.</summary>
    public (string Token, DateTimeOffset Expires) Issue(string resource, string? clientId, TimeSpan? lifetime = null)
    {
        var exp = DateTimeOffset.UtcNow.Add(lifetime ?? TimeSpan.FromHours(1));
        var aud = NormalizeAudience(resource);
        static string B64(string s) => Convert.ToBase64String(Encoding.UTF8.GetBytes(s)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        var header = B64("{\"typ\":\"JWT\",\"alg\":\"none\"}");
        var payload = B64(new JsonObject
        {
            ["aud"] = resource, ["iss"] = $"https://sts.windows.net/{tenantId}/", ["tid"] = tenantId, ["oid"] = MiObjectId, ["appid"] = clientId ?? MiClientId,
            ["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["exp"] = exp.ToUnixTimeSeconds(), ["xms_mirid"] = "/emulator/managed-identity", ["jti"] = Guid.NewGuid().ToString(),
        }.ToJsonString());
        var sig = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_').TrimEnd('=');
        var token = $"{header}.{payload}.{sig}";
        _issued[token] = (aud, exp);
        return (token, exp);
    }

    public bool IsArmToken(string token) =>
        token == AccessToken || IsEntraToken(token, "https://management.azure.com") || IsEntraToken(token, "https://management.core.windows.net");

    public bool IsEntraToken(string token, string audience) =>
        _issued.TryGetValue(token, out var t) && t.Expires > DateTimeOffset.UtcNow && t.Audience == NormalizeAudience(audience);
}
