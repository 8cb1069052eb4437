using System.Diagnostics;
using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Models;
using Xunit;
using static AksEgress.Tests.KubeTestSupport;

namespace AksEgress.Tests.Faults;

/// <summary>
/// The Kubernetes rows of the fault matrix (docs/reliability.md): outcome, no leak (no aks-egress-test-* pod, no Service
/// half-way), and a re-run of the same call that converges.
/// </summary>
public class KubeFaultMatrixTests
{
    private static async Task<EgressService> SetService(AksEgressEngine engine, AksEmulator emu, string ip, string cluster = "legacy-basic", int timeout = 30, CancellationToken ct = default)
    {
        var service = await engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = Access(emu, cluster, withInfo: true), TimeoutSeconds = timeout }, new RecordingContext(token: ct));
        Assert.NotNull(service);   // the context approves every change
        return service;
    }

    private static string NewIp(AksEmulator emu, string cluster = "legacy-basic") => emu.World.AddPublicIp(emu.World.GetNodeResourceGroup(cluster)!, "egress-ip");

    private static async Task ServiceRerunConverges(AksEgressEngine engine, AksEmulator emu, string ip, string cluster = "legacy-basic")
    {
        var svc = await SetService(engine, emu, ip, cluster);
        Assert.Equal(ip, svc.IngressIpAddress);
        var again = await SetService(engine, emu, ip, cluster);
        Assert.Equal("Unchanged", again.Action);
    }

    private static async Task<EgressTestResult> TestRerunConverges(AksEgressEngine engine, AksEmulator emu, string cluster = "standard-lb")
    {
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, cluster) }, new RecordingContext());
        Assert.True(r.Succeeded, r.Explanation);
        AssertNoTestPods(emu, cluster);
        return r;
    }

    private static bool IsWatch(RequestLogEntry r) => r.PathAndQuery.Contains("watch=true", StringComparison.Ordinal);

    private static string? ResourceVersion(RequestLogEntry r) =>
        System.Web.HttpUtility.ParseQueryString(new Uri("https://x" + r.PathAndQuery).Query)["resourceVersion"];

    /// <summary>
    /// Checks what the engine asked for after each faulted watch on a collection: after a watch that was dropped, the next
    /// request is a watch from the resourceVersion of the last event that watch delivered (no re-list); after 410 Gone, the
    /// next request is a re-list and a watch follows it. Returns the faulted watches in order, with their outcome.
    /// </summary>
    private static List<(RequestLogEntry Watch, string Outcome)> AssertResumed(AksEmulator emu, string cluster, string collection)
    {
        var seq = emu.Requests.Entries
            .Where(r => r.Target == "k8s:" + cluster && r.Method == "GET" && r.PathAndQuery.Split('?')[0].EndsWith("/" + collection, StringComparison.Ordinal))
            .ToList();
        var faulted = new List<(RequestLogEntry, string)>();
        for (var i = 0; i < seq.Count; i++)
        {
            var r = seq[i];
            if (!r.FaultInjected || !IsWatch(r)) continue;
            Assert.True(i + 1 < seq.Count, $"nothing followed the faulted watch {r.PathAndQuery}");
            var next = seq[i + 1];
            if (r.LastWatchEventResourceVersion is { } last)
            {
                Assert.True(IsWatch(next), $"after the watch dropped at resourceVersion {last} the engine sent {next.PathAndQuery} (a re-list) instead of resuming the watch");
                Assert.Equal(last, ResourceVersion(next));
                faulted.Add((r, "drop-after-1"));
            }
            else
            {
                // a "gone" watch delivers no object, only an ERROR event with a 410 Status
                Assert.False(IsWatch(next), $"after 410 Gone the engine must list again, but sent {next.PathAndQuery}");
                Assert.True(i + 2 < seq.Count && IsWatch(seq[i + 2]), "no watch followed the re-list after 410 Gone");
                faulted.Add((r, "gone"));
            }
        }
        return faulted;
    }

    [Theory]
    [InlineData(401, "GET", ErrorIds.KubernetesUnauthorized, EgressErrorCategory.AuthenticationError)]
    [InlineData(404, "POST", ErrorIds.KubernetesNotFound, EgressErrorCategory.ObjectNotFound)]
    [InlineData(500, "POST", ErrorIds.KubernetesRequestFailed, EgressErrorCategory.InvalidResult)]
    public async Task Service_call_rejected_is_mapped_and_a_rerun_converges(int status, string method, string errorId, EgressErrorCategory category)
    {
        await using var emu = await StartAsync();
        var engine = await EngineAsync(emu);
        var ip = NewIp(emu);
        emu.Faults.Add(new FaultRule { Target = "legacy-basic", Method = method, PathContains = "/services", Status = status, Count = 1 });
        var e = await Assert.ThrowsAsync<AksEgressException>(() => SetService(engine, emu, ip));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(category, e.Category);
        Assert.Null(emu.World.GetService("legacy-basic", "default", "aks-egress"));
        FaultLedger.Record($"Kubernetes {status} on {method} services", emu, FaultLedger.Leaks(emu));
        await ServiceRerunConverges(engine, emu, ip);
    }

    [Fact]
    public async Task Forbidden_names_the_verb_and_resource_and_a_rerun_converges()
    {
        await using var emu = await StartAsync();
        var engine = await EngineAsync(emu);
        var ip = NewIp(emu);
        emu.Faults.Add(new FaultRule
        {
            Target = "legacy-basic", Method = "PATCH", PathContains = "/services/aks-egress", Status = 403, Count = 1,
            Body = """{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"services \"aks-egress\" is forbidden: User \"clusterUser\" cannot patch resource \"services\" in API group \"\" in the namespace \"default\"","reason":"Forbidden","details":{"name":"aks-egress","kind":"services"},"code":403}""",
        });
        await SetService(engine, emu, ip);
        var other = emu.World.AddPublicIp(emu.World.GetNodeResourceGroup("legacy-basic")!, "egress-ip-2");
        var e = await Assert.ThrowsAsync<AksEgressException>(() => SetService(engine, emu, other));
        Assert.Equal(ErrorIds.KubernetesForbidden, e.ErrorId);
        Assert.Contains("cannot patch resource \"services\"", e.Message);
        Assert.Contains("kubectl auth can-i patch services -n default", e.RecommendedAction);
        // the Service is untouched: it still owns the first IP
        Assert.Equal(ip, (string?)emu.World.GetService("legacy-basic", "default", "aks-egress")!["metadata"]!["annotations"]![AksEgress.Engine.Kubernetes.KubeNames.AnnotationIpv4]);
        FaultLedger.Record("Kubernetes 403 RBAC", emu, FaultLedger.Leaks(emu));
        await ServiceRerunConverges(engine, emu, other);
    }

    [Fact]
    public async Task Already_exists_during_a_create_race_converges()
    {
        await using var emu = await StartAsync();
        var ip = NewIp(emu);
        // Two runs race: both read "no Service"; the first POST is held back until the other run has created the Service.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hold = new FaultRule { Target = "legacy-basic", Method = "POST", PathContains = "/services", HoldUntil = release.Task, Count = 1 };
        emu.Faults.Add(hold);
        var a = SetService(await EngineAsync(emu), emu, ip);
        var sw = Stopwatch.StartNew();
        while (hold.Count > 0 && !a.IsCompleted && sw.Elapsed < TimeSpan.FromSeconds(30)) await Task.Delay(10);
        Assert.Equal(0, hold.Count);   // run a's create is now held at the server
        var b = await SetService(await EngineAsync(emu), emu, ip);
        release.SetResult();
        var results = new[] { await a, b };
        Assert.All(results, r => Assert.Equal(ip, r.IngressIpAddress));
        Assert.Contains(emu.Requests.Entries, r => r.Method == "POST" && r.PathAndQuery.Contains("/services") && r.Status == 409);
        Assert.Contains(results, r => r.Action == "Created");
        Assert.Single(emu.World.Dump()["clusters"]!["legacy-basic"]!["services"]!.AsArray(), s => (string?)s!["metadata"]!["name"] == "aks-egress");
        FaultLedger.Record("Kubernetes 409 AlreadyExists race", emu, FaultLedger.Leaks(emu), modelled: 1);
        Assert.Equal("Unchanged", (await SetService(await EngineAsync(emu), emu, ip)).Action);
    }

    [Fact]
    public async Task Connection_reset_on_the_kubernetes_api_is_unreachable_and_a_rerun_converges()
    {
        await using var emu = await StartAsync();
        var engine = await EngineAsync(emu);
        var ip = NewIp(emu);
        emu.Faults.Add(new FaultRule { Target = "legacy-basic", Method = "GET", PathContains = "/services/aks-egress", ResetConnection = true, Count = 1 });
        var e = await Assert.ThrowsAsync<AksEgressException>(() => SetService(engine, emu, ip));
        Assert.Contains(e.ErrorId, new[] { ErrorIds.EndpointUnreachable, ErrorIds.KubernetesRequestFailed });
        Assert.Null(emu.World.GetService("legacy-basic", "default", "aks-egress"));
        FaultLedger.Record("Kubernetes connection reset", emu, FaultLedger.Leaks(emu));
        await ServiceRerunConverges(engine, emu, ip);
    }

    [Theory]
    [InlineData("gone")]
    [InlineData("drop-after-1")]
    public async Task Pod_watch_that_is_gone_or_dropped_resumes(string outcome)
    {
        await using var emu = await StartAsync(podDelay: 300);
        var engine = await EngineAsync(emu);
        emu.Faults.Add(new FaultRule { Target = "standard-lb", PathContains = "watch=true", WatchOutcome = outcome, Count = 2 });
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "standard-lb"), TimeoutSeconds = 30 }, new RecordingContext());
        Assert.True(r.Succeeded, r.Explanation);
        Assert.Contains(r.ObservedIpAddress, emu.World.GetExpectedEgressAddresses("standard-lb"));
        var faulted = AssertResumed(emu, "standard-lb", "pods");
        Assert.Equal(2, faulted.Count);
        Assert.All(faulted, f => Assert.Equal(outcome, f.Outcome));
        FaultLedger.Record($"Kubernetes watch {outcome}", emu, FaultLedger.Leaks(emu));
        await TestRerunConverges(engine, emu);
    }

    [Fact]
    public async Task Service_watch_that_is_gone_then_dropped_resumes()
    {
        await using var emu = await StartAsync(lbDelay: 600);
        var engine = await EngineAsync(emu);
        var ip = NewIp(emu);
        emu.Faults.Add(new FaultRule { Target = "legacy-basic", PathContains = "watch=true", WatchOutcome = "gone", Count = 1 });
        emu.Faults.Add(new FaultRule { Target = "legacy-basic", PathContains = "watch=true", WatchOutcome = "drop-after-1", Count = 1 });
        Assert.Equal(ip, (await SetService(engine, emu, ip)).IngressIpAddress);
        Assert.Equal(new[] { "gone", "drop-after-1" }, AssertResumed(emu, "legacy-basic", "services").Select(f => f.Outcome));
        FaultLedger.Record("Kubernetes watch gone + dropped (Service)", emu, FaultLedger.Leaks(emu));
        await ServiceRerunConverges(engine, emu, ip);
    }

    [Fact]
    public async Task Image_pull_failure_is_reported_within_seconds()
    {
        await using var emu = await StartAsync();
        var engine = await EngineAsync(emu);
        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<AksEgressException>(() => engine.TestEgressIpAsync(
            new TestEgressIpRequest { Kube = Access(emu, "standard-lb"), Image = "invalid.example/curl:1", TimeoutSeconds = 300 }, new RecordingContext()));
        Assert.Equal(ErrorIds.ImagePullFailed, e.ErrorId);
        Assert.Matches("ErrImagePull|ImagePullBackOff", e.Message);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), sw.Elapsed.ToString());
        FaultLedger.Record("Kubernetes ErrImagePull (emulator kubelet)", emu, FaultLedger.Leaks(emu), modelled: 1);
        await TestRerunConverges(engine, emu);
    }

    [Fact]
    public async Task Unschedulable_pod_is_reported_and_deleted()
    {
        await using var emu = await StartAsync();
        var engine = await EngineAsync(emu);
        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<AksEgressException>(() => engine.TestEgressIpAsync(
            new TestEgressIpRequest { Kube = Access(emu, "standard-lb"), NodeName = "aks-nodepool1-00000000-vmss000009", TimeoutSeconds = 300 }, new RecordingContext()));
        Assert.Equal(ErrorIds.PodUnschedulable, e.ErrorId);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), sw.Elapsed.ToString());
        FaultLedger.Record("Kubernetes pod unschedulable (emulator scheduler)", emu, FaultLedger.Leaks(emu), modelled: 1);
        await TestRerunConverges(engine, emu);
    }

    [Theory]
    [InlineData("curl: (7) Failed to connect to api.ipify.org port 443 after 3 ms: Could not connect to server\n")]
    [InlineData("<html><body>Access denied by policy</body></html>")]
    [InlineData("")]
    public async Task Unreachable_or_garbage_endpoint_is_egress_blocked_with_the_raw_response(string body)
    {
        await using var emu = await StartAsync();
        var engine = await EngineAsync(emu);
        emu.Faults.Add(new FaultRule { Target = "standard-lb", Method = "GET", PathContains = "/log", Status = 200, Body = body, Count = 1 });
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "standard-lb") }, new RecordingContext());
        Assert.False(r.Succeeded);
        Assert.StartsWith("egress blocked or endpoint unusable", r.Explanation);
        Assert.Null(r.ObservedIpAddress);
        if (body.Trim().Length > 0) Assert.Contains(body.Trim()[..20], r.RawResponse);
        FaultLedger.Record("check endpoint unreachable/garbage", emu, FaultLedger.Leaks(emu));
        await TestRerunConverges(engine, emu);
    }

    [Fact]
    public async Task Cancel_during_the_pod_wait_deletes_the_pod_and_a_rerun_converges()
    {
        await using var emu = await StartAsync();
        var engine = await EngineAsync(emu);
        // The wait's first request (the pod list; a watch follows it only when the list does not settle the wait) is held: on a
        // loaded machine the pod could finish before a watch was opened, and Ctrl+C then came after the command had ended.
        emu.Faults.Add(new FaultRule { Target = "standard-lb", PathContains = "pods?fieldSelector", LatencyMilliseconds = 30_000, Count = 1 });
        using var cts = new CancellationTokenSource();
        var task = engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "standard-lb") }, new RecordingContext(token: cts.Token));
        var sw = Stopwatch.StartNew();
        while (!emu.Requests.Entries.Any(r => r.FaultInjected) && sw.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), sw.Elapsed.ToString());
        FaultLedger.Record("Ctrl+C during the pod wait", emu, FaultLedger.Leaks(emu));
        await TestRerunConverges(engine, emu);
    }

    [Fact]
    public async Task Cancel_during_the_load_balancer_wait_stops_promptly_and_a_rerun_converges()
    {
        await using var emu = await StartAsync(lbDelay: 3_000);
        var engine = await EngineAsync(emu);
        var ip = NewIp(emu);
        emu.Faults.Add(new FaultRule { Target = "legacy-basic", PathContains = "watch=true", LatencyMilliseconds = 30_000, Count = 1 });
        using var cts = new CancellationTokenSource();
        var task = SetService(engine, emu, ip, ct: cts.Token);
        var sw = Stopwatch.StartNew();
        while (!emu.Requests.Entries.Any(r => r.FaultInjected) && sw.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), sw.Elapsed.ToString());
        FaultLedger.Record("Ctrl+C during the load balancer wait", emu, FaultLedger.Leaks(emu));
        emu.Options.LoadBalancerDelayMilliseconds = 50;
        // The Service the user asked for exists; the re-run finds it (ours, right IP) and waits for the frontend.
        var svc = await SetService(engine, emu, ip);
        Assert.Equal("Unchanged", svc.Action);
    }
}
