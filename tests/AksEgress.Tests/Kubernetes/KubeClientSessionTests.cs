using System.Net;
using AksEgress.Engine;
using AksEgress.Engine.Kubernetes;
using AksEgress.Models;
using k8s;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

/// <summary>
/// The session a Kubernetes cmdlet gets (<see cref="KubeClientFactory.GetSessionAsync"/>), in process: kubeconfig files in a
/// temporary folder, the ARM half faked, and a fake API server at the end of the client's handler chain. Which server, namespace
/// and credentials a session uses, which clients are shared, and when a kubeconfig is refused for the named cluster.
/// </summary>
public sealed class KubeClientSessionTests : IDisposable
{
    private const string ClusterId = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.ContainerService/managedClusters/aks-prod";
    private const string Fqdn = "aks-prod-dns-4f2a.hcp.westeurope.azmk8s.io";
    private const string PrivateFqdn = "aks-prod-9c1e.privatelink.westeurope.azmk8s.io";

    private readonly string _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "aksegress-session-" + Guid.NewGuid().ToString("N")[..12])).FullName;
    private readonly FakeKubeTransport _api = new(_ => FakeKubeTransport.Json(HttpStatusCode.OK, "{\"kind\":\"ServiceList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[]}"));

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
        _api.Dispose();
    }

    private KubeClientFactory Factory(FakeArm arm) => new(arm) { Transport = () => new PassOn(_api) };

    /// <summary>Every client gets its own handler in front of the one shared fake API server.</summary>
    private sealed class PassOn(FakeKubeTransport api) : DelegatingHandler
    {
        private readonly HttpMessageInvoker _api = new(api, disposeHandler: false);
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => _api.SendAsync(request, cancellationToken);
    }

    private static string Kubeconfig(string server, string user = "user: {token: token-of-jane}", string? ns = null, string? clusterExtra = null, string context = "aks-prod") =>
        $"""
        apiVersion: v1
        kind: Config
        current-context: {context}
        clusters:
        - name: aks-prod
          cluster:
            server: {server}
        {(clusterExtra is null ? "" : "    " + clusterExtra + "\n")}contexts:
        - name: {context}
          context:
            cluster: aks-prod
            user: jane
        {(ns is null ? "" : "    namespace: " + ns + "\n")}users:
        - name: jane
          {user}
        """;

    private static string Exec(params string[] args) =>
        "user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: kubelogin\n      args: [" + string.Join(", ", args) + "]";

    private string File(string content, string name = "config")
    {
        var p = Path.Combine(_dir, name);
        System.IO.File.WriteAllText(p, content);
        return p;
    }

    /// <summary>A self-signed CA certificate as kubeconfig certificate-authority-data (base64 of its PEM).</summary>
    internal static string CaData(string name)
    {
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        var req = new System.Security.Cryptography.X509Certificates.CertificateRequest($"CN={name}", rsa, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
        req.CertificateExtensions.Add(new System.Security.Cryptography.X509Certificates.X509BasicConstraintsExtension(true, false, 0, true));
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        return Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(cert.ExportCertificatePem()));
    }

    private static readonly string CaA = "certificate-authority-data: " + CaData("ca-a");
    private static readonly string CaB = "certificate-authority-data: " + CaData("ca-b");

    private static AksNodeResourceGroup Cluster(bool aad = false, bool localAccountsDisabled = false, string? fqdn = Fqdn, string? privateFqdn = null) => new()
    {
        SubscriptionId = "00000000-0000-0000-0000-000000000001", ResourceGroupName = "rg-app", ClusterName = "aks-prod", ClusterId = ClusterId,
        Fqdn = fqdn, PrivateFqdn = privateFqdn, AadEnabled = aad, LocalAccountsDisabled = localAccountsDisabled,
    };

    private async Task<(HttpMethod Method, Uri Uri, string? Authorization)> OneRequestAsync(KubeSession s)
    {
        _api.Requests.Clear();
        await s.Client.CoreV1.ListNamespacedServiceAsync("default");
        return Assert.Single(_api.Requests);
    }

    [Fact]
    public async Task A_kubeconfig_file_gives_its_server_namespace_and_context_and_sends_its_token()
    {
        var path = File(Kubeconfig($"https://{Fqdn}:443", ns: "team-a"));
        var s = await Factory(new FakeArm()).GetSessionAsync(new KubeAccess { KubeConfigPath = path }, new RecordingContext());
        Assert.Equal($"https://{Fqdn}:443", s.Server);
        Assert.Equal("team-a", s.DefaultNamespace);
        Assert.Equal(path, s.KubeConfigPath);
        Assert.Equal("aks-prod", s.KubeContext);
        Assert.Null(s.ClusterInfo);
        Assert.Equal("aks-prod", s.Describe());
        Assert.Equal("my label", s.Describe("my label"));
        var r = await OneRequestAsync(s);
        Assert.Equal($"https://{Fqdn}/api/v1/namespaces/default/services", r.Uri.GetLeftPart(UriPartial.Path));
        Assert.Equal("Bearer token-of-jane", r.Authorization);
    }

    [Fact]
    public async Task The_default_kubeconfig_file_is_named_on_the_session_and_its_context_namespace_is_used()
    {
        var path = File(Kubeconfig($"https://{Fqdn}:443", ns: "team-b"));
        var f = new KubeClientFactory(new FakeArm()) { DefaultKubeConfig = () => new KubeConfigResolver(path, ';', _dir), Transport = () => new PassOn(_api) };
        var s = await f.GetSessionAsync(new KubeAccess(), new RecordingContext());
        Assert.Equal(path, s.KubeConfigPath);
        Assert.Equal("aks-prod", s.KubeContext);
        Assert.Equal("team-b", s.DefaultNamespace);
        Assert.Equal("Bearer token-of-jane", (await OneRequestAsync(s)).Authorization);
        var named = await f.GetSessionAsync(new KubeAccess { KubeContext = "aks-prod" }, new RecordingContext());
        Assert.Equal("team-b", named.DefaultNamespace);
        Assert.Equal(path, named.KubeConfigPath);
    }

    [Fact]
    public async Task Clients_are_shared_per_server_certificate_authority_and_identity()
    {
        var f = Factory(new FakeArm());
        var ctx = new RecordingContext();
        var caA = CaA;
        var first = await f.GetSessionAsync(new KubeAccess { KubeConfigPath = File(Kubeconfig($"https://{Fqdn}:443", clusterExtra: caA), "a") }, ctx);
        // the same content in another file: the same client
        var copy = await f.GetSessionAsync(new KubeAccess { KubeConfigPath = File(Kubeconfig($"https://{Fqdn}:443", clusterExtra: caA), "b") }, ctx);
        Assert.Same(first.Client, copy.Client);
        var otherToken = await f.GetSessionAsync(new KubeAccess { KubeConfigPath = File(Kubeconfig($"https://{Fqdn}:443", user: "user: {token: token-of-joe}", clusterExtra: caA), "c") }, ctx);
        Assert.NotSame(first.Client, otherToken.Client);
        var otherCa = await f.GetSessionAsync(new KubeAccess { KubeConfigPath = File(Kubeconfig($"https://{Fqdn}:443", clusterExtra: CaB), "d") }, ctx);
        Assert.NotSame(first.Client, otherCa.Client);
        var noCa = await f.GetSessionAsync(new KubeAccess { KubeConfigPath = File(Kubeconfig($"https://{Fqdn}:443"), "e") }, ctx);
        Assert.NotSame(first.Client, noCa.Client);
        var otherServer = await f.GetSessionAsync(new KubeAccess { KubeConfigPath = File(Kubeconfig($"https://{PrivateFqdn}:443", clusterExtra: caA), "f") }, ctx);
        Assert.NotSame(first.Client, otherServer.Client);
    }

    [Fact]
    public async Task Entra_clients_are_shared_per_server_application_not_per_kubelogin_arguments()
    {
        var arm = new FakeArm { AadToken = () => "entra-token" };
        var f = Factory(arm);
        var ctx = new RecordingContext();
        var a = await f.GetSessionAsync(new KubeAccess { KubeConfigPath = File(Kubeconfig($"https://{Fqdn}:443", user: Exec("get-token", "--login", "azurecli", "--server-id", "app-1")), "a") }, ctx);
        var b = await f.GetSessionAsync(new KubeAccess { KubeConfigPath = File(Kubeconfig($"https://{Fqdn}:443", user: Exec("get-token", "--login", "devicecode", "--server-id", "app-1")), "b") }, ctx);
        Assert.Same(a.Client, b.Client);
        var c = await f.GetSessionAsync(new KubeAccess { KubeConfigPath = File(Kubeconfig($"https://{Fqdn}:443", user: Exec("get-token", "--server-id", "app-2")), "c") }, ctx);
        Assert.NotSame(a.Client, c.Client);
        // no --server-id: the AKS server application, the same as naming it
        var d = await f.GetSessionAsync(new KubeAccess { KubeConfigPath = File(Kubeconfig($"https://{Fqdn}:443", user: Exec("get-token")), "d") }, ctx);
        var e = await f.GetSessionAsync(new KubeAccess { KubeConfigPath = File(Kubeconfig($"https://{Fqdn}:443", user: Exec("get-token", "--server-id", KubeConfigResolver.AksServerApplicationId)), "e") }, ctx);
        Assert.Same(d.Client, e.Client);
        Assert.NotSame(a.Client, d.Client);
    }

    [Fact]
    public async Task A_kubelogin_kubeconfig_gets_the_token_from_the_connection_for_its_server_id_and_never_runs_kubelogin()
    {
        var arm = new FakeArm { AadToken = () => "entra-token-for-app" };
        var s = await Factory(arm).GetSessionAsync(new KubeAccess { KubeConfigPath = File(Kubeconfig($"https://{Fqdn}:443", user: Exec("get-token", "--server-id", "11111111-2222-3333-4444-555555555555"))) }, new RecordingContext());
        var r = await OneRequestAsync(s);
        Assert.Equal("Bearer entra-token-for-app", r.Authorization);
        Assert.Equal(new[] { "11111111-2222-3333-4444-555555555555" }, arm.TokenServerIds);
    }

    [Fact]
    public async Task Cluster_credentials_from_Azure_stay_in_memory_and_are_cached_per_cluster_and_role()
    {
        var calls = new List<(ClusterRef Cluster, bool Admin)>();
        var arm = new FakeArm
        {
            Cluster = _ => Cluster(),
            Kubeconfig = (c, admin) => { calls.Add((c, admin)); return Kubeconfig($"https://{Fqdn}:443", user: admin ? "user: {token: admin-token}" : "user: {token: user-token}", ns: "ignored"); },
        };
        var f = Factory(arm);
        var access = new KubeAccess { Cluster = ClusterRef.FromId(ClusterId) };
        var s1 = await f.GetSessionAsync(access, new RecordingContext());
        Assert.Equal($"https://{Fqdn}:443", s1.Server);
        Assert.Null(s1.KubeConfigPath);
        Assert.Null(s1.KubeContext);
        Assert.Null(s1.DefaultNamespace);
        Assert.Equal("aks-prod", s1.Describe());
        Assert.Equal("Bearer user-token", (await OneRequestAsync(s1)).Authorization);
        var fresher = Cluster(fqdn: "renamed.hcp.westeurope.azmk8s.io");
        var s2 = await f.GetSessionAsync(access with { ClusterInfo = fresher }, new RecordingContext());
        Assert.Same(s1.Client, s2.Client);
        Assert.Same(fresher, s2.ClusterInfo);
        Assert.Single(calls);
        var admin = await f.GetSessionAsync(access with { Admin = true }, new RecordingContext());
        Assert.NotSame(s1.Client, admin.Client);
        Assert.Equal("Bearer admin-token", (await OneRequestAsync(admin)).Authorization);
        Assert.Equal(new[] { false, true }, calls.Select(c => c.Admin));
        Assert.All(calls, c => Assert.Equal("aks-prod", c.Cluster.ClusterName));
    }

    [Fact]
    public async Task An_Entra_cluster_from_Azure_uses_the_connection_token_even_when_its_kubeconfig_has_a_token_user()
    {
        var arm = new FakeArm { Cluster = _ => Cluster(aad: true), Kubeconfig = (_, _) => Kubeconfig($"https://{Fqdn}:443", user: "user: {token: not-used}"), AadToken = () => "entra-token" };
        var s = await Factory(arm).GetSessionAsync(new KubeAccess { Cluster = ClusterRef.FromId(ClusterId) }, new RecordingContext());
        Assert.Equal("Bearer entra-token", (await OneRequestAsync(s)).Authorization);
        Assert.Equal(new string?[] { null }, arm.TokenServerIds);
    }

    [Fact]
    public async Task Admin_credentials_are_refused_before_any_request_when_local_accounts_are_disabled()
    {
        var arm = new FakeArm { Cluster = _ => Cluster(aad: true, localAccountsDisabled: true), Kubeconfig = (_, _) => Kubeconfig($"https://{Fqdn}:443"), AadToken = () => "t" };
        var f = Factory(arm);
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.GetSessionAsync(new KubeAccess { Cluster = ClusterRef.FromId(ClusterId), Admin = true }, new RecordingContext()));
        Assert.Equal((ErrorIds.LocalAccountsDisabled, EgressErrorCategory.InvalidOperation), (e.ErrorId, e.Category));
        Assert.Equal("The cluster aks-prod has local accounts disabled, so its admin credentials cannot be used.", e.Message);
        Assert.Equal(ClusterId, e.TargetObject);
        Assert.Contains("user credentials instead of its admin credentials", e.RecommendedAction);
        Assert.Equal(0, arm.KubeconfigCalls);
        // its user credentials are fine, and admin credentials of a cluster with local accounts are too
        await f.GetSessionAsync(new KubeAccess { Cluster = ClusterRef.FromId(ClusterId) }, new RecordingContext());
        var local = new FakeArm { Cluster = _ => Cluster(), Kubeconfig = (_, _) => Kubeconfig($"https://{Fqdn}:443") };
        await Factory(local).GetSessionAsync(new KubeAccess { Cluster = ClusterRef.FromId(ClusterId), Admin = true }, new RecordingContext());
        Assert.Equal(1, local.KubeconfigCalls);
    }

    [Theory]
    [InlineData("https://AKS-PROD-DNS-4F2A.hcp.westeurope.azmk8s.io:443", Fqdn, null)]
    [InlineData("https://aks-prod-dns-4f2a.hcp.westeurope.azmk8s.io.", Fqdn, null)]
    [InlineData("https://aks-prod-9c1e.privatelink.westeurope.azmk8s.io:443", Fqdn, PrivateFqdn)]
    [InlineData("https://aks-prod-9c1e.privatelink.westeurope.azmk8s.io:443", null, PrivateFqdn)]
    public async Task A_kubeconfig_of_the_named_cluster_by_fqdn_or_private_fqdn_is_accepted_without_asking_Azure(string server, string? fqdn, string? privateFqdn)
    {
        var arm = new FakeArm { Cluster = _ => throw new InvalidOperationException("not asked"), Kubeconfig = (_, _) => throw new InvalidOperationException("not asked") };
        var info = Cluster(fqdn: fqdn, privateFqdn: privateFqdn);
        var s = await Factory(arm).GetSessionAsync(new KubeAccess { KubeConfigPath = File(Kubeconfig(server)), ClusterInfo = info }, new RecordingContext());
        Assert.Same(info, s.ClusterInfo);
        Assert.Equal("aks-prod", s.Describe());
        Assert.Equal(0, arm.KubeconfigCalls);
    }

    [Fact]
    public async Task The_named_cluster_is_read_from_Azure_when_not_given()
    {
        var asked = new List<string>();
        var arm = new FakeArm { Cluster = c => { asked.Add(c.ClusterName); return Cluster(); } };
        var s = await Factory(arm).GetSessionAsync(new KubeAccess { KubeConfigPath = File(Kubeconfig($"https://{Fqdn}:443")), Cluster = ClusterRef.FromId(ClusterId) }, new RecordingContext());
        Assert.Equal(new[] { "aks-prod" }, asked);
        Assert.Equal(ClusterId, s.ClusterInfo!.ClusterId);
    }

    [Theory]
    [InlineData("https://10.1.0.4:443", "https://10.1.0.4:443/")]
    [InlineData("https://10.1.0.4:443/", "https://10.1.0.4:443")]
    [InlineData("https://API.contoso.internal", "https://api.contoso.internal")]
    [InlineData("https://api.contoso.internal:443", "https://api.contoso.internal")]
    public async Task A_kubeconfig_server_that_is_not_the_fqdn_is_accepted_when_Azure_s_own_kubeconfig_names_it(string server, string armServer)
    {
        var asked = new List<(ClusterRef Cluster, bool Admin)>();
        var arm = new FakeArm { Kubeconfig = (c, admin) => { asked.Add((c, admin)); return Kubeconfig(armServer); } };
        var s = await Factory(arm).GetSessionAsync(new KubeAccess { KubeConfigPath = File(Kubeconfig(server)), ClusterInfo = Cluster() }, new RecordingContext());
        Assert.Equal(server, s.Server);
        // the user credentials of the cluster the info names
        var (cluster, admin) = Assert.Single(asked);
        Assert.Equal(("rg-app", "aks-prod", false), (cluster.ResourceGroupName, cluster.ClusterName, admin));
    }

    [Fact]
    public async Task A_kubeconfig_of_another_cluster_is_refused_naming_both_servers()
    {
        var arm = new FakeArm { Kubeconfig = (_, _) => Kubeconfig($"https://{Fqdn}:443") };
        var path = File(Kubeconfig("https://aks-test-dns-0000.hcp.westeurope.azmk8s.io:443", context: "aks-test"));
        var e = await Assert.ThrowsAsync<AksEgressException>(() => Factory(arm).GetSessionAsync(new KubeAccess { KubeConfigPath = path, ClusterInfo = Cluster(fqdn: "x.example") }, new RecordingContext()));
        Assert.Equal((ErrorIds.KubeConfigClusterMismatch, EgressErrorCategory.InvalidArgument), (e.ErrorId, e.Category));
        Assert.Equal($"The kubeconfig context 'aks-test' points to the API server https://aks-test-dns-0000.hcp.westeurope.azmk8s.io:443, but the cluster aks-prod is served at https://{Fqdn}:443.", e.Message);
        Assert.Equal("https://aks-test-dns-0000.hcp.westeurope.azmk8s.io:443", e.TargetObject);
        Assert.Equal("Pass the kubeconfig context of this cluster (-KubeContext), or omit -KubeConfigPath to use the cluster's Azure credentials.", e.RecommendedAction);
    }

    [Fact]
    public async Task When_Azure_cannot_be_asked_the_refusal_names_the_cluster_s_dns_names_and_why()
    {
        var arm = new FakeArm
        {
            Kubeconfig = (_, _) => throw new AksEgressException(ErrorIds.AuthorizationFailed, EgressErrorCategory.PermissionDenied,
                "The client does not have authorization to perform action 'listClusterUserCredential'.\nSecond line.", ClusterId, "Ask for a role."),
        };
        var path = File(Kubeconfig("https://aks-test-dns-0000.hcp.westeurope.azmk8s.io:443", context: "aks-test"));
        var e = await Assert.ThrowsAsync<AksEgressException>(() => Factory(arm).GetSessionAsync(new KubeAccess { KubeConfigPath = path, ClusterInfo = Cluster(fqdn: Fqdn, privateFqdn: PrivateFqdn) }, new RecordingContext()));
        Assert.Equal(ErrorIds.KubeConfigClusterMismatch, e.ErrorId);
        Assert.EndsWith($"is served at {Fqdn} or {PrivateFqdn} (its Azure credentials could not be read to compare: The client does not have authorization to perform action 'listClusterUserCredential'.).", e.Message);
        var none = await Assert.ThrowsAsync<AksEgressException>(() => Factory(arm).GetSessionAsync(new KubeAccess { KubeConfigPath = path, ClusterInfo = Cluster(fqdn: null, privateFqdn: "") }, new RecordingContext()));
        Assert.Contains("is served at (unknown) (its Azure credentials", none.Message);
        var same = await Assert.ThrowsAsync<AksEgressException>(() => Factory(arm).GetSessionAsync(new KubeAccess { KubeConfigPath = path, ClusterInfo = Cluster(fqdn: Fqdn, privateFqdn: Fqdn.ToUpperInvariant()) }, new RecordingContext()));
        Assert.Contains($"is served at {Fqdn} (its Azure credentials", same.Message);
    }

    [Fact]
    public async Task Without_an_ARM_side_to_compare_with_the_kubeconfig_is_trusted()
    {
        var arm = new FakeArm { Kubeconfig = (_, _) => throw new NotImplementedException() };
        var s = await Factory(arm).GetSessionAsync(new KubeAccess { KubeConfigPath = File(Kubeconfig("https://10.1.0.4:443")), ClusterInfo = Cluster() }, new RecordingContext());
        Assert.Equal("https://10.1.0.4:443", s.Server);
    }
}
