using AksEgress.Engine;
using AksEgress.Engine.Kubernetes;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

/// <summary>
/// kubectl's rules for the default kubeconfig, as the module applies them: the process's KUBECONFIG list (else ~/.kube/config),
/// current-context from the first file that sets one, the first file wins for each context, cluster and user name, file
/// references kept pointing where they did, and messages that name where the kubeconfig came from.
/// </summary>
[Collection("process-environment")]
public sealed class KubeConfigMergeRuleTests : IDisposable
{
    private readonly string _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "aksegress-merge-" + Guid.NewGuid().ToString("N")[..12])).FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string content)
    {
        var p = Path.Combine(_dir, name);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, content);
        return p;
    }

    private static string Config(string? current, string cluster, string server, string context, string user, string token, string userExtra = "") =>
        "apiVersion: v1\nkind: Config\n" + (current is null ? "" : $"current-context: {current}\n") +
        $"clusters:\n- name: {cluster}\n  cluster:\n    server: {server}\n" +
        $"contexts:\n- name: {context}\n  context: {{cluster: {cluster}, user: {user}}}\n" +
        $"users:\n- name: {user}\n  user:\n    token: {token}\n{userExtra}";

    [Fact]
    public void The_process_KUBECONFIG_is_read_at_each_call()
    {
        var a = Path.Combine(_dir, "a");
        var b = Path.Combine(_dir, "b");
        using (new EnvironmentOverride(("KUBECONFIG", a + Path.PathSeparator + b)))
        {
            var r = KubeConfigResolver.ForProcess();
            Assert.True(r.FromVariable);
            Assert.Equal(new[] { a, b }, r.Files);
            Assert.Equal($"KUBECONFIG ({a}, {b})", r.Describe());
        }
        using (new EnvironmentOverride(("KUBECONFIG", null)))
        {
            var r = KubeConfigResolver.ForProcess();
            Assert.False(r.FromVariable);
            var expected = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");
            Assert.Equal(expected, Assert.Single(r.Files));
            Assert.Equal(expected, r.Describe());
        }
    }

    [Fact]
    public void A_kubeconfig_path_with_a_tilde_is_in_the_user_profile()
    {
        var r = new KubeConfigResolver("~/a:~:~\\b:x~/c", ':', "/home/jane doe");
        Assert.Equal(new[] { Path.Join("/home/jane doe", "a"), "/home/jane doe", Path.Join("/home/jane doe", "b"), "x~/c" }, r.Files);
        Assert.Equal("~other/x", r.ExpandHome("~other/x"));
    }

    [Fact]
    public void Current_context_comes_from_the_first_file_that_sets_one_and_the_first_file_wins_for_each_name()
    {
        var first = Write("first", Config("ctx-first", "shared", "https://first.example", "ctx-first", "shared-user", "first-token"));
        var second = Write("second", Config("ctx-second", "shared", "https://second.example", "ctx-second", "shared-user", "second-token"));
        var r = new KubeConfigResolver(first + ";" + second, ';', _dir);
        var merged = r.LoadMerged()!;
        Assert.Equal("ctx-first", merged.CurrentContext);
        Assert.Equal(("v1", "Config"), (merged.ApiVersion, merged.Kind));
        Assert.Equal(first, merged.FileName);
        // each name once, from the first file that has it
        Assert.Equal("https://first.example", Assert.Single(merged.Clusters).ClusterEndpoint.Server);
        Assert.Equal("first-token", Assert.Single(merged.Users).UserCredentials.Token);
        Assert.Equal(new[] { "ctx-first", "ctx-second" }, merged.Contexts.Select(c => c.Name));
        // the second file's context uses the first file's cluster and user of the same names
        var sel = KubeClientFactory.LoadDefault(r, "ctx-second");
        Assert.Equal("https://first.example", sel.Server);
        Assert.Equal("first-token", sel.User!.UserCredentials.Token);
        Assert.Equal($"KUBECONFIG ({first}, {second})", sel.Source);
    }

    [Fact]
    public void Entries_without_a_name_are_skipped()
    {
        var nameless = Write("nameless", "apiVersion: v1\nkind: Config\nclusters:\n- cluster:\n    server: https://nameless.example\ncontexts:\n- context: {cluster: x, user: y}\nusers:\n- user:\n    token: nameless\n");
        var named = Write("named", Config("ctx", "c", "https://named.example", "ctx", "u", "named-token"));
        var merged = new KubeConfigResolver(nameless + ";" + named, ';', _dir).LoadMerged()!;
        Assert.Equal(new[] { "c" }, merged.Clusters.Select(c => c.Name));
        Assert.Equal(new[] { "u" }, merged.Users.Select(u => u.Name));
        Assert.Equal(new[] { "ctx" }, merged.Contexts.Select(c => c.Name));
    }

    [Fact]
    public void Relative_client_certificate_and_key_are_made_absolute_against_their_file()
    {
        var first = Write("first", Config(null, "c0", "https://zero.example", "ctx0", "u0", "t0"));
        var withCert = Write(Path.Combine("team", "certs config"), Config("ctx", "c", "https://c.example", "ctx", "u", "t", "    client-certificate: client.crt\n    client-key: keys/client.key\n"));
        var merged = new KubeConfigResolver(first + ";" + withCert, ';', _dir).LoadMerged()!;
        var u = merged.Users.Single(x => x.Name == "u").UserCredentials;
        Assert.Equal(Path.Combine(_dir, "team", "client.crt"), u.ClientCertificate);
        Assert.Equal(Path.Combine(_dir, "team", "keys", "client.key"), u.ClientKey);
    }

    [Fact]
    public void A_listed_file_that_cannot_be_parsed_is_named()
    {
        var good = Write("good", Config("ctx", "c", "https://c.example", "ctx", "u", "t"));
        var bad = Write("bad config", "clusters: [this is: not, a kubeconfig");
        var e = Assert.Throws<AksEgressException>(() => new KubeConfigResolver(good + ";" + bad, ';', _dir).LoadMerged());
        Assert.Equal((ErrorIds.KubeConfigInvalid, EgressErrorCategory.InvalidData), (e.ErrorId, e.Category));
        Assert.StartsWith($"The kubeconfig file '{bad}' could not be parsed: ", e.Message);
        Assert.Equal(bad, e.TargetObject);
        Assert.Equal("Check the kubeconfig (kubectl config view) or get a new one with az aks get-credentials.", e.RecommendedAction);
    }

    [Fact]
    public void One_existing_file_is_the_session_s_file_and_the_source_of_its_messages()
    {
        var only = Write("only", Config("ctx", "c", "https://c.example", "ctx", "u", "t"));
        var sel = KubeClientFactory.LoadDefault(new KubeConfigResolver(only + ";" + Path.Combine(_dir, "missing"), ';', _dir), null);
        Assert.Equal(only, sel.SingleFile);
        Assert.Equal(only, sel.Source);
        var e = Assert.Throws<AksEgressException>(() => KubeClientFactory.LoadDefault(new KubeConfigResolver(only, ';', _dir), "nope"));
        Assert.Contains($"is not in the kubeconfig '{only}'", e.Message);
    }

    [Fact]
    public void No_default_kubeconfig_says_which_file_or_list_is_missing_and_what_to_do()
    {
        var a = Path.Combine(_dir, "a");
        var e = Assert.Throws<AksEgressException>(() => KubeClientFactory.LoadDefault(new KubeConfigResolver(a, ';', _dir), null));
        Assert.Equal((ErrorIds.KubeConfigNotFound, EgressErrorCategory.ObjectNotFound), (e.ErrorId, e.Category));
        Assert.Equal($"None of the kubeconfig files listed in KUBECONFIG exists: {a}.", e.Message);
        Assert.Equal($"KUBECONFIG ({a})", e.TargetObject);
        Assert.Equal("Pass -KubeConfigPath with an existing file, or get one with Import-AzAksCredential / az aks get-credentials, or name the cluster with -ClusterId to use its Azure credentials.", e.RecommendedAction);
        var home = Path.Combine(_dir, "home");
        var d = Assert.Throws<AksEgressException>(() => KubeClientFactory.LoadDefault(new KubeConfigResolver(null, ';', home), null));
        Assert.Equal($"The kubeconfig file '{Path.Combine(home, ".kube", "config")}' does not exist.", d.Message);
        Assert.Equal(Path.Combine(home, ".kube", "config"), d.TargetObject);
    }
}
