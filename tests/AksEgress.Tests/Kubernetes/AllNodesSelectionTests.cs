using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Engine.EgressTest;
using AksEgress.Models;
using k8s.Models;
using Xunit;
using static AksEgress.Tests.KubeTestSupport;

namespace AksEgress.Tests.Kubernetes;

/// <summary>-AllNodes runs only on Ready, schedulable Linux nodes of the cluster's own; every other node is listed as skipped with the reason.</summary>
public class AllNodesSelectionTests
{
    private static V1Node Node(string name, string? os = "linux", bool ready = true, string readyStatus = "True", bool? unschedulable = null, params (string Key, string Value)[] labels)
    {
        var l = new Dictionary<string, string>();
        if (os is not null) l["kubernetes.io/os"] = os;
        foreach (var (k, v) in labels) l[k] = v;
        return new V1Node
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = l },
            Spec = new V1NodeSpec { Unschedulable = unschedulable },
            Status = new V1NodeStatus
            {
                Conditions = ready ? new List<V1NodeCondition> { new() { Type = "Ready", Status = readyStatus, Reason = readyStatus == "True" ? "KubeletReady" : "NodeStatusUnknown" } } : null,
            },
        };
    }

    [Fact]
    public void Ready_schedulable_linux_nodes_are_tested_and_every_other_is_skipped_with_its_reason()
    {
        var r = TestNodeSelection.Select(new[]
        {
            Node("linux-b"),
            Node("linux-a"),
            Node("cordoned", unschedulable: true),
            Node("unknown", readyStatus: "Unknown"),
            Node("notready", readyStatus: "False"),
            Node("nocondition", ready: false),
            Node("win", os: "windows"),
            Node("virtual-node-aci-linux", labels: ("type", "virtual-kubelet")),
            Node("gw", labels: ("kubernetes.azure.com/mode", "gateway")),
            Node("system", labels: ("kubernetes.azure.com/mode", "system")),
        });
        Assert.Equal(new[] { "linux-a", "linux-b", "system" }, r.Tested);
        var why = r.Skipped.ToDictionary(s => s.NodeName, s => s.Reason);
        Assert.Equal(7, why.Count);
        Assert.StartsWith("cordoned (spec.unschedulable)", why["cordoned"]);
        Assert.Equal("not Ready (Ready=Unknown, NodeStatusUnknown)", why["unknown"]);
        Assert.StartsWith("not Ready (Ready=False", why["notready"]);
        Assert.StartsWith("not Ready (no Ready condition", why["nocondition"]);
        Assert.StartsWith("not a Linux node (kubernetes.io/os=windows)", why["win"]);
        Assert.StartsWith("virtual node (type=virtual-kubelet)", why["virtual-node-aci-linux"]);
        Assert.StartsWith("static egress gateway node", why["gw"]);
    }

    [Fact]
    public void Os_comes_from_node_info_when_the_label_is_missing()
    {
        var n = Node("old", os: null);
        Assert.NotNull(TestNodeSelection.WhySkipped(n));
        n.Status.NodeInfo = new V1NodeSystemInfo { OperatingSystem = "linux" };
        Assert.Null(TestNodeSelection.WhySkipped(n));
    }

    [Fact]
    public void Summary_counts_tested_and_skipped_nodes()
    {
        var samples = new[] { "a", "b", "c" }.Select(n => new EgressSample { NodeName = n, PodName = "p" + n }).ToArray();
        var skipped = new[] { new SkippedNode { NodeName = "x", Reason = "r" }, new SkippedNode { NodeName = "y", Reason = "r" } };
        Assert.Equal("3 nodes tested, 2 skipped", new EgressTestResult { Samples = samples, SkippedNodes = skipped }.NodeSummary);
        Assert.Equal("1 node tested, 2 skipped", new EgressTestResult { Samples = samples[..1], NodeName = "a", SkippedNodes = skipped }.NodeSummary);
        Assert.Equal("3 nodes", new EgressTestResult { Samples = samples }.NodeSummary);
    }

    [Fact]
    public async Task All_nodes_skips_not_ready_cordoned_windows_virtual_and_gateway_nodes()
    {
        await using var emu = await StartAsync();
        var linux = emu.World.GetNodeNames("standard-lb").ToList();
        var extra = new[] { EmulatorWorld.NodeKind.NotReady, EmulatorWorld.NodeKind.Cordoned, EmulatorWorld.NodeKind.Windows, EmulatorWorld.NodeKind.VirtualKubelet, EmulatorWorld.NodeKind.Gateway }
            .Select(k => emu.World.AddNode("standard-lb", k)).ToList();
        linux.Add(emu.World.AddNode("standard-lb", EmulatorWorld.NodeKind.Linux));
        var expected = emu.World.GetExpectedEgressAddresses("standard-lb").ToArray();
        var ctx = new RecordingContext();
        var r = await (await EngineAsync(emu)).TestEgressIpAsync(
            new TestEgressIpRequest { Kube = Access(emu, "standard-lb"), AllNodes = true, ExpectedIpAddress = expected, TimeoutSeconds = 20 }, ctx);
        Assert.True(r.Succeeded, r.Explanation);
        Assert.Equal(linux.OrderBy(x => x, StringComparer.Ordinal), r.Samples.Select(s => s.NodeName!).OrderBy(x => x, StringComparer.Ordinal));
        Assert.Equal(extra.OrderBy(x => x, StringComparer.Ordinal), r.SkippedNodes.Select(s => s.NodeName).OrderBy(x => x, StringComparer.Ordinal));
        Assert.All(r.SkippedNodes, s => Assert.False(string.IsNullOrWhiteSpace(s.Reason)));
        Assert.Equal("4 nodes tested, 5 skipped", r.NodeSummary);
        Assert.Contains(ctx.Verbose, v => v.StartsWith($"Skipping node {extra[2]}: not a Linux node", StringComparison.Ordinal));
        AssertNoTestPods(emu, "standard-lb");
    }

    [Fact]
    public async Task No_testable_node_is_a_specific_error_listing_each_node_and_why()
    {
        await using var emu = await StartAsync();
        foreach (var n in emu.World.GetNodeNames("natgw")) emu.World.CordonNode("natgw", n);
        var win = emu.World.AddNode("natgw", EmulatorWorld.NodeKind.Windows);
        var e = await Assert.ThrowsAsync<AksEgressException>(async () => await (await EngineAsync(emu)).TestEgressIpAsync(
            new TestEgressIpRequest { Kube = Access(emu, "natgw"), AllNodes = true, TimeoutSeconds = 20 }, new RecordingContext()));
        Assert.Equal(ErrorIds.NoTestableNode, e.ErrorId);
        Assert.Equal(EgressErrorCategory.ResourceUnavailable, e.Category);
        Assert.Contains($"{win}: not a Linux node", e.Message, StringComparison.Ordinal);
        Assert.Contains("cordoned", e.Message, StringComparison.Ordinal);
        Assert.Contains("uncordon", e.RecommendedAction, StringComparison.Ordinal);
        Assert.Empty(Pods(emu, "natgw"));
    }
}
