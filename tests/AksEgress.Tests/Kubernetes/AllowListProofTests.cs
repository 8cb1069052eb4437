using AksEgress.Contract;
using AksEgress.Engine;
using AksEgress.Models;
using Xunit;
using static AksEgress.Tests.KubeTestSupport;

namespace AksEgress.Tests.Kubernetes;

/// <summary>Issue 11 section 2: Test-AksEgressIp proves a resolved allowlist from inside the cluster.</summary>
public class AllowListProofTests
{
    [Fact]
    public async Task Nat_gateway_samples_over_separate_pods_all_fall_inside_the_resolved_allowlist()
    {
        await using var emu = await StartAsync();
        var engine = await EngineAsync(emu);
        var cfg = await engine.GetEgressConfigurationAsync(new ClusterRef(null, "paths-rg", "uanat"), null, new NullOperationContext());
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "uanat"), AllowList = cfg.AllowList, Count = 8 }, new RecordingContext());
        Assert.True(r.Succeeded, r.Explanation);
        Assert.Equal(8, r.Samples.Select(s => s.PodName).Distinct().Count());   // one pod per sample
        Assert.True(r.ObservedIpAddresses.Count > 1, "a NAT gateway with six addresses shows more than one over eight connections");
        Assert.All(r.ObservedIpAddresses, a => Assert.NotNull(Cidr.Match(cfg.AllowList, a)));
        Assert.Empty(r.OutsideAllowList);
        AssertNoTestPods(emu, "uanat");
    }

    [Fact]
    public async Task An_address_outside_the_allowlist_fails_the_test_and_is_named()
    {
        await using var emu = await StartAsync();
        var engine = await EngineAsync(emu);
        var only = emu.World.GetPublicIpAddress("paths-rg", "uanat-ip-1")! + "/32";
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "uanat"), AllowList = [only], Count = 8 }, new RecordingContext());
        Assert.False(r.Succeeded);
        Assert.NotEmpty(r.OutsideAllowList);
        Assert.All(r.OutsideAllowList, a => Assert.Null(Cidr.Match([only], a)));
        Assert.Contains(r.OutsideAllowList[0], r.Explanation);
        Assert.Contains("outside the allowlist", r.Explanation);
    }

    [Fact]
    public async Task Node_pool_samples_every_node_of_that_pool_and_sees_its_prefix()
    {
        await using var emu = await StartAsync();
        var engine = await EngineAsync(emu);
        var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "nodepip"), NodePool = "pubpool", AllowList = ["192.0.2.16/30"] }, new RecordingContext());
        Assert.True(r.Succeeded, r.Explanation);
        Assert.Equal("pubpool", r.NodePool);
        Assert.Equal(2, r.Samples.Select(s => s.NodeName).Distinct().Count());
        Assert.All(r.Samples, s => Assert.StartsWith("aks-pubpool-", s.NodeName));
        // the other pool leaves through the load balancer, outside the node prefix
        var lb = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "nodepip"), NodePool = "nodepool1", AllowList = ["192.0.2.16/30"] }, new RecordingContext());
        Assert.False(lb.Succeeded);
        Assert.Equal(emu.World.GetExpectedEgressAddresses("nodepip", "nodepool1"), lb.OutsideAllowList.ToArray());
    }

    [Theory]
    [InlineData("not-an-ip")]
    [InlineData("203.0.113.0/40")]
    public async Task A_bad_allowlist_entry_is_refused_before_any_request(string entry)
    {
        await using var emu = await StartAsync();
        var engine = await EngineAsync(emu);
        emu.Requests.Clear();
        var e = await Assert.ThrowsAsync<AksEgressException>(() => engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "uanat"), AllowList = [entry] }, new RecordingContext()));
        Assert.Equal(ErrorIds.InvalidAllowList, e.ErrorId);
        Assert.Contains(entry, e.Message);
        Assert.Empty(emu.Requests.Entries);
    }
}
