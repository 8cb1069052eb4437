using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using Xunit;
using static AksEgress.Emulator.Tests.TestUtil;

namespace AksEgress.Emulator.Tests;

public class EmulatorFaultTests
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
