using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using AksEgress.Engine;
using AksEgress.Engine.Arm;
using Xunit;

namespace AksEgress.Tests.Arm;

public class ArmTlsTests
{
    private static (X509Certificate2 Ca, X509Certificate2 Leaf, X509Certificate2 OtherCa) MakeCerts()
    {
        using var caKey = RSA.Create(2048);
        var caReq = new CertificateRequest("CN=Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var ca = caReq.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        using var leafKey = RSA.Create(2048);
        var leafReq = new CertificateRequest("CN=127.0.0.1", leafKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        leafReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var leaf = leafReq.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), new byte[] { 1, 2, 3, 4 });
        using var otherKey = RSA.Create(2048);
        var otherReq = new CertificateRequest("CN=Other CA", otherKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        otherReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var other = otherReq.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        return (ca, leaf, other);
    }

    [Fact]
    public void Custom_root_trusts_only_that_ca_and_still_checks_the_host_name()
    {
        var (ca, leaf, other) = MakeCerts();
        Assert.True(ArmSessionFactory.ValidateWithCustomRoot(ca, leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(ArmSessionFactory.ValidateWithCustomRoot(other, leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(ArmSessionFactory.ValidateWithCustomRoot(ca, leaf, null, SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(ArmSessionFactory.ValidateWithCustomRoot(ca, null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    [Fact]
    public async Task Missing_or_invalid_ca_file_fails_before_any_request()
    {
        var engine = new AksEgressEngine();
        var missing = await Assert.ThrowsAsync<AksEgressException>(() => engine.ConnectAsync(new ConnectRequest
        { AccessToken = "t0k3n-value", ArmEndpoint = new Uri("https://127.0.0.1:1/"), CaCertificatePath = "/nonexistent/ca.pem", SubscriptionId = "00000000-0000-0000-0000-000000000000" }, new NullOperationContext()));
        Assert.Equal(ErrorIds.CaCertificateNotFound, missing.ErrorId);
        var bad = Path.GetTempFileName();
        await File.WriteAllTextAsync(bad, "not a certificate");
        var invalid = await Assert.ThrowsAsync<AksEgressException>(() => engine.ConnectAsync(new ConnectRequest
        { AccessToken = "t0k3n-value", ArmEndpoint = new Uri("https://127.0.0.1:1/"), CaCertificatePath = bad, SubscriptionId = "00000000-0000-0000-0000-000000000000" }, new NullOperationContext()));
        Assert.Equal(ErrorIds.CaCertificateInvalid, invalid.ErrorId);
        File.Delete(bad);
        var sub = await Assert.ThrowsAsync<AksEgressException>(() => engine.ConnectAsync(new ConnectRequest { AccessToken = "t", SubscriptionId = "my-sub" }, new NullOperationContext()));
        Assert.Equal(ErrorIds.InvalidSubscriptionId, sub.ErrorId);
        var http = await Assert.ThrowsAsync<AksEgressException>(() => engine.ConnectAsync(new ConnectRequest { AccessToken = "t", ArmEndpoint = new Uri("http://127.0.0.1:1/") }, new NullOperationContext()));
        Assert.Equal(ErrorIds.InvalidArmEndpoint, http.ErrorId);
        var caOnly = await Assert.ThrowsAsync<AksEgressException>(() => engine.ConnectAsync(new ConnectRequest { AccessToken = "t", CaCertificatePath = "/nonexistent/ca.pem" }, new NullOperationContext()));
        Assert.Equal(ErrorIds.ConflictingParameters, caOnly.ErrorId);
        Assert.Null(engine.Connection);
    }
}
