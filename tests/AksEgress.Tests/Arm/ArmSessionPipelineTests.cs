using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Security.Authentication;
using AksEgress.Engine;
using AksEgress.Engine.Arm;
using AksEgress.Models;
using Azure.Core;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>
/// The session's pipeline without an emulator: the -Debug line per request and response (tokens, secret headers and
/// credential bodies never shown), the retry policy (5xx retried, TLS trust failures not), the user agent, the CA file
/// checks, custom-root chain building with an intermediate, and the session caches.
/// </summary>
public class ArmSessionPipelineTests
{
    private const string ClusterPath = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/c1";

    private static async Task<(RecordingContext Ctx, ArmResult R)> LoggedSend(ScriptedArmHandler h, RequestMethod method, string path, int maxRetries = 0, string? extraQuery = null)
    {
        var s = ScriptedArm.Session(h, maxRetries);
        var ctx = new RecordingContext();
        var r = await Operation.RunAsync(ctx, () => ArmRest.SendAsync(s, method, ArmRest.Url(s, path, ApiVersions.ManagedClusters, extraQuery), null, ctx, "rg1/c1"));
        return (ctx, r);
    }

    [Fact]
    public async Task Debug_shows_each_request_and_response_with_the_token_masked()
    {
        var h = new ScriptedArmHandler().Then(200, """{"name":"c1"}""", ("x-ms-request-id", "req-42"), ("Set-Cookie", "session=cookie-secret-value"));
        var (ctx, _) = await LoggedSend(h, RequestMethod.Get, ClusterPath);
        var lines = ctx.Debug.ToArray();
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"HTTP GET https://management.azure.com{ClusterPath}?api-version=2025-10-01 [", lines[0]);
        Assert.Contains("Authorization: " + Redaction.Mask, lines[0]);
        Assert.Contains("Accept: application/json", lines[0]);
        Assert.StartsWith($"HTTP 200 OK for GET https://management.azure.com{ClusterPath}?api-version=2025-10-01 in ", lines[1]);
        Assert.Contains("x-ms-request-id: req-42", lines[1]);
        Assert.Contains("Set-Cookie: " + Redaction.Mask, lines[1]);
        Assert.DoesNotContain(" body: ", lines[1]);
        Assert.Contains("x-ms-request-id: req-42; Set-Cookie: " + Redaction.Mask, lines[1]);
        Assert.Matches(@"Accept: application/json; \S", lines[0]);
        Assert.All(lines, l => Assert.DoesNotContain(ScriptedArm.Token, l));
        Assert.All(lines, l => Assert.DoesNotContain("cookie-secret-value", l));
    }

    [Fact]
    public async Task Debug_masks_secret_query_values()
    {
        var h = new ScriptedArmHandler().Then(200, "{}");
        var (ctx, _) = await LoggedSend(h, RequestMethod.Get, ClusterPath, extraQuery: "sig=s3cr3t-signature");
        Assert.All(ctx.Debug, l => Assert.DoesNotContain("s3cr3t-signature", l));
    }

    [Theory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(500)]
    public async Task Debug_shows_the_body_of_an_error_response(int status)
    {
        var h = new ScriptedArmHandler().Then(status, """{"error":{"code":"SomeCode","message":"why it failed"}}""");
        var (ctx, _) = await LoggedSend(h, RequestMethod.Get, ClusterPath);
        Assert.EndsWith(""" body: {"error":{"code":"SomeCode","message":"why it failed"}}""", ctx.Debug.ToArray()[1]);
    }

    [Fact]
    public async Task Debug_cuts_a_long_error_body_at_2000_characters()
    {
        var body = """{"error":{"message":" """ + new string('x', 2500) + "\"}}";
        var h = new ScriptedArmHandler().Then(500, body);
        var (ctx, _) = await LoggedSend(h, RequestMethod.Get, ClusterPath);
        var line = ctx.Debug.ToArray()[1];
        Assert.EndsWith(" body: " + body[..2000] + "...", line);
    }

    [Fact]
    public async Task Debug_shows_a_body_of_exactly_2000_characters_whole()
    {
        var body = """{"error":{"message":" """ + new string('y', 2000 - 25) + "\"}}";
        Assert.Equal(2000, body.Length);
        var h = new ScriptedArmHandler().Then(500, body);
        var (ctx, _) = await LoggedSend(h, RequestMethod.Get, ClusterPath);
        Assert.EndsWith(" body: " + body, ctx.Debug.ToArray()[1]);
    }

    [Theory]
    [InlineData("listClusterUserCredential")]
    [InlineData("listClusterAdminCredential")]
    [InlineData("listClusterMonitoringUserCredential")]
    public async Task Debug_never_shows_a_credential_response(string action)
    {
        var h = new ScriptedArmHandler().Then(400, """{"kubeconfigs":[{"name":"clusterUser","value":"a3ViZWNvbmZpZy1zZWNyZXQ="}],"error":{"code":"x"}}""");
        var (ctx, _) = await LoggedSend(h, RequestMethod.Post, ClusterPath + "/" + action);
        var line = ctx.Debug.ToArray()[1];
        Assert.EndsWith(" body: (credential response, not logged)", line);
        Assert.DoesNotContain("a3ViZWNvbmZpZy1zZWNyZXQ", line);
    }

    [Fact]
    public async Task Debug_says_when_a_request_got_no_response()
    {
        var h = new ScriptedArmHandler().ThenThrow(new HttpRequestException("Connection refused"));
        var s = ScriptedArm.Session(h);
        var ctx = new RecordingContext();
        await Assert.ThrowsAsync<AksEgressException>(() => Operation.RunAsync(ctx, () =>
            ArmRest.SendAsync(s, RequestMethod.Get, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, ctx, "rg1/c1")));
        var lines = ctx.Debug.ToArray();
        Assert.Equal(2, lines.Length);
        Assert.Matches(@"^HTTP GET https://management\.azure\.com/.*managedClusters/c1\?api-version=2025-10-01 failed without a response after \d+ ms$", lines[1]);
    }

    private sealed class ThrowingDebugContext : IOperationContext
    {
        public CancellationToken CancellationToken => default;
        public void WriteVerbose(string message) { }
        public void WriteDebug(string message) => throw new InvalidOperationException("host closed");
        public void WriteWarning(string message) { }
        public void WriteProgress(ProgressUpdate update) { }
        public bool ShouldProcess(string target, string action) => true;
    }

    [Fact]
    public async Task A_debug_stream_that_fails_never_fails_the_request()
    {
        var h = new ScriptedArmHandler().Then(404, """{"error":{"code":"ResourceNotFound"}}""");
        var s = ScriptedArm.Session(h);
        var ctx = new ThrowingDebugContext();
        var r = await Operation.RunAsync(ctx, () => ArmRest.SendAsync(s, RequestMethod.Get, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, ctx, "rg1/c1"));
        Assert.Equal(404, r.Status);
    }

    [Fact]
    public async Task A_synchronous_send_is_logged_too()
    {
        var h = new ScriptedArmHandler().Then(404, """{"error":{"code":"ResourceNotFound"}}""");
        var s = ScriptedArm.Session(h);
        var ctx = new RecordingContext();
        await Operation.RunAsync(ctx, () =>
        {
            using var message = s.Pipeline.CreateMessage();
            message.Request.Method = RequestMethod.Get;
            message.Request.Uri.Reset(ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters));
            s.Pipeline.Send(message, default);
            return Task.FromResult(message.Response.Status);
        });
        var lines = ctx.Debug.ToArray();
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("HTTP GET https://management.azure.com/", lines[0]);
        Assert.StartsWith("HTTP 404 Not Found for GET https://management.azure.com/", lines[1]);
        Assert.EndsWith("""body: {"error":{"code":"ResourceNotFound"}}""", lines[1]);
    }

    [Fact]
    public void An_empty_environment_name_is_the_public_cloud_and_an_unknown_one_lists_the_known_ones()
    {
        Assert.Same(ArmCloud.AzurePublicCloud, ArmSessionFactory.ResolveEnvironment(""));
        var e = Assert.Throws<AksEgressException>(() => ArmSessionFactory.ResolveEnvironment("AzureStack"));
        Assert.Equal("'AzureStack' is not a known Azure environment. Use AzureCloud, AzureChinaCloud or AzureUSGovernment, and -ArmEndpoint for a custom endpoint.", e.Message);
        Assert.Equal("Pass -Environment AzureCloud (the default), AzureChinaCloud or AzureUSGovernment.", e.RecommendedAction);
        Assert.Equal("AzureStack", e.TargetObject);
    }

    [Fact]
    public async Task Requests_carry_the_aksegress_user_agent()
    {
        var h = new ScriptedArmHandler().Then(200, "{}");
        await LoggedSend(h, RequestMethod.Get, ClusterPath);
        Assert.StartsWith("AksEgress", Assert.Single(h.Requests).Headers["User-Agent"]);
    }

    [Fact]
    public async Task A_server_error_is_retried_and_the_retry_answer_is_used()
    {
        var h = new ScriptedArmHandler().Then(503, """{"error":{"code":"ServiceUnavailable"}}""", ("Retry-After", "0")).Then(200, """{"name":"c1"}""");
        var (_, r) = await LoggedSend(h, RequestMethod.Get, ClusterPath, maxRetries: 2);
        Assert.Equal(200, r.Status);
        Assert.Equal(2, h.Requests.Count);
    }

    [Fact]
    public async Task Retries_stop_at_the_configured_count()
    {
        var h = new ScriptedArmHandler().Then(503, "{}", ("Retry-After", "0")).Then(503, "{}", ("Retry-After", "0"));
        var (_, r) = await LoggedSend(h, RequestMethod.Get, ClusterPath, maxRetries: 1);
        Assert.Equal(503, r.Status);
        Assert.Equal(2, h.Requests.Count);

        var once = new ScriptedArmHandler().Then(503, "{}", ("Retry-After", "0"));
        var (_, r0) = await LoggedSend(once, RequestMethod.Get, ClusterPath, maxRetries: 0);
        Assert.Equal(503, r0.Status);
        Assert.Single(once.Requests);
    }

    [Fact]
    public async Task A_tls_trust_failure_is_not_retried()
    {
        var tls = new HttpRequestException("The SSL connection could not be established.", new AuthenticationException("The remote certificate is invalid."));
        var h = new ScriptedArmHandler().ThenThrow(tls).ThenThrow(tls).ThenThrow(tls);
        var s = ScriptedArm.Session(h, maxRetries: 2);
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.SendAsync(s, RequestMethod.Get, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, new RecordingContext(), "rg1/c1"));
        Assert.Equal(ErrorIds.TlsValidationFailed, e.ErrorId);
        Assert.Single(h.Requests);
    }

    [Fact]
    public async Task A_network_failure_is_retried()
    {
        var h = new ScriptedArmHandler().ThenThrow(new HttpRequestException("Connection reset")).Then(200, "{}");
        var s = ScriptedArm.Session(h, maxRetries: 1);
        var r = await ArmRest.SendAsync(s, RequestMethod.Get, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, new RecordingContext(), "rg1/c1");
        Assert.Equal(200, r.Status);
        Assert.Equal(2, h.Requests.Count);
    }

    [Fact]
    public void A_missing_ca_file_is_named_with_its_full_path_and_the_fix()
    {
        var e = Assert.Throws<AksEgressException>(() => ArmSessionFactory.LoadCa("no-such-dir/ca.pem"));
        var full = Path.GetFullPath("no-such-dir/ca.pem");
        Assert.Equal(ErrorIds.CaCertificateNotFound, e.ErrorId);
        Assert.Equal(EgressErrorCategory.ObjectNotFound, e.Category);
        Assert.Equal($"The CA certificate file '{full}' does not exist.", e.Message);
        Assert.Equal("no-such-dir/ca.pem", e.TargetObject);
        Assert.Contains("Pass -CaCertificatePath with the PEM file of the CA", e.RecommendedAction);
    }

    [Fact]
    public void A_file_without_a_pem_certificate_is_refused_with_what_is_missing()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
            var e = Assert.Throws<AksEgressException>(() => ArmSessionFactory.LoadCa(path));
            Assert.Equal(ErrorIds.CaCertificateInvalid, e.ErrorId);
            Assert.Equal(EgressErrorCategory.InvalidData, e.Category);
            Assert.Equal($"The CA certificate file '{Path.GetFullPath(path)}' could not be read as a PEM certificate: no PEM CERTIFICATE block", e.Message);
            Assert.Contains("Pass a PEM file that contains '-----BEGIN CERTIFICATE-----'", e.RecommendedAction);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_pem_certificate_file_loads()
    {
        using var key = RSA.Create(2048);
        var req = new CertificateRequest("CN=Loaded CA", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, cert.ExportCertificatePem());
            using var loaded = ArmSessionFactory.LoadCa(path);
            Assert.Equal(cert.Thumbprint, loaded.Thumbprint);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void A_custom_root_accepts_a_server_that_sends_its_intermediate()
    {
        using var rootKey = RSA.Create(2048);
        var rootReq = new CertificateRequest("CN=Root CA", rootKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        rootReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        rootReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var root = rootReq.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(3));
        using var midKey = RSA.Create(2048);
        var midReq = new CertificateRequest("CN=Intermediate CA", midKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        midReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        midReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var midPublic = midReq.Create(root, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2), [5, 6, 7]);
        using var mid = midPublic.CopyWithPrivateKey(midKey);
        using var leafKey = RSA.Create(2048);
        var leafReq = new CertificateRequest("CN=arm.contoso.test", leafKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        leafReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        using var leaf = leafReq.Create(mid, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), [1, 2, 3]);

        // What the TLS stack hands over: the chain the server sent (leaf + intermediate), not trusted by the system.
        using var sent = new X509Chain();
        sent.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        sent.ChainPolicy.ExtraStore.Add(midPublic);
        sent.Build(leaf);
        Assert.Contains(sent.ChainElements.Cast<X509ChainElement>(), e => e.Certificate.Thumbprint == midPublic.Thumbprint);

        Assert.True(ArmSessionFactory.ValidateWithCustomRoot(root, leaf, sent, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(ArmSessionFactory.ValidateWithCustomRoot(root, leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
    }

    [Fact]
    public void Cache_returns_what_was_set_within_its_time_to_live()
    {
        var cache = new TtlCache<string, int>(TimeSpan.FromHours(1));
        Assert.False(cache.TryGet("a", out _));
        cache.Set("a", 1);
        Assert.True(cache.TryGet("a", out var v));
        Assert.Equal(1, v);
    }

    [Fact]
    public void Cache_forgets_an_entry_once_its_time_to_live_has_passed()
    {
        var cache = new TtlCache<string, int>(TimeSpan.Zero);
        cache.Set("a", 1);
        Thread.Sleep(20);
        Assert.False(cache.TryGet("a", out var gone));
        Assert.Equal(0, gone);
    }

    [Fact]
    public void Cache_string_keys_ignore_case_unless_a_comparer_is_given()
    {
        var byName = new TtlCache<string, int>(TimeSpan.FromMinutes(1));
        byName.Set("RG1/Cluster", 1);
        Assert.True(byName.TryGet("rg1/cluster", out _));
        var byToken = new TtlCache<string, int>(TimeSpan.FromMinutes(1), StringComparer.Ordinal);
        byToken.Set("Token-A", 1);
        Assert.False(byToken.TryGet("token-a", out _));
        Assert.True(byToken.TryGet("Token-A", out _));
    }

    [Fact]
    public void Cache_remove_remove_where_and_clear_drop_entries()
    {
        var cache = new TtlCache<string, int>(TimeSpan.FromMinutes(1));
        cache.Set("a", 1); cache.Set("b", 2); cache.Set("c", 3);
        cache.Remove("a");
        Assert.False(cache.TryGet("a", out _));
        cache.RemoveWhere(v => v == 2);
        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("c", out _));
        cache.Clear();
        Assert.False(cache.TryGet("c", out _));
    }

    [Fact]
    public void A_large_cache_drops_only_expired_entries()
    {
        var cache = new TtlCache<int, int>(TimeSpan.FromMinutes(5));
        for (var i = 0; i < 600; i++) cache.Set(i, i);
        for (var i = 0; i < 600; i++) Assert.True(cache.TryGet(i, out _), $"entry {i} was dropped before it expired");
    }

    [Fact]
    public async Task A_static_token_credential_hands_out_the_token_for_an_hour()
    {
        var c = new StaticTokenCredential("given-token");
        var t = await c.GetTokenAsync(new TokenRequestContext(["https://management.azure.com/.default"]), default);
        Assert.Equal("given-token", t.Token);
        Assert.InRange(t.ExpiresOn, DateTimeOffset.UtcNow.AddMinutes(59), DateTimeOffset.UtcNow.AddMinutes(61));
    }
}
