using System.Diagnostics;
using AksEgress.Engine;
using Xunit;
using static AksEgress.Tests.KubeTestSupport;

namespace AksEgress.Tests.Kubernetes;

public class EgressTestPodTests
{
    [Fact]
    public async Task Standard_lb_observes_the_outbound_ip_not_the_service_ip()
    {
        await using var emu = await StartAsync();
        var ip = emu.World.AddPublicIp(emu.World.GetNodeResourceGroup("standard-lb")!, "egress-ip");
        var engine = await EngineAsync(emu);
        var access = Access(emu, "standard-lb", withInfo: true);
        await engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = access }, new RecordingContext());
        var outbound = emu.World.GetExpectedEgressAddresses("standard-lb");
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = access, ExpectedIpAddress = new[] { ip } }, new RecordingContext());
        Assert.False(r.Succeeded);
        Assert.Contains(r.ObservedIpAddress, outbound);
        Assert.NotEqual(ip, r.ObservedIpAddress);
        Assert.Contains($"{ip} is only the inbound address of Service default/aks-egress", r.Explanation);
        Assert.Contains("Set-AksOutboundIp", r.Explanation);
        Assert.Equal(new[] { ip }, r.ExpectedIpAddress);
        AssertNoTestPods(emu, "standard-lb");
    }

    [Fact]
    public async Task Without_expected_ip_any_observed_address_succeeds_and_raw_response_is_kept()
    {
        await using var emu = await StartAsync();
        var r = await (await EngineAsync(emu)).TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "natgw"), CheckUri = "http://checkip.dyndns.org" }, new RecordingContext());
        Assert.True(r.Succeeded);
        Assert.Contains("Current IP Address: " + r.ObservedIpAddress, r.RawResponse);
        Assert.StartsWith("aks-egress-test-", r.PodName);
        Assert.NotNull(r.NodeName);
        Assert.Single(r.Samples);
        Assert.Contains("default/" + r.PodName, emu.World.GetDeletedPods("natgw"));
        AssertNoTestPods(emu, "natgw");
    }

    [Fact]
    public async Task Pod_is_admitted_in_a_restricted_namespace()
    {
        await using var emu = await StartAsync();
        var r = await (await EngineAsync(emu)).TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "standard-lb"), Namespace = "restricted-ns" }, new RecordingContext());
        Assert.True(r.Succeeded, r.Explanation);
        Assert.Equal("restricted-ns", r.Namespace);
        AssertNoTestPods(emu, "standard-lb");
    }

    [Fact]
    public async Task Image_pull_failure_is_reported_fast_and_the_pod_deleted()
    {
        await using var emu = await StartAsync();
        var sw = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<AksEgressException>(async () => await (await EngineAsync(emu)).TestEgressIpAsync(
            new TestEgressIpRequest { Kube = Access(emu, "standard-lb"), Image = "doesnotexist/curl:1", TimeoutSeconds = 120 }, new RecordingContext()));
        Assert.Equal(ErrorIds.ImagePullFailed, ex.ErrorId);
        Assert.Contains("doesnotexist/curl:1", ex.Message);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), sw.Elapsed.ToString());
        AssertNoTestPods(emu, "standard-lb");
        Assert.Single(emu.World.GetDeletedPods("standard-lb"));
    }

    [Fact]
    public async Task Default_image_comes_from_mcr_and_passes_the_udr_firewall()
    {
        Assert.StartsWith("mcr.microsoft.com/", new TestEgressIpRequest().Image);
        await using var emu = await StartAsync();
        var r = await (await EngineAsync(emu)).TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "udr", withInfo: true) }, new RecordingContext());
        Assert.True(r.Succeeded, r.Explanation);
        Assert.Equal(emu.World.GetPublicIpAddress("demo-rg", "fw-egress-ip"), r.ObservedIpAddress);
        AssertNoTestPods(emu, "udr");
    }

    [Fact]
    public async Task Docker_hub_image_on_a_udr_cluster_says_egress_is_restricted_and_what_to_allow()
    {
        await using var emu = await StartAsync();
        var engine = await EngineAsync(emu);
        var ex = await Assert.ThrowsAsync<AksEgressException>(async () => await engine.TestEgressIpAsync(
            new TestEgressIpRequest { Kube = Access(emu, "udr", withInfo: true), Image = "curlimages/curl:8.11.1" }, new RecordingContext()));
        Assert.Equal(ErrorIds.ImagePullFailed, ex.ErrorId);
        Assert.Contains("Egress is restricted on this cluster", ex.Message);
        Assert.Contains("userDefinedRouting", ex.Message);
        Assert.Contains("registry-1.docker.io", ex.Message);
        Assert.Contains("Allow registry-1.docker.io in the firewall", ex.RecommendedAction);
        Assert.Contains("mcr.microsoft.com", ex.RecommendedAction);
        AssertNoTestPods(emu, "udr");

        // kubeconfig only (outbound type unknown): the network error itself points at the egress path, not at the image name
        var ex2 = await Assert.ThrowsAsync<AksEgressException>(async () => await engine.TestEgressIpAsync(
            new TestEgressIpRequest { Kube = Access(emu, "udr"), Image = "curlimages/curl:8.11.1" }, new RecordingContext()));
        Assert.Equal(ErrorIds.ImagePullFailed, ex2.ErrorId);
        Assert.Contains("could not reach the registry registry-1.docker.io", ex2.Message);
        Assert.Contains("mcr.microsoft.com", ex2.RecommendedAction);
        AssertNoTestPods(emu, "udr");
    }

    [Fact]
    public async Task Azure_policy_admission_denial_is_admission_denied_and_only_in_its_namespace()
    {
        await using var emu = await StartAsync();
        emu.World.AddAdmissionDenial("standard-lb", "[azurepolicy-k8sazurev2containerallowedimages-8d3f0a61c1b0e2] Container image {image} for container {container} has not been allowed.", ns: "default");
        var engine = await EngineAsync(emu);
        var ex = await Assert.ThrowsAsync<AksEgressException>(async () => await engine.TestEgressIpAsync(
            new TestEgressIpRequest { Kube = Access(emu, "standard-lb") }, new RecordingContext()));
        Assert.Equal(ErrorIds.AdmissionDenied, ex.ErrorId);
        Assert.Contains($"Container image {TestEgressIpRequest.DefaultImage} for container curl has not been allowed", ex.Message);
        Assert.Contains("--safeguards-excluded-ns default", ex.RecommendedAction);
        AssertNoTestPods(emu, "standard-lb");
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "standard-lb"), Namespace = "restricted-ns" }, new RecordingContext());
        Assert.True(r.Succeeded, r.Explanation);
    }

    [Fact]
    public async Task Unknown_node_is_unschedulable()
    {
        await using var emu = await StartAsync();
        var ex = await Assert.ThrowsAsync<AksEgressException>(async () => await (await EngineAsync(emu)).TestEgressIpAsync(
            new TestEgressIpRequest { Kube = Access(emu, "standard-lb"), NodeName = "aks-nodepool1-00000000-vmss999999" }, new RecordingContext()));
        Assert.Equal(ErrorIds.PodUnschedulable, ex.ErrorId);
        Assert.Contains("0/3 nodes are available", ex.Message);
        AssertNoTestPods(emu, "standard-lb");
    }

    [Fact]
    public async Task Cancellation_mid_wait_deletes_the_pod()
    {
        await using var emu = await StartAsync(podDelay: 5_000);
        using var cts = new CancellationTokenSource();
        var task = new AksEgressEngine().TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "standard-lb") }, new RecordingContext(token: cts.Token));
        var sw = Stopwatch.StartNew();
        while (Pods(emu, "standard-lb").Count == 0 && sw.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        Assert.NotEmpty(Pods(emu, "standard-lb"));
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        AssertNoTestPods(emu, "standard-lb");
        Assert.Single(emu.World.GetDeletedPods("standard-lb"));
    }

    [Fact]
    public async Task A_pod_the_api_server_never_accepted_is_neither_deleted_nor_mentioned()
    {
        // issue 14, item 5: an -AccessToken (ARM) session cannot get the Entra token of an Entra cluster, so the create never
        // reaches the API server; before the fix the module then "deleted" the pod and asked the user to delete it by hand.
        await using var emu = await StartAsync();
        var engine = await EngineAsync(emu);
        var ctx = new RecordingContext();
        var e = await Assert.ThrowsAsync<AksEgressException>(() => engine.TestEgressIpAsync(
            new TestEgressIpRequest { Kube = new KubeAccess { Cluster = new ClusterRef(null, "demo-rg", "aad") } }, ctx));
        Assert.Equal(ErrorIds.AuthenticationFailed, e.ErrorId);
        Assert.DoesNotContain(ctx.Warnings, w => w.Contains("egress test pod", StringComparison.Ordinal) || w.Contains("kubectl delete pod", StringComparison.Ordinal));
        Assert.DoesNotContain(ctx.Verbose, v => v.Contains("Deleted egress test pod", StringComparison.Ordinal));
        Assert.Equal(0, emu.Requests.Count(r => r.Target == "k8s:aad" && r.Method == "DELETE"));
        AssertNoTestPods(emu, "aad");
    }

    [Fact]
    public async Task A_pod_the_api_server_refused_is_not_deleted_and_a_failed_delete_of_a_real_pod_is_one_clean_warning()
    {
        await using var emu = await StartAsync();
        var engine = await EngineAsync(emu);
        // refused create: nothing to delete, nothing to mention
        emu.Faults.Add(new AksEgress.Emulator.FaultRule { Target = "standard-lb", Method = "POST", PathContains = "/pods", Status = 403, Count = 1 });
        var refused = new RecordingContext();
        await Assert.ThrowsAsync<AksEgressException>(() => engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "standard-lb") }, refused));
        Assert.Empty(refused.Warnings);
        Assert.Equal(0, emu.Requests.Count(r => r.Target == "k8s:standard-lb" && r.Method == "DELETE"));

        // an accepted pod whose delete fails: the user is told, in one sentence per thought, with the command last
        emu.Faults.Add(new AksEgress.Emulator.FaultRule { Target = "standard-lb", Method = "DELETE", PathContains = "/pods/", Status = 500, Count = 1 });
        var ctx = new RecordingContext();
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "standard-lb") }, ctx);
        var warning = Assert.Single(ctx.Warnings);
        Assert.StartsWith($"Could not delete the egress test pod default/{r.PodName}: ", warning);
        Assert.EndsWith($". Delete it with: kubectl delete pod {r.PodName} -n default", warning);
        Assert.DoesNotContain("..", warning);
    }

    [Theory]
    [InlineData(new[] { "Could not delete x: Unauthorized.", "Delete it with: kubectl delete pod x" }, "Could not delete x: Unauthorized. Delete it with: kubectl delete pod x")]
    [InlineData(new[] { "Could not delete x: Unauthorized", "Delete it with: kubectl delete pod x" }, "Could not delete x: Unauthorized. Delete it with: kubectl delete pod x")]
    [InlineData(new[] { " Why? ", null, "", "Because (see above)", "Run it" }, "Why? Because (see above). Run it")]
    [InlineData(new[] { "Only one" }, "Only one")]
    public void Sentences_are_joined_with_exactly_one_full_stop(string?[] parts, string expected) =>
        Assert.Equal(expected, AksEgress.Engine.EgressConfig.EgressTexts.JoinSentences(parts));

    [Fact]
    public void The_delete_warning_ends_each_sentence_once()
    {
        var w = AksEgress.Engine.EgressTest.EgressTestService.DeleteFailedText("default", "p1", true, "This session was connected with -AccessToken.");
        Assert.Equal("Could not delete the egress test pod default/p1: This session was connected with -AccessToken. Delete it with: kubectl delete pod p1 -n default", w);
        var maybe = AksEgress.Engine.EgressTest.EgressTestService.DeleteFailedText("default", "p1", false, "timeout");
        Assert.Equal("The egress test pod default/p1 may have been created (its create request was interrupted) and could not be deleted: timeout. If it exists, delete it with: kubectl delete pod p1 -n default", maybe);
    }

    [Fact]
    public async Task All_nodes_runs_one_pod_per_node()
    {
        await using var emu = await StartAsync();
        var ctx = new RecordingContext();
        var r = await (await EngineAsync(emu)).TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "standard-lb"), AllNodes = true, ThrottleLimit = 2 }, ctx);
        Assert.True(r.Succeeded, r.Explanation);
        Assert.Equal(3, r.Samples.Length);
        Assert.Equal(3, r.Samples.Select(s => s.NodeName).Distinct().Count());
        Assert.Equal(3, r.Samples.Select(s => s.PodName).Distinct().Count());
        Assert.Contains(ctx.Progress, p => p.Activity == "Testing egress on 3 node(s)");
        Assert.Equal(emu.World.GetExpectedEgressAddresses("standard-lb").OrderBy(x => x), r.ObservedIpAddresses.OrderBy(x => x));
        AssertNoTestPods(emu, "standard-lb");
        Assert.Equal(3, emu.World.GetDeletedPods("standard-lb").Count);
    }

    [Fact]
    public async Task Count_runs_several_samples()
    {
        await using var emu = await StartAsync();
        var r = await (await EngineAsync(emu)).TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "udr"), Count = 3 }, new RecordingContext());
        Assert.Equal(3, r.Samples.Length);
        Assert.True(r.Succeeded);
        AssertNoTestPods(emu, "udr");
    }

    [Theory]
    [InlineData("<!DOCTYPE html><html><head><title>What Is My IP Address? - ifconfig.me</title></head><body>203.0.113.7</body></html>", "HTML")]
    [InlineData("curl: (28) Failed to connect to api.ipify.org port 443 after 10002 ms: Timeout was reached\n", "curl: (28)")]
    public async Task Blocked_egress_or_unusable_body_is_a_failed_result(string body, string quoted)
    {
        await using var emu = await StartAsync();
        emu.Faults.Add(new AksEgress.Emulator.FaultRule { Target = "standard-lb", Method = "GET", PathContains = "/log", Status = 200, Body = body });
        var r = await (await EngineAsync(emu)).TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "standard-lb") }, new RecordingContext());
        Assert.False(r.Succeeded);
        Assert.Null(r.ObservedIpAddress);
        Assert.StartsWith("egress blocked or endpoint unusable", r.Explanation);
        Assert.Contains(quoted, r.Explanation);
        Assert.Equal(body.Trim(), r.RawResponse);
        Assert.StartsWith("egress blocked or endpoint unusable", r.Samples[0].Error);
        AssertNoTestPods(emu, "standard-lb");
    }

    [Theory]
    [InlineData(0, 5, 120, ErrorIds.InvalidCount)]
    [InlineData(101, 5, 120, ErrorIds.InvalidCount)]
    [InlineData(1, 0, 120, ErrorIds.InvalidThrottleLimit)]
    [InlineData(1, 51, 120, ErrorIds.InvalidThrottleLimit)]
    [InlineData(1, 5, 1, ErrorIds.InvalidTimeout)]
    public async Task Invalid_input_is_refused_before_any_request(int count, int throttle, int timeout, string errorId)
    {
        var ex = await Assert.ThrowsAsync<AksEgressException>(() => new AksEgressEngine().TestEgressIpAsync(
            new TestEgressIpRequest { Count = count, ThrottleLimit = throttle, TimeoutSeconds = timeout, Kube = new() { KubeConfigPath = "/nonexistent" } }, new RecordingContext()));
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(EgressErrorCategory.InvalidArgument, ex.Category);
    }

    [Fact]
    public async Task Bad_check_uri_and_expected_ip_are_refused()
    {
        var e1 = await Assert.ThrowsAsync<AksEgressException>(() => new AksEgressEngine().TestEgressIpAsync(new TestEgressIpRequest { CheckUri = "ftp://x" }, new RecordingContext()));
        Assert.Equal(ErrorIds.InvalidCheckUri, e1.ErrorId);
        var e2 = await Assert.ThrowsAsync<AksEgressException>(() => new AksEgressEngine().TestEgressIpAsync(new TestEgressIpRequest { ExpectedIpAddress = new[] { "1.2.3" } }, new RecordingContext()));
        Assert.Equal(ErrorIds.InvalidIpAddress, e2.ErrorId);
    }
}
