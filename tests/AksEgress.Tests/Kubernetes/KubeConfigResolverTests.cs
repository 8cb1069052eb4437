using System.Globalization;
using AksEgress.Engine;
using AksEgress.Engine.Kubernetes;
using AksEgress.Tests.Arm;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

/// <summary>The one kubeconfig resolver: KUBECONFIG split with the platform's separator and merged as kubectl does, else ~/.kube/config.</summary>
public class KubeConfigResolverTests : IDisposable
{
    // A directory with spaces, as under C:\Users\Jane Doe\ or "/home/me/my kube".
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "aksegress kubeconfig " + Guid.NewGuid().ToString("N")[..8], "dev cluster");

    public KubeConfigResolverTests() => Directory.CreateDirectory(_dir);

    public void Dispose()
    {
        try { Directory.Delete(Path.GetDirectoryName(_dir)!, recursive: true); } catch (IOException) { }
        GC.SuppressFinalize(this);
    }

    private static string Config(string? currentContext, params (string Context, string Cluster, string Server, string User)[] entries)
    {
        var w = new System.Text.StringBuilder("apiVersion: v1\nkind: Config\n");
        if (currentContext is not null) w.Append(CultureInfo.InvariantCulture, $"current-context: {currentContext}\n");
        w.Append("clusters:\n");
        foreach (var e in entries) w.Append(CultureInfo.InvariantCulture, $"- name: {e.Cluster}\n  cluster:\n    server: {e.Server}\n");
        w.Append("contexts:\n");
        foreach (var e in entries) w.Append(CultureInfo.InvariantCulture, $"- name: {e.Context}\n  context: {{cluster: {e.Cluster}, user: {e.User}}}\n");
        w.Append("users:\n");
        foreach (var e in entries) w.Append(CultureInfo.InvariantCulture, $"- name: {e.User}\n  user:\n    token: token-of-{e.User}\n");
        return w.ToString();
    }

    private string Write(string name, string content)
    {
        var p = Path.Combine(_dir, name);
        File.WriteAllText(p, content);
        return p;
    }

    /// <summary>Two files: the first has no current-context and defines 'shared'; the second sets current-context and redefines 'shared'.</summary>
    private (string First, string Second) TwoFiles()
    {
        var first = Write("team config", Config(null, ("shared", "c-shared", "https://first.example", "u-first"), ("first-only", "c-first", "https://first-only.example", "u-first")));
        var second = Write("my config.yaml", Config("second-only",
            ("shared", "c-shared", "https://second.example", "u-first"), ("second-only", "c-second", "https://second-only.example", "u-second")));
        return (first, second);
    }

    [Fact]
    public void Windows_KUBECONFIG_splits_on_semicolon_keeps_drive_letters_and_spaces()
    {
        var r = new KubeConfigResolver(@"C:\Users\Jane Doe\.kube\config;D:\kube\dev cluster.yaml; ;C:\Users\Jane Doe\.kube\config", ';', @"C:\Users\Jane Doe");
        Assert.Equal(new[] { @"C:\Users\Jane Doe\.kube\config", @"D:\kube\dev cluster.yaml" }, r.Files);
        Assert.True(r.FromVariable);
    }

    [Fact]
    public void Unix_KUBECONFIG_splits_on_colon()
    {
        var r = new KubeConfigResolver("/home/jane/.kube/config:/srv/my kube/dev config", ':', "/home/jane");
        Assert.Equal(new[] { "/home/jane/.kube/config", "/srv/my kube/dev config" }, r.Files);
    }

    [Fact]
    public void Without_KUBECONFIG_the_user_profile_kube_config_is_the_only_file()
    {
        var profile = Path.Combine(_dir, "Jane Doe");
        var r = new KubeConfigResolver(null, Path.PathSeparator, profile);
        Assert.False(r.FromVariable);
        Assert.Equal(new[] { Path.Combine(profile, ".kube", "config") }, r.Files);
        Assert.Equal(Path.Combine(profile, ".kube", "config"), new KubeConfigResolver("  ", ';', profile).Files.Single());
        Assert.Equal(Path.Join(profile, "kube/x"), r.ExpandHome("~/kube/x"));
        Assert.Equal(Path.Join(profile, @"kube\x"), r.ExpandHome(@"~\kube\x"));
    }

    [Theory]
    [InlineData(';')]
    [InlineData(':')]
    public void Files_are_merged_as_kubectl_does_with_either_separator(char separator)
    {
        var (first, second) = TwoFiles();
        var missing = Path.Combine(_dir, "not there");
        var r = new KubeConfigResolver(string.Join(separator, first, missing, second), separator, _dir);
        // current-context from the first file that sets one (the second); the first file wins for 'shared'.
        var current = KubeClientFactory.LoadDefault(r, null);
        Assert.Equal("second-only", current.ContextName);
        Assert.Equal("https://second-only.example", current.Server);
        Assert.Null(current.SingleFile);
        Assert.Contains("KUBECONFIG", current.Source);
        var shared = KubeClientFactory.LoadDefault(r, "shared");
        Assert.Equal("https://first.example", shared.Server);
        Assert.Equal("https://first-only.example", KubeClientFactory.LoadDefault(r, "first-only").Server);
        Assert.Equal(new[] { "shared", "first-only", "second-only" }, r.LoadMerged()!.Contexts.Select(c => c.Name));
    }

    [Fact]
    public void Relative_certificate_authority_is_resolved_against_the_file_that_holds_it()
    {
        var (first, _) = TwoFiles();
        var sub = Path.Combine(_dir, "other dir");
        Directory.CreateDirectory(sub);
        var withCa = Path.Combine(sub, "ca config");
        File.WriteAllText(withCa, Config(null, ("ca-ctx", "c-ca", "https://ca.example", "u-ca")).Replace("    server: https://ca.example\n", "    server: https://ca.example\n    certificate-authority: my ca.pem\n"));
        var merged = new KubeConfigResolver(first + ";" + withCa, ';', _dir).LoadMerged()!;
        Assert.Equal(Path.Combine(sub, "my ca.pem"), merged.Clusters.Single(c => c.Name == "c-ca").ClusterEndpoint.CertificateAuthority);
    }

    [Fact]
    public void None_of_the_listed_files_exists_is_KubeConfigNotFound_naming_them()
    {
        var a = Path.Combine(_dir, "a config");
        var b = Path.Combine(_dir, "b config");
        var e = Assert.Throws<AksEgressException>(() => KubeClientFactory.LoadDefault(new KubeConfigResolver(a + ";" + b, ';', _dir), null));
        Assert.Equal(ErrorIds.KubeConfigNotFound, e.ErrorId);
        Assert.Contains(a, e.Message);
        Assert.Contains(b, e.Message);
        var profile = Path.Combine(_dir, "nobody");
        var e2 = Assert.Throws<AksEgressException>(() => KubeClientFactory.LoadDefault(new KubeConfigResolver(null, ';', profile), null));
        Assert.Contains(Path.Combine(profile, ".kube", "config"), e2.Message);
    }

    [Fact]
    public async Task Clients_use_the_merged_default_for_a_context_without_a_path_and_do_not_pin_one_file()
    {
        var (first, second) = TwoFiles();
        var r = new KubeConfigResolver(first + ";" + second, ';', _dir);
        var f = new KubeClientFactory(new FakeArm()) { DefaultKubeConfig = () => r };
        var ctx = new RecordingContext();
        var s = await f.GetSessionAsync(new AksEgress.Contract.KubeAccess { KubeContext = "second-only" }, ctx);
        Assert.Equal("https://second-only.example", s.Server);
        Assert.Equal("second-only", s.KubeContext);
        // Several files: no single path is handed down the pipeline (the next cmdlet resolves the same merge).
        Assert.Null(s.KubeConfigPath);
        var d = await f.GetSessionAsync(new AksEgress.Contract.KubeAccess(), ctx);
        Assert.Equal("https://second-only.example", d.Server);
    }
}
