using System.Net;
using AksEgress.Engine;
using AksEgress.Engine.Kubernetes;
using k8s;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

/// <summary>
/// What -Debug shows of Kubernetes traffic: one line per request and per response or failure, with method, URL, status and
/// headers, and never a credential (the Authorization header is masked, a token in an error message is redacted).
/// </summary>
public sealed class KubeDebugTraceTests : IDisposable
{
    private const string Token = "kube-secret-token-8f3e2a";
    private readonly string _dir = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "aksegress-debug-" + Guid.NewGuid().ToString("N")[..12])).FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private async Task<KubeSession> SessionAsync(Func<HttpRequestMessage, HttpResponseMessage> respond)
    {
        var path = Path.Combine(_dir, "config");
        File.WriteAllText(path, $"apiVersion: v1\nkind: Config\ncurrent-context: c\nclusters:\n- name: c\n  cluster:\n    server: https://aks-dns.hcp.eastus.azmk8s.io:443\ncontexts:\n- name: c\n  context: {{cluster: c, user: u}}\nusers:\n- name: u\n  user:\n    token: {Token}\n");
        var f = new KubeClientFactory(new FakeArm()) { Transport = () => new FakeKubeTransport(respond) };
        return await f.GetSessionAsync(new KubeAccess { KubeConfigPath = path }, new RecordingContext());
    }

    private static HttpResponseMessage ServiceList(HttpRequestMessage _)
    {
        var r = FakeKubeTransport.Json(HttpStatusCode.OK, "{\"kind\":\"ServiceList\",\"apiVersion\":\"v1\",\"metadata\":{},\"items\":[]}");
        r.Headers.Add("Audit-Id", "5b0a-audit");
        return r;
    }

    [Fact]
    public async Task A_request_and_its_response_are_traced_with_the_Authorization_header_masked()
    {
        var s = await SessionAsync(ServiceList);
        var ctx = new RecordingContext();
        await Operation.RunAsync(ctx, async () => await s.Client.CoreV1.ListNamespacedServiceAsync("default"));
        var lines = ctx.Debug.ToList();
        Assert.Equal(2, lines.Count);
        Assert.StartsWith("Kubernetes request: GET https://aks-dns.hcp.eastus.azmk8s.io/api/v1/namespaces/default/services", lines[0]);
        Assert.Contains(" | Authorization: " + Redaction.Mask, lines[0]);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(lines[1], @"^Kubernetes response: 200 OK for GET https://aks-dns\.hcp\.eastus\.azmk8s\.io/api/v1/namespaces/default/services\?watch=false \(\d+ ms\) \| Audit-Id: 5b0a-audit$"), lines[1]);
        Assert.DoesNotContain(lines, l => l.Contains(Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Other_headers_are_shown_as_sent()
    {
        var s = await SessionAsync(ServiceList);
        var ctx = new RecordingContext();
        await Operation.RunAsync(ctx, async () => await s.Client.CoreV1.ListNamespacedServiceWithHttpMessagesAsync("default", customHeaders: new Dictionary<string, IReadOnlyList<string>> { ["X-Trace"] = new[] { "a", "b" } }));
        Assert.Contains(" | X-Trace: a, b", ctx.Debug.First());
    }

    [Fact]
    public async Task A_failed_request_is_traced_with_the_error_redacted()
    {
        var s = await SessionAsync(_ => throw new HttpRequestException($"proxy refused Bearer {Token}"));
        var ctx = new RecordingContext();
        await Assert.ThrowsAsync<HttpRequestException>(() => Operation.RunAsync(ctx, async () => await s.Client.CoreV1.ListNamespacedServiceAsync("default")));
        var lines = ctx.Debug.ToList();
        Assert.Equal(2, lines.Count);
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(lines[1], @"^Kubernetes request failed: GET https://aks-dns\.hcp\.eastus\.azmk8s\.io/api/v1/namespaces/default/services\?watch=false \(\d+ ms\): HttpRequestException: proxy refused Bearer \*\*\*REDACTED\*\*\*$"), lines[1]);
        Assert.DoesNotContain(lines, l => l.Contains(Token, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Without_an_operation_nothing_is_traced_and_the_request_still_works()
    {
        var s = await SessionAsync(ServiceList);
        var list = await Task.Run(() => s.Client.CoreV1.ListNamespacedServiceAsync("default"));
        Assert.Empty(list.Items);
    }
}
