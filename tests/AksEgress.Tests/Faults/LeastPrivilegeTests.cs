using System.Text.RegularExpressions;
using AksEgress.Emulator;
using AksEgress.Engine;
using Xunit;
using static AksEgress.Tests.KubeTestSupport;

namespace AksEgress.Tests.Faults;

/// <summary>The Role shipped in docs/least-privilege.md, enforced by the emulator, is enough, and every verb in it is needed.</summary>
public class LeastPrivilegeTests
{
    internal static string DocumentedRoleYaml()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "docs", "least-privilege.md"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var md = File.ReadAllText(Path.Combine(dir!.FullName, "docs", "least-privilege.md"));
        return Regex.Match(md, "```yaml\n(?<y>.*?)```", RegexOptions.Singleline).Groups["y"].Value;
    }

    private static KubeAccess Limited(string kubeconfig, AksEmulator emu, string cluster) =>
        new() { KubeConfigPath = kubeconfig, ClusterInfo = Info(emu, cluster) };

    [Fact]
    public void Documented_role_parses_to_the_expected_rules()
    {
        var rules = RbacEnforcer.ParseRoles(DocumentedRoleYaml());
        string Verbs(string res, string? ns) => string.Join(",", rules.Where(r => r.Resources.Contains(res) && r.Namespace == ns).SelectMany(r => r.Verbs).OrderBy(v => v));
        Assert.Equal("create,delete,get,list,patch,watch", Verbs("services", "default"));
        Assert.Equal("create,delete,get,list,watch", Verbs("pods", "default"));
        Assert.Equal("get", Verbs("pods/log", "default"));
        Assert.Equal("list,watch", Verbs("events", "default"));
        Assert.Equal("list", Verbs("nodes", null));
        Assert.DoesNotContain(rules, r => r.Verbs.Contains("*") || r.Resources.Contains("*") || r.Resources.Contains("secrets"));
    }

    [Fact]
    public async Task Cmdlets_run_under_the_documented_role()
    {
        await using var emu = await StartAsync();
        var path = emu.Rbac.ApplyYaml("legacy-basic", DocumentedRoleYaml());
        var engine = await EngineAsync(emu);
        var ip = emu.World.AddPublicIp(emu.World.GetNodeResourceGroup("legacy-basic")!, "egress-ip");
        var access = Limited(path, emu, "legacy-basic");
        var svc = await engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = access, TimeoutSeconds = 30 }, new RecordingContext());
        Assert.NotNull(svc);
        Assert.Equal(ip, svc.IngressIpAddress);
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = access, ExpectedIpAddress = new[] { ip }, AllNodes = true }, new RecordingContext());
        Assert.True(r.Succeeded, r.Explanation);
        AssertNoTestPods(emu, "legacy-basic");
        Assert.DoesNotContain(emu.Requests.Entries, e => e.Target == "k8s:legacy-basic" && e.Status == 403);
    }

    [Theory]
    [InlineData("services", "create", "set")]
    [InlineData("services", "get", "set")]
    [InlineData("services", "watch", "set")]
    [InlineData("pods", "create", "test")]
    [InlineData("pods", "watch", "test")]
    [InlineData("pods/log", "get", "test")]
    [InlineData("nodes", "list", "test")]
    public async Task Removing_one_verb_is_forbidden_naming_that_verb_and_resource(string resource, string verb, string cmdlet)
    {
        await using var emu = await StartAsync(lbDelay: 400);   // the Service must not show its IP before the wait starts
        var rules = RbacEnforcer.ParseRoles(DocumentedRoleYaml())
            .Select(r => r.Resources.Contains(resource) ? r with { Verbs = r.Verbs.Where(v => v != verb).ToArray() } : r).ToArray();
        var path = emu.Rbac.Apply("legacy-basic", rules);
        var engine = await EngineAsync(emu);
        var ip = emu.World.AddPublicIp(emu.World.GetNodeResourceGroup("legacy-basic")!, "egress-ip");
        var access = Limited(path, emu, "legacy-basic");
        var e = await Assert.ThrowsAsync<AksEgressException>(async () =>
        {
            if (cmdlet == "set") await engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = access, TimeoutSeconds = 30 }, new RecordingContext());
            else await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = access, AllNodes = resource == "nodes" }, new RecordingContext());
        });
        Assert.Equal(ErrorIds.KubernetesForbidden, e.ErrorId);
        Assert.Equal(EgressErrorCategory.PermissionDenied, e.Category);
        Assert.Contains($"cannot {verb} resource \"{resource}\"", e.Message);
        Assert.Contains(RbacEnforcer.UserName("legacy-basic"), e.Message);
        Assert.Contains($"kubectl auth can-i {verb} {resource}", e.RecommendedAction);
        AssertNoTestPods(emu, "legacy-basic");
    }

    [Fact]
    public async Task Forbidden_status_has_the_apiserver_shape()
    {
        await using var emu = await StartAsync();
        emu.Rbac.Apply("natgw", new[] { new RbacRule(new[] { "pods" }, new[] { "get" }, "default") });
        var token = File.ReadAllLines(Path.Combine(emu.StateDir, "natgw-limited.kubeconfig")).Select(l => l.Trim()).First(l => l.StartsWith("token:", StringComparison.Ordinal))[6..].Trim();
        var policy = new System.Security.Cryptography.X509Certificates.X509ChainPolicy
        {
            TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust,
            RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.Add(emu.CaCertificate);
        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = { CertificateChainPolicy = policy } });
        http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        var server = emu.GetKubernetesEndpoint("natgw");
        var create = await http.PostAsync(new Uri(server, "api/v1/namespaces/default/services"), new StringContent("{}"));
        Assert.Equal(403, (int)create.StatusCode);
        var body = System.Text.Json.Nodes.JsonNode.Parse(await create.Content.ReadAsStringAsync())!;
        Assert.Equal("Forbidden", (string?)body["reason"]);
        Assert.Equal(403, (int?)body["code"]);
        Assert.Equal($"services is forbidden: User \"{RbacEnforcer.UserName("natgw")}\" cannot create resource \"services\" in API group \"\" in the namespace \"default\"", (string?)body["message"]);
        var nodes = await http.GetAsync(new Uri(server, "api/v1/nodes"));
        Assert.EndsWith("cannot list resource \"nodes\" in API group \"\" at the cluster scope", (string?)System.Text.Json.Nodes.JsonNode.Parse(await nodes.Content.ReadAsStringAsync())!["message"]);
        var get = await http.GetAsync(new Uri(server, "api/v1/namespaces/kube-system/pods/x"));
        Assert.StartsWith("pods \"x\" is forbidden: User", (string?)System.Text.Json.Nodes.JsonNode.Parse(await get.Content.ReadAsStringAsync())!["message"]);
        Assert.Equal(404, (int)(await http.GetAsync(new Uri(server, "api/v1/namespaces/default/pods/x"))).StatusCode);
        Assert.Equal(200, (int)(await http.GetAsync(new Uri(server, "version"))).StatusCode);
        emu.Rbac.Clear();
        Assert.Equal(401, (int)(await http.GetAsync(new Uri(server, "api/v1/namespaces/default/pods/x"))).StatusCode);
    }
}
