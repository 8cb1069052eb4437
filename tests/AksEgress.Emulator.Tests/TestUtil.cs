using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;

namespace AksEgress.Emulator.Tests;

internal static class TestUtil
{
    public static EmulatorOptions Fast(int lroPolls = 1) => new()
    {
        LoadBalancerDelayMilliseconds = 20,
        PodStartDelayMilliseconds = 20,
        LroInProgressPolls = lroPolls,
    };

    /// <summary>Chain validation against the emulator CA only (custom root trust); never "return true".</summary>
    public static bool ValidateAgainst(X509Certificate2 ca, X509Certificate2? cert, SslPolicyErrors errors)
    {
        if (cert is null) return false;
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(cert);
    }

    public static HttpClientHandler Handler(AksEmulator emu)
    {
        var ca = X509Certificate2.CreateFromPem(emu.CaCertificatePem);
        return new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, cert, _, errors) => ValidateAgainst(ca, cert, errors) };
    }

    public static HttpClient Arm(AksEmulator emu, string? token = null)
    {
        var http = new HttpClient(Handler(emu)) { BaseAddress = emu.ArmEndpoint, Timeout = TimeSpan.FromSeconds(20) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token ?? emu.AccessToken);
        return http;
    }

    public static string ClusterPath(AksEmulator emu, string name, string rg = "demo-rg") =>
        $"subscriptions/{emu.SubscriptionId}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{name}";

    public static string PipPath(AksEmulator emu, string rg, string name) =>
        $"subscriptions/{emu.SubscriptionId}/resourceGroups/{rg}/providers/Microsoft.Network/publicIPAddresses/{name}";

    public static async Task<(int Status, JsonNode? Body, HttpResponseMessage Resp)> Send(HttpClient http, HttpMethod method, string path, JsonNode? body = null)
    {
        using var req = new HttpRequestMessage(method, path);
        if (body is not null) req.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        var resp = await http.SendAsync(req);
        var text = await resp.Content.ReadAsStringAsync();
        JsonNode? node = null;
        if (text.Length > 0) { try { node = JsonNode.Parse(text); } catch { node = JsonValue.Create(text); } }
        return ((int)resp.StatusCode, node, resp);
    }

    /// <summary>Drives an LRO to completion by polling the Azure-AsyncOperation URL.</summary>
    public static async Task<string> CompleteLro(HttpClient http, HttpResponseMessage resp, int maxPolls = 20)
    {
        var url = resp.Headers.GetValues("Azure-AsyncOperation").Single();
        for (var i = 0; i < maxPolls; i++)
        {
            var (_, body, _) = await Send(http, HttpMethod.Get, url);
            var st = body!["status"]!.GetValue<string>();
            if (st is "Succeeded" or "Failed" or "Canceled") return st;
        }
        return "InProgress";
    }

    public static Kubernetes Kube(AksEmulator emu, string cluster)
    {
        using var ms = new MemoryStream(Encoding.UTF8.GetBytes(emu.GetKubeconfig(cluster)));
        var cfg = KubernetesClientConfiguration.BuildConfigFromConfigFile(ms);
        return new Kubernetes(cfg);
    }

    public static async Task<T> Eventually<T>(Func<Task<T?>> probe, TimeSpan? timeout = null, string what = "condition") where T : class
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < until)
        {
            var v = await probe();
            if (v is not null) return v;
            await Task.Delay(25);
        }
        throw new TimeoutException("timed out waiting for " + what);
    }

    /// <summary>Runs a process without blocking a thread-pool thread (the emulator serves from the same pool).</summary>
    public static Task<(int Code, string Out, string Err)> Run(string file, params string[] args) => Run(TimeSpan.FromSeconds(45), file, args);

    /// <summary><see cref="Run(string, string[])"/> with a caller-chosen limit (the process is killed and TimeoutException thrown after it).</summary>
    public static async Task<(int Code, string Out, string Err)> Run(TimeSpan limit, string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(limit);
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(); throw new TimeoutException($"{file} {string.Join(' ', args)} timed out; stderr: {await e}"); }
        return (p.ExitCode, await o, await e);
    }

    private static readonly System.Text.Json.JsonSerializerOptions Relaxed = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    /// <summary>Compact JSON text with the same (relaxed) escaping the wire uses.</summary>
    public static string Str(JsonNode? n) => n!.ToJsonString(Relaxed);
}
