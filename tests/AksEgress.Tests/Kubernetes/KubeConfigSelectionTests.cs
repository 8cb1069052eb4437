using System.Security.Cryptography.X509Certificates;
using System.Text;
using AksEgress.Engine;
using AksEgress.Engine.Kubernetes;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

/// <summary>
/// Which context, cluster and user of a kubeconfig are used, the errors (with the contexts to choose from) when that cannot be
/// decided, and how the client connects: the server and certificate authority of the kubeconfig, TLS validation never skipped.
/// </summary>
public sealed class KubeConfigSelectionTests : IDisposable
{
    private const string Server = "https://aks-prod-dns-4f2a.hcp.westeurope.azmk8s.io:443";
    private readonly string _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "aksegress-selection-" + Guid.NewGuid().ToString("N")[..12])).FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Config(string? current, string contexts, string clusters = $"- name: c\n  cluster:\n    server: {Server}\n", string users = "- name: u\n  user:\n    token: t\n") =>
        "apiVersion: v1\nkind: Config\n" + (current is null ? "" : $"current-context: {current}\n") + "clusters:\n" + clusters + "contexts:\n" + contexts + "users:\n" + users;

    private const string TwoContexts = "- name: blue\n  context: {cluster: c, user: u}\n- name: green\n  context: {cluster: c, user: u}\n";

    private static AksEgressException Fails(string yaml, string? context = null) =>
        Assert.Throws<AksEgressException>(() => KubeClientFactory.LoadYaml(yaml, context, "cluster aks-prod"));

    [Fact]
    public void Without_current_context_several_contexts_are_listed_to_choose_from()
    {
        var e = Fails(Config(null, TwoContexts));
        Assert.Equal((ErrorIds.KubeContextNotFound, EgressErrorCategory.ObjectNotFound), (e.ErrorId, e.Category));
        Assert.Equal("The kubeconfig 'cluster aks-prod' has no current-context; contexts: blue, green.", e.Message);
        Assert.Equal("cluster aks-prod", e.TargetObject);
        Assert.Equal("Pass -KubeContext with one of the listed contexts.", e.RecommendedAction);
        Assert.Equal("green", KubeClientFactory.LoadYaml(Config(null, TwoContexts), "green", "x").ContextName);
    }

    [Fact]
    public void Without_current_context_the_only_context_is_used()
    {
        var sel = KubeClientFactory.LoadYaml(Config(null, "- name: only\n  context: {cluster: c, user: u}\n"), null, "x");
        Assert.Equal("only", sel.ContextName);
        Assert.Equal(Server, sel.Server);
        Assert.Equal("x", sel.Source);
        Assert.Null(sel.SingleFile);
    }

    [Fact]
    public void The_named_context_wins_over_current_context()
    {
        Assert.Equal("green", KubeClientFactory.LoadYaml(Config("blue", TwoContexts), "green", "x").ContextName);
        Assert.Equal("blue", KubeClientFactory.LoadYaml(Config("blue", TwoContexts), "", "x").ContextName);
    }

    [Fact]
    public void An_unknown_context_lists_the_contexts_there_are()
    {
        var e = Fails(Config("blue", TwoContexts), "red");
        Assert.Equal((ErrorIds.KubeContextNotFound, EgressErrorCategory.ObjectNotFound), (e.ErrorId, e.Category));
        Assert.Equal("The context 'red' is not in the kubeconfig 'cluster aks-prod'. Contexts: blue, green.", e.Message);
        Assert.Equal("red", e.TargetObject);
        Assert.Contains("kubectl config get-contexts", e.RecommendedAction);
        Assert.EndsWith("Contexts: (none).", Fails(Config("red", " []\n")).Message);
    }

    [Fact]
    public void A_context_whose_cluster_is_missing_is_invalid()
    {
        var e = Fails(Config("blue", "- name: blue\n  context: {cluster: gone, user: u}\n"));
        Assert.Equal((ErrorIds.KubeConfigInvalid, EgressErrorCategory.InvalidData), (e.ErrorId, e.Category));
        Assert.Equal("The context 'blue' of the kubeconfig 'cluster aks-prod' refers to the cluster 'gone', which is missing or has no server address.", e.Message);
        Assert.Equal("cluster aks-prod", e.TargetObject);
        Assert.Equal("Check the kubeconfig (kubectl config view) or get a new one with az aks get-credentials.", e.RecommendedAction);
    }

    [Fact]
    public void A_context_whose_user_is_missing_is_invalid_and_one_without_a_user_is_not()
    {
        var e = Fails(Config("blue", "- name: blue\n  context: {cluster: c, user: nobody}\n"));
        Assert.Equal(ErrorIds.KubeConfigInvalid, e.ErrorId);
        Assert.Equal("The context 'blue' of the kubeconfig 'cluster aks-prod' refers to the user 'nobody', which is missing.", e.Message);
        var noUser = KubeClientFactory.LoadYaml(Config("blue", "- name: blue\n  context: {cluster: c}\n"), null, "x");
        Assert.Null(noUser.User);
        Assert.False(noUser.IsKubeloginExec);
        var user = KubeClientFactory.LoadYaml(Config("blue", "- name: blue\n  context: {cluster: c, user: u}\n", users: "- name: v\n  user: {token: v}\n- name: u\n  user: {token: mine}\n"), null, "x");
        Assert.Equal("u", user.User!.Name);
        Assert.Equal("mine", user.User.UserCredentials.Token);
    }

    [Fact]
    public void Plain_http_and_skipped_tls_are_refused()
    {
        var http = Fails(Config("blue", TwoContexts, clusters: "- name: c\n  cluster:\n    server: http://10.0.0.1:8080\n"));
        Assert.Equal(ErrorIds.KubeConfigInvalid, http.ErrorId);
        Assert.Equal("The cluster 'c' of the kubeconfig 'cluster aks-prod' has the server address 'http://10.0.0.1:8080'; AksEgress only talks to https:// API servers.", http.Message);
        var insecure = Fails(Config("blue", TwoContexts, clusters: $"- name: c\n  cluster:\n    server: {Server}\n    insecure-skip-tls-verify: true\n"));
        Assert.Equal((ErrorIds.KubeConfigInvalid, EgressErrorCategory.InvalidData), (insecure.ErrorId, insecure.Category));
        Assert.Equal("cluster aks-prod", insecure.TargetObject);
        Assert.Contains("certificate-authority-data", insecure.RecommendedAction);
    }

    [Fact]
    public void A_kubeconfig_from_Azure_that_cannot_be_parsed_names_its_cluster()
    {
        var e = Fails("clusters: [this is: not, a kubeconfig");
        Assert.Equal((ErrorIds.KubeConfigInvalid, EgressErrorCategory.InvalidData), (e.ErrorId, e.Category));
        Assert.StartsWith("The kubeconfig of cluster aks-prod could not be parsed: ", e.Message);
        Assert.Equal("cluster aks-prod", e.TargetObject);
        Assert.NotNull(e.InnerException);
    }

    [Fact]
    public void A_missing_kubeconfig_file_is_named_with_what_to_do()
    {
        var path = Path.Combine(_dir, "no such config");
        var e = Assert.Throws<AksEgressException>(() => KubeClientFactory.LoadFile(path, null));
        Assert.Equal((ErrorIds.KubeConfigNotFound, EgressErrorCategory.ObjectNotFound), (e.ErrorId, e.Category));
        Assert.Equal($"The kubeconfig file '{path}' does not exist.", e.Message);
        Assert.Equal(path, e.TargetObject);
        Assert.Contains("Import-AzAksCredential", e.RecommendedAction);
        var bad = Path.Combine(_dir, "bad config");
        File.WriteAllText(bad, "clusters: [this is: not, a kubeconfig");
        var p = Assert.Throws<AksEgressException>(() => KubeClientFactory.LoadFile(bad, null));
        Assert.Equal(ErrorIds.KubeConfigInvalid, p.ErrorId);
        Assert.StartsWith($"The kubeconfig file '{bad}' could not be parsed: ", p.Message);
        Assert.Equal(bad, p.TargetObject);
    }

    [Fact]
    public void An_empty_kubeconfig_is_invalid_and_says_so()
    {
        var path = Path.Combine(_dir, "empty config");
        File.WriteAllText(path, "");
        var e = Assert.Throws<AksEgressException>(() => KubeClientFactory.LoadFile(path, null));
        Assert.Equal((ErrorIds.KubeConfigInvalid, EgressErrorCategory.InvalidData), (e.ErrorId, e.Category));
        Assert.Equal($"The kubeconfig file '{path}' is empty.", e.Message);
        Assert.Equal("The kubeconfig of cluster aks-prod is empty.", Fails("").Message);
    }

    [Fact]
    public void The_client_trusts_the_kubeconfig_certificate_authority_and_never_skips_tls()
    {
        var caData = KubeClientSessionTests.CaData("aks-prod-ca");
        var expected = X509Certificate2.CreateFromPem(Encoding.ASCII.GetString(Convert.FromBase64String(caData)));
        var yaml = Config("blue", TwoContexts, clusters: $"- name: c\n  cluster:\n    server: {Server}\n    certificate-authority-data: {caData}\n    tls-server-name: aks-prod.internal\n");
        var f = new KubeClientFactory(new FakeArm());
        foreach (var aad in new[] { true, false })
        {
            var cfg = f.ClientConfiguration(KubeClientFactory.LoadYaml(yaml, null, "x"), aad);
            Assert.Equal(Server, cfg.Host);
            Assert.False(cfg.SkipTlsVerify);
            Assert.Equal(expected.Thumbprint, Assert.Single(cfg.SslCaCerts).Thumbprint);
            Assert.Equal("aks-prod.internal", cfg.TlsServerName);
            if (aad) Assert.IsType<AadTokenProvider>(cfg.TokenProvider);
            else Assert.Equal("t", cfg.AccessToken);
        }
    }

    [Fact]
    public void An_Entra_client_reads_a_certificate_authority_file_next_to_the_kubeconfig_or_by_absolute_path()
    {
        var pem = Encoding.ASCII.GetString(Convert.FromBase64String(KubeClientSessionTests.CaData("file-ca")));
        var expected = X509Certificate2.CreateFromPem(pem).Thumbprint;
        Directory.CreateDirectory(Path.Combine(_dir, "certs"));
        File.WriteAllText(Path.Combine(_dir, "certs", "ca.pem"), pem);
        var f = new KubeClientFactory(new FakeArm());
        foreach (var reference in new[] { "certs/ca.pem", Path.Combine(_dir, "certs", "ca.pem") })
        {
            var path = Path.Combine(_dir, "config");
            File.WriteAllText(path, Config("blue", TwoContexts, clusters: $"- name: c\n  cluster:\n    server: {Server}\n    certificate-authority: {reference}\n"));
            var cfg = f.ClientConfiguration(KubeClientFactory.LoadFile(path, null), useAad: true);
            Assert.Equal(expected, Assert.Single(cfg.SslCaCerts).Thumbprint);
        }
        // no certificate authority at all: the system trust store (as kubectl), still validated
        var none = f.ClientConfiguration(KubeClientFactory.LoadYaml(Config("blue", TwoContexts), null, "x"), useAad: true);
        Assert.Null(none.SslCaCerts);
        Assert.False(none.SkipTlsVerify);
    }

    [Theory]
    [InlineData("certificate-authority-data: not-base64!")]
    [InlineData("certificate-authority-data: bm8gY2VydGlmaWNhdGUgaGVyZQ==")]
    [InlineData("certificate-authority: missing-ca.pem")]
    public void An_Entra_client_with_an_unusable_certificate_authority_is_refused(string ca)
    {
        var path = Path.Combine(_dir, "config");
        File.WriteAllText(path, Config("blue", TwoContexts, clusters: $"- name: c\n  cluster:\n    server: {Server}\n    {ca}\n"));
        var f = new KubeClientFactory(new FakeArm());
        var e = Assert.Throws<AksEgressException>(() => f.ClientConfiguration(KubeClientFactory.LoadFile(path, null), useAad: true));
        Assert.Equal((ErrorIds.KubeConfigInvalid, EgressErrorCategory.InvalidData), (e.ErrorId, e.Category));
        Assert.StartsWith("The certificate authority of the kubeconfig cluster 'c' is not valid PEM: ", e.Message);
        Assert.Equal(path, e.TargetObject);
        // in memory (an Azure kubeconfig): named by its context
        if (ca.Contains("-data", StringComparison.Ordinal))
            Assert.Equal("blue", Assert.Throws<AksEgressException>(() => f.ClientConfiguration(KubeClientFactory.LoadYaml(File.ReadAllText(path), null, "x"), useAad: true)).TargetObject);
    }

    [Fact]
    public void A_context_the_Kubernetes_client_cannot_use_is_invalid_naming_the_file()
    {
        var path = Path.Combine(_dir, "config");
        File.WriteAllText(path, Config("blue", TwoContexts, users: "- name: u\n  user:\n    exec:\n      command: my-credential-plugin\n"));
        var e = Assert.Throws<AksEgressException>(() => new KubeClientFactory(new FakeArm()).ClientConfiguration(KubeClientFactory.LoadFile(path, null), useAad: false));
        Assert.Equal((ErrorIds.KubeConfigInvalid, EgressErrorCategory.InvalidData), (e.ErrorId, e.Category));
        Assert.StartsWith("The kubeconfig context 'blue' cannot be used: ", e.Message);
        Assert.Equal(path, e.TargetObject);
    }
}
