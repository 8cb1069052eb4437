using System.Text.Json.Nodes;
using AksEgress.Engine;
using AksEgress.Engine.Arm;
using AksEgress.Engine.EgressTest;
using AksEgress.Engine.Kubernetes;
using AksEgress.Models;
using Xunit;
using static AksEgress.Tests.KubeTestSupport;

namespace AksEgress.Tests.Kubernetes;

/// <summary>
/// HTTP proxy clusters (httpProxyConfig): AKS injects HTTP(S)_PROXY/NO_PROXY into pods. By default the test pod bypasses the
/// proxy and tests the cluster's own egress; -ViaProxy tests the proxy path, and then a different address is the proxy's, not drift.
/// </summary>
public class HttpProxyClusterTests
{
    [Theory]
    [InlineData("https://api.ipify.org", "http://proxy.contoso.example:3128")]
    [InlineData("http://checkip.dyndns.org", "http://plain.contoso.example:8080")]
    [InlineData("https://ifconfig.me/ip", "http://proxy.contoso.example:3128")]
    [InlineData("https://api.contoso.example/ip", null)]          // NO_PROXY .contoso.example
    [InlineData("https://contoso.example/ip", null)]              // the domain itself
    [InlineData("https://localhost/ip", null)]
    public void Proxy_follows_scheme_and_no_proxy(string url, string? expected) =>
        Assert.Equal(expected, HttpProxyPath.ProxyFor(new Uri(url), "http://plain.contoso.example:8080/", "http://proxy.contoso.example:3128/", new[] { "localhost", "127.0.0.1", ".contoso.example" }));

    [Fact]
    public void No_proxy_star_and_missing_scheme_proxy_mean_direct()
    {
        Assert.Null(HttpProxyPath.ProxyFor(new Uri("https://api.ipify.org"), "http://p:1", "http://p:1", new[] { "*" }));
        Assert.Null(HttpProxyPath.ProxyFor(new Uri("https://api.ipify.org"), "http://p:1", null, null));
    }

    [Fact]
    public void Proxy_credentials_are_never_shown() =>
        Assert.Equal("http://proxy.contoso.example:3128", HttpProxyPath.WithoutCredentials("http://jane:S3cret!@proxy.contoso.example:3128"));

    [Fact]
    public void The_spec_example_of_an_http_proxy_cluster_is_read()
    {
        var example = Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "contracts", "azure", "specification", "containerservice", "resource-manager",
            "Microsoft.ContainerService", "aks", "stable", "2025-10-01", "examples", "ManagedClustersCreate_HTTPProxy.json");
        var body = JsonNode.Parse(File.ReadAllText(example))!["responses"]!["200"]!["body"]!.AsObject();
        body["id"] ??= "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/clustername1";
        var info = ManagedClusterModel.Parse(body).Info;
        Assert.Equal("http://myproxy.server.com:8080", info.HttpProxy);
        Assert.Equal("https://myproxy.server.com:8080", info.HttpsProxy);
        Assert.Equal(new[] { "localhost", "127.0.0.1" }, info.NoProxy);
    }

    [Fact]
    public void Disabled_proxy_config_is_no_proxy()
    {
        var body = JsonNode.Parse("""{"id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c","name":"c","location":"eastus","properties":{"httpProxyConfig":{"enabled":false,"httpsProxy":"http://p:3128"}}}""")!.AsObject();
        Assert.Null(ManagedClusterModel.Parse(body).Info.HttpsProxy);
    }

    [Fact]
    public void The_pod_bypasses_the_injected_proxy_unless_asked_to_use_it()
    {
        Assert.Equal(new[] { "curl", "-sS", "--max-time", "10", "--noproxy", "*", "https://api.ipify.org" }, EgressPodBuilder.Command("https://api.ipify.org", bypassProxy: true));
        Assert.DoesNotContain("--noproxy", EgressPodBuilder.Command("https://api.ipify.org", bypassProxy: false));
    }

    [Fact]
    public async Task Default_tests_the_clusters_own_egress_and_names_the_bypassed_proxy()
    {
        await using var emu = await StartAsync();
        var proxyAddress = emu.World.SetHttpProxy("standard-lb");
        var egress = emu.World.GetExpectedEgressAddresses("standard-lb").ToArray();
        var access = new KubeAccess { KubeConfigPath = emu.GetKubeconfigPath("standard-lb"), ClusterInfo = Info(emu, "standard-lb") };
        var r = await (await EngineAsync(emu)).TestEgressIpAsync(new TestEgressIpRequest { Kube = access, ExpectedIpAddress = egress }, new RecordingContext());
        Assert.True(r.Succeeded, r.Explanation);
        Assert.Equal(EgressPath.Direct, r.Path);
        Assert.Equal("http://proxy.contoso.example:3128", r.Proxy);
        Assert.Contains(r.ObservedIpAddress, egress);
        Assert.NotEqual(proxyAddress, r.ObservedIpAddress);
        AssertNoTestPods(emu, "standard-lb");
    }

    [Fact]
    public async Task Via_proxy_reports_the_proxys_address_and_says_the_proxy_decides_not_drift()
    {
        await using var emu = await StartAsync();
        var proxyAddress = emu.World.SetHttpProxy("standard-lb");
        var egress = emu.World.GetExpectedEgressAddresses("standard-lb").ToArray();
        var engine = await EngineAsync(emu);
        var access = new KubeAccess { KubeConfigPath = emu.GetKubeconfigPath("standard-lb"), ClusterInfo = Info(emu, "standard-lb") };
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = access, ExpectedIpAddress = egress, ViaProxy = true }, new RecordingContext());
        Assert.Equal(EgressPath.Proxy, r.Path);
        Assert.Equal(proxyAddress, r.ObservedIpAddress);
        Assert.False(r.Succeeded);
        Assert.Contains("HTTP proxy http://proxy.contoso.example:3128", r.Explanation, StringComparison.Ordinal);
        Assert.Contains("the proxy decides", r.Explanation, StringComparison.Ordinal);
        Assert.DoesNotContain("outbound rule", r.Explanation, StringComparison.Ordinal);

        // the proxy's own address, expected, is proven
        var ok = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = access, ExpectedIpAddress = new[] { proxyAddress }, ViaProxy = true }, new RecordingContext());
        Assert.True(ok.Succeeded, ok.Explanation);
        AssertNoTestPods(emu, "standard-lb");
    }

    [Fact]
    public async Task Check_host_in_no_proxy_goes_direct_even_via_proxy()
    {
        await using var emu = await StartAsync();
        emu.World.SetHttpProxy("standard-lb", noProxy: new[] { "api.ipify.org" });
        var egress = emu.World.GetExpectedEgressAddresses("standard-lb").ToArray();
        var access = new KubeAccess { KubeConfigPath = emu.GetKubeconfigPath("standard-lb"), ClusterInfo = Info(emu, "standard-lb") };
        var r = await (await EngineAsync(emu)).TestEgressIpAsync(new TestEgressIpRequest { Kube = access, ExpectedIpAddress = egress, ViaProxy = true }, new RecordingContext());
        Assert.True(r.Succeeded, r.Explanation);
        Assert.Equal(EgressPath.Direct, r.Path);
        Assert.Null(r.Proxy);
    }
}
