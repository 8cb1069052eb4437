using AksEgress.Engine;
using AksEgress.Engine.Kubernetes;
using AksEgress.Models;
using k8s;
using k8s.KubeConfigModels;
using Xunit;
using static AksEgress.Tests.KubeTestSupport;

namespace AksEgress.Tests.Kubernetes;

/// <summary>
/// Entra ID clusters: the token audience comes from the kubeconfig's kubelogin --server-id (legacy Entra integration clusters
/// have their own server application), and a kubeconfig is this cluster's when its server is the cluster's fqdn or privateFQDN.
/// </summary>
public class EntraServerIdTests : IDisposable
{
    private const string LegacyServerApp = "3c1f6a7e-55b2-4d0e-9d43-0a1b2c3d4e5f";
    private readonly string _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "aksegress-entra-" + Guid.NewGuid().ToString("N")[..12])).FullName;

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

    private static User Exec(string command, params string[] args) =>
        new() { Name = "u", UserCredentials = new UserCredentials { ExternalExecution = new ExternalExecution { Command = command, Arguments = args.ToList() } } };

    [Theory]
    [InlineData("get-token|--environment|AzurePublicCloud|--server-id|" + LegacyServerApp + "|--login|devicecode")]
    [InlineData("get-token|--server-id=" + LegacyServerApp + "|--login|azurecli")]
    [InlineData("get-token|--login|spn|--server-id| " + LegacyServerApp + " ")]
    public void Server_id_comes_from_kubelogin_arguments(string joined)
    {
        var args = joined.Split('|');
        Assert.Equal(LegacyServerApp, KubeConfigResolver.ServerIdOf(Exec("kubelogin", args)));
        Assert.Equal(LegacyServerApp, KubeConfigResolver.ServerIdOf(Exec("/usr/local/bin/kubelogin", args)));
        Assert.Equal(LegacyServerApp, KubeConfigResolver.ServerIdOf(Exec(@"C:\tools\kubelogin.exe", args)));
    }

    [Fact]
    public void No_server_id_without_a_kubelogin_flag_that_names_one()
    {
        Assert.Null(KubeConfigResolver.ServerIdOf(null));
        Assert.Null(KubeConfigResolver.ServerIdOf(Exec("kubelogin", "get-token", "--login", "azurecli")));
        Assert.Null(KubeConfigResolver.ServerIdOf(Exec("kubelogin", "get-token", "--server-id")));           // flag without a value
        Assert.Null(KubeConfigResolver.ServerIdOf(Exec("kubelogin", "get-token", "--server-id=")));
        Assert.Null(KubeConfigResolver.ServerIdOf(Exec("aws", "eks", "get-token", "--server-id", LegacyServerApp)));   // not kubelogin
        Assert.Null(KubeConfigResolver.ServerIdOf(new User { Name = "u", UserCredentials = new UserCredentials { Token = "t" } }));
    }

    [Fact]
    public void Legacy_azure_auth_provider_names_its_server_in_apiserver_id()
    {
        var user = new User
        {
            Name = "u",
            UserCredentials = new UserCredentials
            {
                AuthProvider = new AuthProvider { Name = "azure", Config = new Dictionary<string, string> { ["apiserver-id"] = LegacyServerApp, ["client-id"] = "80faf920-1908-4b52-b5ef-a8e7bedfc67a", ["tenant-id"] = "t" } },
            },
        };
        Assert.Equal(LegacyServerApp, KubeConfigResolver.ServerIdOf(user));
    }

    [Theory]
    [InlineData("https://aks-dns-1a2b3c4d.hcp.eastus.azmk8s.io:443", true)]
    [InlineData("https://AKS-DNS-1A2B3C4D.HCP.EASTUS.AZMK8S.IO:443", true)]
    [InlineData("https://aks-dns-9f8e7d6c.0123abcd.privatelink.eastus.azmk8s.io:443", true)]
    [InlineData("https://Aks-Dns-9F8E7D6C.0123ABCD.PrivateLink.EastUS.azmk8s.io", true)]
    [InlineData("https://other-dns-1a2b3c4d.hcp.eastus.azmk8s.io:443", false)]
    [InlineData("https://127.0.0.1:6443", false)]
    [InlineData("not a url", false)]
    public void Server_matches_fqdn_or_private_fqdn_case_insensitively(string server, bool expected) =>
        Assert.Equal(expected, KubeConfigResolver.ServesCluster(server, "aks-dns-1a2b3c4d.hcp.eastus.azmk8s.io", "aks-dns-9f8e7d6c.0123abcd.privatelink.eastus.azmk8s.io"));

    [Fact]
    public void No_names_match_nothing() => Assert.False(KubeConfigResolver.ServesCluster("https://x.example:443", null, " "));

    [Fact]
    public async Task Kubeconfig_token_is_asked_for_the_kubelogin_server_id()
    {
        await using var emu = await StartAsync();
        var info = Info(emu, "aad");
        var yaml = emu.GetKubeconfig("aad");
        var tokenLine = yaml.Split('\n').First(l => l.Trim().StartsWith("token:", StringComparison.Ordinal));
        var exec = yaml.Replace(tokenLine, $"    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: kubelogin\n      args:\n      - get-token\n      - --server-id={LegacyServerApp}");
        var token = tokenLine.Trim()["token:".Length..].Trim();
        var arm = new FakeArm { Cluster = _ => info, Kubeconfig = (_, _) => exec, AadToken = () => token };
        var s = await new KubeClientFactory(arm).GetSessionAsync(new KubeAccess { KubeConfigPath = TempFile(exec) }, new RecordingContext());
        await s.Client.CoreV1.ListNamespacedServiceAsync("default");
        Assert.Equal(new string?[] { LegacyServerApp }, arm.TokenServerIds.ToArray());
    }

    [Fact]
    public async Task Private_cluster_kubeconfig_on_the_private_fqdn_is_this_clusters()
    {
        await using var emu = await StartAsync();
        var privateFqdn = emu.World.MakePrivateCluster("standard-lb");
        var info = Info(emu, "standard-lb");
        Assert.Equal(privateFqdn, info.PrivateFqdn);
        Assert.NotEqual(privateFqdn, info.Fqdn);
        // The user can read the cluster but not list its credentials: the kubeconfig cannot be compared with ARM's, only by name.
        var arm = new FakeArm
        {
            Cluster = _ => info,
            Kubeconfig = (_, _) => throw new AksEgressException(ErrorIds.AuthorizationFailed, EgressErrorCategory.PermissionDenied, "no listClusterUserCredential/action", "x", "x"),
        };
        var yaml = emu.GetKubeconfig("standard-lb").Replace(emu.GetKubernetesEndpoint("standard-lb").ToString().TrimEnd('/'), "https://" + privateFqdn.ToUpperInvariant() + ":443");
        var s = await new KubeClientFactory(arm).GetSessionAsync(new KubeAccess { KubeConfigPath = TempFile(yaml), Cluster = ClusterRef.FromId(info.ClusterId) }, new RecordingContext());
        Assert.Equal("standard-lb", s.ClusterInfo!.ClusterName);
        Assert.Equal(0, arm.KubeconfigCalls);

        // another cluster's private name is still refused
        var other = yaml.Replace(privateFqdn.ToUpperInvariant(), "other-" + privateFqdn);
        var e = await Assert.ThrowsAsync<AksEgressException>(() => new KubeClientFactory(arm).GetSessionAsync(new KubeAccess { KubeConfigPath = TempFile(other), Cluster = ClusterRef.FromId(info.ClusterId) }, new RecordingContext()));
        Assert.Equal(ErrorIds.KubeConfigClusterMismatch, e.ErrorId);
        Assert.Contains(privateFqdn, e.Message, StringComparison.Ordinal);
    }
}
