using AksEgress.Engine.Kubernetes;
using k8s.KubeConfigModels;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

/// <summary>
/// Reading an Entra kubeconfig without running anything: is the user kubelogin (or the legacy azure auth-provider), which
/// server application (--server-id / apiserver-id) its tokens are for, and is a server address the cluster's fqdn or privateFQDN.
/// </summary>
public class KubeloginServerIdTests
{
    private static User Exec(string command, params string?[] args) =>
        new() { Name = "u", UserCredentials = new UserCredentials { ExternalExecution = new ExternalExecution { ApiVersion = "client.authentication.k8s.io/v1beta1", Command = command, Arguments = args.ToList()! } } };

    private static User AuthProvider(string name, Dictionary<string, string>? config) =>
        new() { Name = "u", UserCredentials = new UserCredentials { AuthProvider = new AuthProvider { Name = name, Config = config! } } };

    [Theory]
    [InlineData("kubelogin")]
    [InlineData("/usr/local/bin/kubelogin")]
    [InlineData(@"C:\tools\kubelogin.exe")]
    [InlineData("KUBELOGIN.EXE")]
    [InlineData("  kubelogin  ")]
    public void Kubelogin_is_recognised_by_its_file_name_on_any_OS(string command) => Assert.True(KubeConfigResolver.IsKubelogin(command));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("kubelogin-wrapper")]
    [InlineData("/opt/kubelogin/bin/get-token")]
    [InlineData("kubectl")]
    [InlineData("kubelogin.sh")]
    public void Other_commands_are_not_kubelogin(string? command) => Assert.False(KubeConfigResolver.IsKubelogin(command));

    [Theory]
    [InlineData("app-1", "get-token", "--login", "azurecli", "--server-id", "app-1")]
    [InlineData("app-2", "get-token", "--server-id=app-2")]
    [InlineData("app-3", "get-token", " --server-id ", " 'app-3' ")]
    [InlineData("app-4", "get-token", "--server-id", "\"app-4\"", "--server-id", "later")]
    [InlineData("app-5", null, "--server-id", "app-5")]
    public void The_server_id_comes_from_kubelogin_s_arguments(string expected, params string?[] args) =>
        Assert.Equal(expected, KubeConfigResolver.ServerIdOf(Exec("kubelogin", args)));

    [Theory]
    [InlineData("get-token")]
    [InlineData("get-token", "--server-id")]
    [InlineData("get-token", "--server-id", "  ")]
    [InlineData("get-token", "--server-id=")]
    [InlineData("get-token", "--server-idx", "app")]
    [InlineData("get-token", "--SERVER-ID", "app")]
    public void Kubelogin_without_a_usable_server_id_names_none(params string[] args) =>
        Assert.Null(KubeConfigResolver.ServerIdOf(Exec("kubelogin", args)));

    [Fact]
    public void Only_kubelogin_arguments_name_a_server_id()
    {
        Assert.Null(KubeConfigResolver.ServerIdOf(Exec("my-plugin", "--server-id", "app")));
        Assert.Null(KubeConfigResolver.ServerIdOf(null));
        Assert.Null(KubeConfigResolver.ServerIdOf(new User { Name = "u", UserCredentials = new UserCredentials { Token = "t" } }));
    }

    [Fact]
    public void The_legacy_azure_auth_provider_names_its_apiserver_id()
    {
        Assert.Equal("legacy-app", KubeConfigResolver.ServerIdOf(AuthProvider("azure", new() { ["apiserver-id"] = "legacy-app", ["client-id"] = "c" })));
        Assert.Equal("legacy-app", KubeConfigResolver.ServerIdOf(AuthProvider("Azure", new() { ["apiserver-id"] = " legacy-app " })));
        Assert.Null(KubeConfigResolver.ServerIdOf(AuthProvider("azure", new() { ["apiserver-id"] = " " })));
        Assert.Null(KubeConfigResolver.ServerIdOf(AuthProvider("azure", new() { ["client-id"] = "c" })));
        Assert.Null(KubeConfigResolver.ServerIdOf(AuthProvider("azure", null)));
        Assert.Null(KubeConfigResolver.ServerIdOf(AuthProvider("oidc", new() { ["apiserver-id"] = "x" })));
    }

    [Fact]
    public void A_selection_is_Entra_for_kubelogin_or_the_azure_auth_provider_only()
    {
        static KubeConfigSelection With(User? user) => new(new K8SConfiguration(), "ctx", new Context { Name = "ctx" }, new Cluster { Name = "c", ClusterEndpoint = new ClusterEndpoint { Server = "https://x" } }, user);
        Assert.True(With(Exec("/usr/bin/kubelogin", "get-token", "--server-id", "app")).IsKubeloginExec);
        Assert.Equal("app", With(Exec("/usr/bin/kubelogin", "get-token", "--server-id", "app")).ServerId);
        Assert.True(With(AuthProvider("AZURE", null)).IsKubeloginExec);
        Assert.False(With(AuthProvider("gcp", null)).IsKubeloginExec);
        Assert.False(With(Exec("aws", "eks", "get-token")).IsKubeloginExec);
        Assert.False(With(null).IsKubeloginExec);
        Assert.Null(With(null).ServerId);
        Assert.Equal("https://x", With(null).Server);
    }

    [Theory]
    [InlineData("https://aks-dns-1.hcp.eastus.azmk8s.io:443", "aks-dns-1.hcp.eastus.azmk8s.io", null)]
    [InlineData("https://AKS-DNS-1.HCP.EASTUS.AZMK8S.IO", "aks-dns-1.hcp.eastus.azmk8s.io", null)]
    [InlineData("https://aks-dns-1.hcp.eastus.azmk8s.io.:443/", " aks-dns-1.hcp.eastus.azmk8s.io ", null)]
    [InlineData("https://aks-dns-1.hcp.eastus.azmk8s.io", "aks-dns-1.hcp.eastus.azmk8s.io.", null)]
    [InlineData("https://aks-1.privatelink.eastus.azmk8s.io:443", "aks-dns-1.hcp.eastus.azmk8s.io", "aks-1.privatelink.eastus.azmk8s.io")]
    [InlineData("https://aks-1.privatelink.eastus.azmk8s.io:443", null, "aks-1.privatelink.eastus.azmk8s.io")]
    public void A_server_at_the_cluster_s_fqdn_or_private_fqdn_serves_it(string server, string? fqdn, string? privateFqdn) =>
        Assert.True(KubeConfigResolver.ServesCluster(server, fqdn, privateFqdn));

    [Theory]
    [InlineData("https://10.0.0.4:443", "aks-dns-1.hcp.eastus.azmk8s.io", "aks-1.privatelink.eastus.azmk8s.io")]
    [InlineData("https://aks-dns-1.hcp.eastus.azmk8s.io.evil.example", "aks-dns-1.hcp.eastus.azmk8s.io", null)]
    [InlineData("https://aks-dns-1.hcp.eastus.azmk8s.io", null, null)]
    [InlineData("https://aks-dns-1.hcp.eastus.azmk8s.io", "", "  ")]
    [InlineData("aks-dns-1.hcp.eastus.azmk8s.io", "aks-dns-1.hcp.eastus.azmk8s.io", null)]
    public void Any_other_server_does_not(string server, string? fqdn, string? privateFqdn) =>
        Assert.False(KubeConfigResolver.ServesCluster(server, fqdn, privateFqdn));
}
