using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using Xunit;
using static AksEgress.Emulator.Tests.TestUtil;

namespace AksEgress.Emulator.Tests;

public class KubectlTests
{
    private static Task<(int Code, string Out, string Err)> Kubectl(string kubeconfig, string cacheDir, params string[] args) =>
        Run("/usr/bin/kubectl", new[] { "--kubeconfig", kubeconfig, "--cache-dir", cacheDir, "--request-timeout", "20s" }.Concat(args).ToArray());

    [Fact]
    public async Task Kubectl_get_apply_run_logs_delete()
    {
        if (!File.Exists("/usr/bin/kubectl")) return;
        await using var emu = await AksEmulator.StartAsync(Fast());
        var kc = emu.GetKubeconfigPath("legacy-basic");
        var cache = TempDir();

        var r = await Kubectl(kc, cache, "get", "svc", "-o", "json");
        Assert.True(r.Code == 0, r.Err);
        Assert.Empty(JsonNode.Parse(r.Out)!["items"]!.AsArray());

        var yaml = Path.Combine(TempDir(), "svc.yaml");
        await File.WriteAllTextAsync(yaml, "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: LoadBalancer\n  selector:\n    app: web\n  ports:\n  - port: 80\n    targetPort: 8080\n");
        r = await Kubectl(kc, cache, "apply", "-f", yaml, "--validate=false");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("service/web created", r.Out.Trim());
        await File.WriteAllTextAsync(yaml, (await File.ReadAllTextAsync(yaml)).Replace("targetPort: 8080", "targetPort: 8081"));
        r = await Kubectl(kc, cache, "apply", "-f", yaml, "--validate=false");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("service/web configured", r.Out.Trim());
        Assert.Equal(8081, emu.World.GetService("legacy-basic", "default", "web")!["spec"]!["ports"]![0]!["targetPort"]!.GetValue<int>());
        var svc = await Eventually<JsonObject>(() => Task.FromResult(emu.World.GetService("legacy-basic", "default", "web") is { } s && s["status"]!["loadBalancer"]!["ingress"] is not null ? s : null));
        var lbIp = svc["status"]!["loadBalancer"]!["ingress"]![0]!["ip"]!.GetValue<string>();

        r = await Kubectl(kc, cache, "get", "svc", "web", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}");
        Assert.Equal(lbIp, r.Out);

        r = await Kubectl(kc, cache, "run", "probe", "--image=curlimages/curl", "--", "curl", "-s", "checkip.dyndns.org");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("pod/probe created", r.Out.Trim());
        await Eventually<string>(() => Task.FromResult(emu.World.GetPodLog("legacy-basic", "default", "probe")));
        r = await Kubectl(kc, cache, "logs", "probe");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal($"<html><head><title>Current IP Check</title></head><body>Current IP Address: {lbIp}</body></html>\r\n", r.Out);

        try { r = await Kubectl(kc, cache, "delete", "pod", "probe", "-v=6"); }
        catch (TimeoutException te)
        {
            throw new TimeoutException(te.Message + "\nrequests:\n" + string.Join("\n", emu.Requests.Entries.Select(e => $"{e.Timestamp:HH:mm:ss.fff} {e.Method} {e.PathAndQuery} {e.Status}")) + "\npod: " + emu.World.GetPod("legacy-basic", "default", "probe")?.ToJsonString());
        }
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("pod \"probe\" deleted", r.Out.Trim());
        Assert.Null(emu.World.GetPod("legacy-basic", "default", "probe"));

        r = await Kubectl(kc, cache, "get", "svc", "nope");
        Assert.NotEqual(0, r.Code);
        Assert.Contains("Error from server (NotFound): services \"nope\" not found", r.Err);
    }

    /// <summary>kubectl wait runs list + watch (watchtools.UntilWithSync) and, once the condition holds, waits for the reflector to
    /// stop; the reflector cannot be stopped while it is inside its Watch() call (kubectl passes context.TODO()). So when the
    /// list alone settles the wait, the watch request that follows it must get its response headers at once even though it has
    /// no event to send; the emulator used to buffer them until the first event and kubectl hung past its own --timeout.
    /// Each wait in the three tests below was a deterministic hang before the fix (the jsonpath/condition ones past kubectl's
    /// own --timeout, the delete one until it); the process is killed after 12 s.</summary>
    private static Task<(int Code, string Out, string Err)> KubectlWait(string kubeconfig, string cacheDir, string timeout, params string[] args) =>
        Run(TimeSpan.FromSeconds(12), "/usr/bin/kubectl", new[] { "--kubeconfig", kubeconfig, "--cache-dir", cacheDir, "--request-timeout", "20s", "wait", "--timeout=" + timeout }.Concat(args).ToArray());

    [Fact]
    public async Task Kubectl_wait_for_jsonpath_returns_when_the_list_already_settles_it()
    {
        if (!File.Exists("/usr/bin/kubectl")) return;
        await using var emu = await AksEmulator.StartAsync(Fast());
        var kc = emu.GetKubeconfigPath("legacy-basic");
        var cache = TempDir();
        Task<(int Code, string Out, string Err)> Wait(params string[] args) => KubectlWait(kc, cache, "5s", args);

        // --for=jsonpath on a Service whose ingress IP is already there when kubectl lists
        var yaml = Path.Combine(TempDir(), "svc.yaml");
        await File.WriteAllTextAsync(yaml, "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: LoadBalancer\n  ports:\n  - port: 80\n");
        var r = await Kubectl(kc, cache, "apply", "-f", yaml, "--validate=false");
        Assert.True(r.Code == 0, r.Err);
        await Eventually<JsonObject>(() => Task.FromResult(emu.World.GetService("legacy-basic", "default", "web") is { } s && s["status"]!["loadBalancer"]!["ingress"] is not null ? s : null));
        var watchesBefore = emu.Requests.Count(e => e.PathAndQuery.Contains("watch=true"));
        r = await Wait("--for=jsonpath={.status.loadBalancer.ingress[0].ip}", "svc/web");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("service/web condition met", r.Out.Trim());
        Assert.True(emu.Requests.Count(e => e.PathAndQuery.Contains("watch=true")) > watchesBefore, "kubectl wait was expected to open a watch after its list");
    }

    [Fact]
    public async Task Kubectl_wait_for_jsonpath_value_and_condition_return_on_a_finished_pod()
    {
        if (!File.Exists("/usr/bin/kubectl")) return;
        await using var emu = await AksEmulator.StartAsync(Fast());
        var kc = emu.GetKubeconfigPath("legacy-basic");
        var cache = TempDir();
        Task<(int Code, string Out, string Err)> Wait(params string[] args) => KubectlWait(kc, cache, "5s", args);

        var r = await Kubectl(kc, cache, "run", "done", "--image=curlimages/curl", "--restart=Never", "--", "curl", "-s", "checkip.dyndns.org");
        Assert.True(r.Code == 0, r.Err);
        await Eventually<JsonObject>(() => Task.FromResult(emu.World.GetPod("legacy-basic", "default", "done") is { } p && p["status"]!["phase"]!.GetValue<string>() == "Succeeded" ? p : null));
        r = await Wait("--for=jsonpath={.status.phase}=Succeeded", "pod/done");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("pod/done condition met", r.Out.Trim());
        r = await Wait("--for=condition=Initialized", "pod/done");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("pod/done condition met", r.Out.Trim());
    }

    /// <summary>--for=delete when the pod is still there for kubectl's GET but gone by its LIST (kubectl's precondition then ends
    /// the wait at once): the LIST is held until the pod has been deleted, so the interleaving is forced, not left to luck.
    /// Before the fix kubectl sat in the watch until its --timeout (here 60 s; `kubectl delete` waits a week by default).</summary>
    [Fact]
    public async Task Kubectl_wait_for_delete_returns_when_the_object_is_gone_by_the_list()
    {
        if (!File.Exists("/usr/bin/kubectl")) return;
        await using var emu = await AksEmulator.StartAsync(Fast());
        var kc = emu.GetKubeconfigPath("legacy-basic");
        var cache = TempDir();

        var r = await Kubectl(kc, cache, "run", "gone", "--image=curlimages/curl", "--restart=Never", "--", "curl", "-s", "checkip.dyndns.org");
        Assert.True(r.Code == 0, r.Err);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        emu.Faults.Add(new FaultRule { Method = "GET", Target = "legacy-basic", PathRegex = @"^/api/v1/namespaces/default/pods\?(?!.*watch=true).*fieldSelector=metadata\.name%3Dgone", HoldUntil = release.Task });
        var deleteWait = KubectlWait(kc, cache, "60s", "--for=delete", "pod/gone");
        try
        {
            await Eventually<RequestLogEntry>(() => Task.FromResult(emu.Requests.Entries.FirstOrDefault(e => e.FaultInjected && e.PathAndQuery.Contains("gone"))), what: "kubectl's LIST of pod/gone");
            using var k = Kube(emu, "legacy-basic");
            await k.CoreV1.DeleteNamespacedPodAsync("gone", "default", gracePeriodSeconds: 0);
            Assert.Null(emu.World.GetPod("legacy-basic", "default", "gone"));
        }
        finally { release.TrySetResult(); }
        r = await deleteWait;
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("pod/gone condition met", r.Out.Trim());
    }
}

public class StandaloneTests
{
    private static string FindEmulatorDll()
    {
        var here = Path.Combine(AppContext.BaseDirectory, "AksEgress.Emulator.dll");
        if (File.Exists(here) && File.Exists(Path.Combine(AppContext.BaseDirectory, "AksEgress.Emulator.runtimeconfig.json"))) return here;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "src", "AksEgress.Emulator"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var candidates = Directory.GetFiles(Path.Combine(dir!.FullName, "src", "AksEgress.Emulator", "bin"), "AksEgress.Emulator.dll", SearchOption.AllDirectories);
        return candidates.OrderByDescending(File.GetLastWriteTimeUtc).First();
    }

    [Fact]
    public async Task Standalone_process_writes_connection_json_serves_admin_api_and_exits_0_on_sigterm()
    {
        if (OperatingSystem.IsWindows()) return;
        var dir = TempDir();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { FindEmulatorDll(), "--state-dir", dir, "--lro-retry-after", "0", "--extra-clusters", "2" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var ready = new TaskCompletionSource();
        p.OutputDataReceived += (_, e) => { if (e.Data == "ready") ready.TrySetResult(); };
        p.BeginOutputReadLine();
        var errTask = p.StandardError.ReadToEndAsync();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var conn = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "connection.json")))!;
            Assert.NotNull(conn["clusters"]!["fleet-0002"]);
            Assert.Equal("fleet-rg", conn["clusters"]!["fleet-0002"]!["resourceGroupName"]!.GetValue<string>());
            var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(conn["caCertificatePath"]!.GetValue<string>()));
            using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, e) => ValidateAgainst(ca, c, e) }) { BaseAddress = new Uri(conn["armEndpoint"]!.GetValue<string>()) };
            http.DefaultRequestHeaders.Authorization = new("Bearer", conn["accessToken"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"subscriptions/{conn["subscriptionId"]}/resourceGroups/fleet-rg/providers/Microsoft.ContainerService/managedClusters/fleet-0001?api-version=2025-10-01")).StatusCode);
            var fault = await http.PostAsync("_emulator/faults", new StringContent("{\"pathContains\":\"managedClusters/udr\",\"status\":503,\"count\":1}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, fault.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync($"subscriptions/{conn["subscriptionId"]}/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/udr?api-version=2025-10-01")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"subscriptions/{conn["subscriptionId"]}/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/udr?api-version=2025-10-01")).StatusCode);
            var reqs = JsonNode.Parse(await http.GetStringAsync("_emulator/requests"))!.AsArray();
            Assert.Equal(3, reqs.Count);
            Assert.Equal(503, reqs[1]!["status"]!.GetValue<int>());
            var added = await http.PostAsync("_emulator/publicIPs", new StringContent("{\"resourceGroup\":\"noperm-rg\",\"name\":\"pester-ip\"}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
            Assert.Matches(@"^(203\.0\.113|198\.51\.100)\.\d+$", JsonNode.Parse(await added.Content.ReadAsStringAsync())!["ipAddress"]!.GetValue<string>());
            var perm = await http.PutAsync("_emulator/permissions", new StringContent("{\"cluster\":\"standard-lb\",\"resourceGroup\":\"noperm-rg\",\"networkContributor\":true}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.NoContent, perm.StatusCode);
            var world = JsonNode.Parse(await http.GetStringAsync("_emulator/world"))!;
            Assert.Contains(world["clusters"]!["standard-lb"]!["networkContributorOn"]!.AsArray(), n => n!.GetValue<string>() == "noperm-rg");
            Assert.Contains(world["publicIPAddresses"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "pester-ip");
            Assert.NotNull(world["clusters"]!["legacy-basic"]!["services"]);
            Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync("_emulator/reset", null)).StatusCode);
            Assert.Empty(JsonNode.Parse(await http.GetStringAsync("_emulator/requests"))!.AsArray());
            using var noauth = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, e) => ValidateAgainst(ca, c, e) }) { BaseAddress = http.BaseAddress };
            Assert.Equal(HttpStatusCode.Unauthorized, (await noauth.GetAsync("_emulator/world")).StatusCode);

            using (var kill = Process.Start("kill", $"-TERM {p.Id}")) await kill.WaitForExitAsync();
            using var exitCts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await p.WaitForExitAsync(exitCts.Token);
            Assert.True(p.ExitCode == 0, "exit code " + p.ExitCode + " stderr: " + await errTask);
        }
        finally
        {
            if (!p.HasExited) p.Kill();
        }
    }
}

public class FaultTests
{
    [Fact]
    public async Task Injected_429_carries_retry_after_and_then_clears()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "/managedClusters/natgw", Target = "arm", Status = 429, Headers = new() { ["Retry-After"] = "7" }, Count = 1 });
        using var http = Arm(emu);
        var (st, body, resp) = await Send(http, HttpMethod.Get, ClusterPath(emu, "natgw") + "?api-version=2025-10-01");
        Assert.Equal(429, st);
        Assert.Equal("7", resp.Headers.GetValues("Retry-After").Single());
        Assert.Equal("SubscriptionRequestsThrottled", body!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(200, (await Send(http, HttpMethod.Get, ClusterPath(emu, "natgw") + "?api-version=2025-10-01")).Status);
        Assert.Equal(1, emu.Requests.Count(e => e.FaultInjected));
    }

    [Fact]
    public async Task Stuck_and_failed_lros()
    {
        await using var emu = await AksEmulator.StartAsync(Fast(lroPolls: 0));
        using var http = Arm(emu);
        emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "publicIPAddresses/stuck-ip", LroOutcome = "stuck" });
        var body = JsonNode.Parse("{\"location\":\"eastus\",\"sku\":{\"name\":\"Standard\"},\"properties\":{\"publicIPAllocationMethod\":\"Static\"}}");
        var (st, _, resp) = await Send(http, HttpMethod.Put, PipPath(emu, "egress-rg", "stuck-ip") + "?api-version=2025-07-01", body);
        Assert.Equal(201, st);
        Assert.Equal("InProgress", await CompleteLro(http, resp, maxPolls: 5));
        Assert.Null(emu.World.GetPublicIpAddress("egress-rg", "stuck-ip"));
        var (busy, busyBody, busyResp) = await Send(http, HttpMethod.Put, PipPath(emu, "egress-rg", "stuck-ip") + "?api-version=2025-07-01", body);
        Assert.Equal(429, busy);
        Assert.Equal("RetryableErrorDueToAnotherOperation", busyBody!["error"]!["code"]!.GetValue<string>());
        Assert.True(busyResp.Headers.Contains("Retry-After"));

        emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "publicIPAddresses/failing-ip", LroOutcome = "failed", LroErrorCode = "InternalServerError", LroErrorMessage = "An error occurred." });
        (st, _, resp) = await Send(http, HttpMethod.Put, PipPath(emu, "egress-rg", "failing-ip") + "?api-version=2025-07-01", body);
        var url = resp.Headers.GetValues("Azure-AsyncOperation").Single();
        var poll = (await Send(http, HttpMethod.Get, url)).Body!;
        Assert.Equal("Failed", poll["status"]!.GetValue<string>());
        Assert.Equal("InternalServerError", poll["error"]!["code"]!.GetValue<string>());
        Assert.Equal("Failed", emu.World.GetPublicIp("egress-rg", "failing-ip")!["properties"]!["provisioningState"]!.GetValue<string>());
    }

    [Fact]
    public async Task Watch_gone_and_drop_after_one()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var k = Kube(emu, "standard-lb");
        await k.CoreV1.CreateNamespacedServiceAsync(KubernetesTests.LbService("a"), "default");
        await k.CoreV1.CreateNamespacedServiceAsync(KubernetesTests.LbService("b"), "default");

        emu.Faults.Add(new FaultRule { PathContains = "watch=true", Target = "standard-lb", WatchOutcome = "gone" });
        Exception? error = null; var events = 0;
        await foreach (var _ in k.CoreV1.WatchListNamespacedServiceAsync("default", resourceVersion: "1", timeoutSeconds: 5, onError: e => error = e)) events++;
        Assert.Equal(0, events);
        Assert.NotNull(error);
        Assert.Contains("too old resource version", error!.Message);

        emu.Faults.Add(new FaultRule { PathContains = "watch=true", Target = "k8s", WatchOutcome = "drop-after-1" });
        events = 0;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await foreach (var _ in k.CoreV1.WatchListNamespacedServiceAsync("default", timeoutSeconds: 10, onError: _ => { })) events++;
        Assert.Equal(1, events);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(5));

        emu.Faults.Add(new FaultRule { PathContains = "/services", Target = "standard-lb", ResetConnection = true });
        await Assert.ThrowsAnyAsync<Exception>(() => k.CoreV1.ListNamespacedServiceAsync("default"));
    }
}
