using System.Text;
using AksEgress.Engine.Kubernetes;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

/// <summary>
/// Entra bearer tokens for a cluster's API server: asked from the connection for the kubeconfig's server application, reused
/// until five minutes before the token's own expiry (its JWT exp), then asked again; a token without exp is kept five minutes,
/// one that is about to expire thirty seconds.
/// </summary>
public class AadTokenProviderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static string Base64Url(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A JWT-shaped token (header.payload.signature) whose payload is <paramref name="payload"/>.</summary>
    private static string Jwt(string payload) => Base64Url("{\"alg\":\"RS256\",\"typ\":\"JWT\"}") + "." + Base64Url(payload) + ".c2lnbmF0dXJl";

    private static string JwtExpiringAt(DateTimeOffset exp, int n) => Jwt($"{{\"aud\":\"6dae42f8-4368-4678-94ff-3960e28e3630\",\"n\":{n},\"exp\":{exp.ToUnixTimeSeconds()}}}");

    /// <summary>The tokens the connection hands out, in order, and a clock the test moves.</summary>
    private sealed class Connection
    {
        public DateTimeOffset Now = T0;
        public int Issued;
        public Func<int, string> Token = n => "opaque-token-" + n;
        public FakeArm Arm { get; }
        public Connection() => Arm = new FakeArm { AadToken = () => Token(++Issued) };
        public AadTokenProvider Provider(string? serverId = null) => new(Arm, serverId) { UtcNow = () => Now };
    }

    private static async Task<string> HeaderAsync(AadTokenProvider p)
    {
        var h = await p.GetAuthenticationHeaderAsync(CancellationToken.None);
        Assert.Equal("Bearer", h.Scheme);
        return h.Parameter!;
    }

    [Fact]
    public async Task A_token_is_reused_until_five_minutes_before_its_exp_then_asked_again_for_the_same_server_application()
    {
        var c = new Connection();
        c.Token = n => JwtExpiringAt(c.Now.AddHours(1), n);
        var p = c.Provider("11111111-2222-3333-4444-555555555555");
        var first = await HeaderAsync(p);
        c.Now = T0.AddMinutes(54).AddSeconds(59);
        Assert.Equal(first, await HeaderAsync(p));
        Assert.Equal(1, c.Issued);
        c.Now = T0.AddMinutes(55);
        var second = await HeaderAsync(p);
        Assert.NotEqual(first, second);
        Assert.Equal(2, c.Issued);
        Assert.Equal(new[] { "11111111-2222-3333-4444-555555555555", "11111111-2222-3333-4444-555555555555" }, c.Arm.TokenServerIds);
    }

    [Fact]
    public async Task A_token_without_exp_is_kept_five_minutes()
    {
        var c = new Connection();
        var p = c.Provider();
        Assert.Equal("opaque-token-1", await HeaderAsync(p));
        c.Now = T0.AddMinutes(4).AddSeconds(59);
        Assert.Equal("opaque-token-1", await HeaderAsync(p));
        c.Now = T0.AddMinutes(5);
        Assert.Equal("opaque-token-2", await HeaderAsync(p));
        Assert.Equal(new string?[] { null, null }, c.Arm.TokenServerIds);
    }

    [Theory]
    [InlineData(4)]     // expires in 4 minutes: inside the 5-minute margin
    [InlineData(5)]     // exactly at the margin
    [InlineData(-60)]   // already expired an hour ago
    public async Task A_token_that_is_about_to_expire_is_kept_thirty_seconds(int expiresInMinutes)
    {
        var c = new Connection();
        c.Token = n => JwtExpiringAt(c.Now.AddMinutes(expiresInMinutes), n);
        var p = c.Provider();
        var first = await HeaderAsync(p);
        c.Now = T0.AddSeconds(29);
        Assert.Equal(first, await HeaderAsync(p));
        c.Now = T0.AddSeconds(30);
        Assert.NotEqual(first, await HeaderAsync(p));
        Assert.Equal(2, c.Issued);
    }

    [Fact]
    public async Task Parallel_requests_share_one_token_request()
    {
        var c = new Connection();
        var p = c.Provider();
        var all = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => HeaderAsync(p))));
        Assert.All(all, t => Assert.Equal("opaque-token-1", t));
        Assert.Equal(1, c.Issued);
    }

    [Theory]
    [InlineData("{\"exp\":1700000000}")]                    // payload length 24 (no padding)
    [InlineData("{\"exp\":1700000000,\"a\":1}")]            // needs one '='
    [InlineData("{\"exp\":1700000000,\"ab\":12}")]          // needs two '='
    [InlineData("{\"sub\":\"?>?>\",\"exp\":1700000000}")]    // base64url '-' and '_' in the payload
    public void The_expiry_is_read_from_the_payload_in_base64url(string payload)
    {
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), AadTokenProvider.JwtExpiry(Jwt(payload)));
        // header.payload without a signature part
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), AadTokenProvider.JwtExpiry(Jwt(payload)[..Jwt(payload).LastIndexOf('.')]));
    }

    [Theory]
    [InlineData("opaque")]
    [InlineData("a.!!!not-base64!!!.c")]
    [InlineData("a.bm90IGpzb24.c")]
    public void A_token_that_is_not_a_JWT_has_no_expiry(string token) => Assert.Null(AadTokenProvider.JwtExpiry(token));

    [Theory]
    [InlineData("{\"sub\":\"x\"}")]
    [InlineData("{\"exp\":\"soon\"}")]
    public void A_JWT_without_a_numeric_exp_has_no_expiry(string payload) => Assert.Null(AadTokenProvider.JwtExpiry(Jwt(payload)));
}
