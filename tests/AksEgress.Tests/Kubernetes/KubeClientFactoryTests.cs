using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Engine.Kubernetes;
using AksEgress.Models;
using k8s;
using Xunit;
using static AksEgress.Tests.KubeTestSupport;

namespace AksEgress.Tests.Kubernetes;

public class KubeClientFactoryTests : IDisposable
{
    /// <summary>This test's kubeconfig files; deleted after the test.</summary>
    private readonly string _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "aksegress-kubeconfigs-" + Guid.NewGuid().ToString("N")[..12])).FullName;

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        GC.SuppressFinalize(this);
    }

    private string TempFile(string content)
    {
        var p = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".kubeconfig");
        File.WriteAllText(p, content);
        return p;
    }

    [Fact]
    public async Task Kubeconfig_errors_come_before_any_request()
    {
        var f = new KubeClientFactory(new FakeArm());
        var ctx = new RecordingContext();
        var e1 = await Assert.ThrowsAsync<AksEgressException>(() => f.GetSessionAsync(new KubeAccess { KubeConfigPath = "/nonexistent/kubeconfig" }, ctx));
        Assert.Equal(ErrorIds.KubeConfigNotFound, e1.ErrorId);
        var e2 = await Assert.ThrowsAsync<AksEgressException>(() => f.GetSessionAsync(new KubeAccess { KubeConfigPath = TempFile("this: [is not: a kubeconfig") }, ctx));
        Assert.Equal(ErrorIds.KubeConfigInvalid, e2.ErrorId);
        var good = "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: ctx\n  context: {cluster: c, user: u}\ncurrent-context: ctx\nusers:\n- name: u\n  user:\n    token: abc\n";
        var e3 = await Assert.ThrowsAsync<AksEgressException>(() => f.GetSessionAsync(new KubeAccess { KubeConfigPath = TempFile(good), KubeContext = "other" }, ctx));
        Assert.Equal(ErrorIds.KubeContextNotFound, e3.ErrorId);
        Assert.Contains("ctx", e3.Message);
        var insecure = good.Replace("    server: https://127.0.0.1:1\n", "    server: https://127.0.0.1:1\n    insecure-skip-tls-verify: true\n");
        var e4 = await Assert.ThrowsAsync<AksEgressException>(() => f.GetSessionAsync(new KubeAccess { KubeConfigPath = TempFile(insecure) }, ctx));
        Assert.Equal(ErrorIds.KubeConfigInvalid, e4.ErrorId);
        Assert.Contains("insecure-skip-tls-verify", e4.Message);
        var http = good.Replace("https://127.0.0.1:1", "http://127.0.0.1:1");
        Assert.Equal(ErrorIds.KubeConfigInvalid, (await Assert.ThrowsAsync<AksEgressException>(() => f.GetSessionAsync(new KubeAccess { KubeConfigPath = TempFile(http) }, ctx))).ErrorId);
    }

    [Fact]
    public async Task Unreachable_server_and_wrong_ca_are_mapped()
    {
        await using var emu = await StartAsync();
        var engine = new AksEgressEngine();
        // a closed port
        var yaml = emu.GetKubeconfig("standard-lb");
        var server = emu.GetKubernetesEndpoint("standard-lb").ToString().TrimEnd('/');
        var closed = TempFile(yaml.Replace(server, "https://127.0.0.1:1"));
        var e1 = await Assert.ThrowsAsync<AksEgressException>(() => engine.RemoveEgressServiceAsync(new RemoveEgressServiceRequest { Kube = new() { KubeConfigPath = closed } }, new RecordingContext()));
        Assert.Equal(ErrorIds.EndpointUnreachable, e1.ErrorId);
        // a CA that did not sign the server certificate
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var req = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=other-ca", rsa, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        req.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
        using var other = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        var otherCa = Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(other.ExportCertificatePem()));
        var caLine = yaml.Split('\n').First(l => l.Contains("certificate-authority-data:"));
        var wrong = TempFile(yaml.Replace(caLine, "    certificate-authority-data: " + otherCa));
        var e2 = await Assert.ThrowsAsync<AksEgressException>(() => engine.RemoveEgressServiceAsync(new RemoveEgressServiceRequest { Kube = new() { KubeConfigPath = wrong } }, new RecordingContext()));
        Assert.Equal(ErrorIds.TlsValidationFailed, e2.ErrorId);
    }

    [Fact]
    public async Task Arm_kubeconfig_is_used_from_memory_and_cached()
    {
        await using var emu = await StartAsync();
        var info = Info(emu, "standard-lb");
        var arm = new FakeArm { Cluster = _ => info, Kubeconfig = (_, _) => emu.GetKubeconfig("standard-lb") };
        var f = new KubeClientFactory(arm);
        var access = new KubeAccess { Cluster = ClusterRef.FromId(info.ClusterId) };
        var s1 = await f.GetSessionAsync(access, new RecordingContext());
        var svcs = await s1.Client.CoreV1.ListNamespacedServiceAsync("default");
        Assert.NotNull(svcs);
        var s2 = await f.GetSessionAsync(access, new RecordingContext());
        Assert.Same(s1.Client, s2.Client);
        Assert.Equal(1, arm.KubeconfigCalls);
        Assert.Null(s1.KubeConfigPath);
        Assert.Equal("standard-lb", s1.ClusterInfo!.ClusterName);
    }

    [Fact]
    public async Task Entra_cluster_uses_the_aad_token_and_never_runs_kubelogin()
    {
        await using var emu = await StartAsync();
        var info = Info(emu, "aad");
        Assert.True(info.AadEnabled);
        var yaml = emu.GetKubeconfig("aad");
        var tokenLine = yaml.Split('\n').First(l => l.Trim().StartsWith("token:", StringComparison.Ordinal));
        var token = tokenLine.Trim()["token:".Length..].Trim();
        // what ARM returns for Entra clusters: an exec kubelogin user
        var exec = yaml.Replace(tokenLine, "    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: kubelogin\n      args:\n      - get-token\n      - --server-id\n      - 6dae42f8-4368-4678-94ff-3960e28e3630");
        var arm = new FakeArm { Cluster = _ => info, Kubeconfig = (_, _) => exec, AadToken = () => token };
        var engine = new KubeClientFactory(arm);
        var s = await engine.GetSessionAsync(new KubeAccess { Cluster = ClusterRef.FromId(info.ClusterId) }, new RecordingContext());
        await s.Client.CoreV1.ListNamespacedServiceAsync("default");
        await s.Client.CoreV1.ListNamespacedServiceAsync("default");
        Assert.Equal(1, arm.TokenCalls);   // cached until shortly before it expires

        // a kubeconfig file with an exec kubelogin user also gets the token, no kubelogin process
        var f2 = new KubeClientFactory(arm);
        var s2 = await f2.GetSessionAsync(new KubeAccess { KubeConfigPath = TempFile(exec) }, new RecordingContext());
        await s2.Client.CoreV1.ListNamespacedServiceAsync("default");
    }

    [Fact]
    public async Task Admin_credentials_are_refused_when_local_accounts_are_disabled()
    {
        await using var emu = await StartAsync();
        var info = Info(emu, "aad");
        var arm = new FakeArm { Cluster = _ => info, Kubeconfig = (_, _) => throw new InvalidOperationException("must not be called") };
        var e = await Assert.ThrowsAsync<AksEgressException>(() => new KubeClientFactory(arm).GetSessionAsync(new KubeAccess { Cluster = ClusterRef.FromId(info.ClusterId), Admin = true }, new RecordingContext()));
        Assert.Equal(ErrorIds.LocalAccountsDisabled, e.ErrorId);
    }

    [Fact]
    public async Task Kubeconfig_of_another_cluster_is_refused()
    {
        await using var emu = await StartAsync();
        var info = Info(emu, "standard-lb");
        var arm = new FakeArm { Cluster = _ => info, Kubeconfig = (_, _) => emu.GetKubeconfig("standard-lb") };
        var f = new KubeClientFactory(arm);
        // same server: accepted
        var ok = await f.GetSessionAsync(new KubeAccess { KubeConfigPath = emu.GetKubeconfigPath("standard-lb"), Cluster = ClusterRef.FromId(info.ClusterId) }, new RecordingContext());
        Assert.NotNull(ok.ClusterInfo);
        // a kubeconfig that points elsewhere
        var yaml = emu.GetKubeconfig("standard-lb").Replace(emu.GetKubernetesEndpoint("standard-lb").ToString().TrimEnd('/'), "https://otherprefix-12345678.hcp.eastus.azmk8s.io:443");
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.GetSessionAsync(new KubeAccess { KubeConfigPath = TempFile(yaml), Cluster = ClusterRef.FromId(info.ClusterId) }, new RecordingContext()));
        Assert.Equal(ErrorIds.KubeConfigClusterMismatch, e.ErrorId);
        Assert.Equal(EgressErrorCategory.InvalidArgument, e.Category);
    }

    [Fact]
    public async Task Unauthorized_is_mapped()
    {
        await using var emu = await StartAsync();
        var yaml = emu.GetKubeconfig("standard-lb");
        var tokenLine = yaml.Split('\n').First(l => l.Trim().StartsWith("token:", StringComparison.Ordinal));
        var bad = TempFile(yaml.Replace(tokenLine, "    token: not-a-valid-token"));
        var e = await Assert.ThrowsAsync<AksEgressException>(() => new AksEgressEngine().RemoveEgressServiceAsync(new RemoveEgressServiceRequest { Kube = new() { KubeConfigPath = bad } }, new RecordingContext()));
        Assert.Equal(ErrorIds.KubernetesUnauthorized, e.ErrorId);
        Assert.Equal(EgressErrorCategory.AuthenticationError, e.Category);
    }
}
