using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace AksEgress.Emulator;

/// <summary>Creates an in-memory ECDSA P-256 CA and a loopback server certificate signed by it.</summary>
internal static class Certificates
{
    public static (X509Certificate2 Ca, X509Certificate2 Leaf) Create()
    {
        var notBefore = DateTimeOffset.UtcNow.AddMinutes(-10);
        var notAfter = DateTimeOffset.UtcNow.AddDays(30);

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caReq = new CertificateRequest("CN=AksEgress Emulator Root CA, O=AksEgress", caKey, HashAlgorithmName.SHA256);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        var caSki = new X509SubjectKeyIdentifierExtension(caReq.PublicKey, false);
        caReq.CertificateExtensions.Add(caSki);
        using var caTmp = caReq.CreateSelfSigned(notBefore, notAfter.AddDays(1));
        var ca = X509CertificateLoader.LoadPkcs12(caTmp.Export(X509ContentType.Pfx), null);

        using var leafKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var leafReq = new CertificateRequest("CN=127.0.0.1", leafKey, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        leafReq.CertificateExtensions.Add(san.Build());
        leafReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        leafReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        leafReq.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        leafReq.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(leafReq.PublicKey, false));
        leafReq.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var leafPub = leafReq.Create(ca, notBefore, notAfter, serial);
        using var leafWithKey = leafPub.CopyWithPrivateKey(leafKey);
        var leaf = X509CertificateLoader.LoadPkcs12(leafWithKey.Export(X509ContentType.Pfx), null);
        return (ca, leaf);
    }
}
