using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;
using static AksEgress.Emulator.Tests.TestUtil;

namespace AksEgress.Emulator.Tests;

/// <summary>The Static Egress Gateway add-on of the emulator (docs/research/static-egress-gateway-facts.md).</summary>
public class StaticEgressGatewayTests
{
    private const string Group = "egressgateway.kubernetes.azure.com";
    private const string Plural = "staticgatewayconfigurations";

    private static string PoolPath(AksEmulator emu, string pool) => ClusterPath(emu, "standard-lb") + $"/agentPools/{pool}?api-version=2025-10-01";

    private static async Task Enable(AksEmulator emu, HttpClient http, bool enabled)
    {
        var (_, cluster, _) = await Send(http, HttpMethod.Get, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01");
        var body = new JsonObject { ["location"] = "eastus", ["properties"] = new JsonObject { ["networkProfile"] = cluster!["properties"]!["networkProfile"]!.DeepClone() } };
        body["properties"]!["networkProfile"]!["staticEgressGatewayProfile"] = new JsonObject { ["enabled"] = enabled };
        var (st, err, resp) = await Send(http, HttpMethod.Put, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01", body);
        Assert.True(st == 200, err?.ToJsonString());
        Assert.Equal("Succeeded", await CompleteLro(http, resp));
    }

    private static JsonObject Pool(int count, int? size) => new()
    {
        ["properties"] = new JsonObject
        {
            ["mode"] = "Gateway", ["count"] = count, ["vmSize"] = "Standard_D2s_v3",
            ["gatewayProfile"] = size is null ? new JsonObject() : new JsonObject { ["publicIPPrefixSize"] = size },
        },
    };

    private static JsonObject Sgc(string name, string pool) => new()
    {
        ["apiVersion"] = Group + "/v1alpha1", ["kind"] = "StaticGatewayConfiguration",
        ["metadata"] = new JsonObject { ["name"] = name },
        ["spec"] = new JsonObject { ["gatewayNodepoolName"] = pool, ["excludeCidrs"] = new JsonArray("10.0.0.0/8") },
    };

    private static JsonObject Node(object o) => JsonNode.Parse(JsonSerializer.Serialize(o))!.AsObject();

    private static V1Pod Curl(string name, string? gateway, bool hostNetwork = false) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Annotations = gateway is null ? null : new Dictionary<string, string> { ["kubernetes.azure.com/static-gateway-configuration"] = gateway } },
        Spec = new V1PodSpec
        {
            RestartPolicy = "Never", HostNetwork = hostNetwork,
            Containers = new List<V1Container> { new() { Name = "c", Image = "mcr.microsoft.com/azurelinux/base/core:3.0", Command = new List<string> { "curl", "-s", "https://api.ipify.org" } } },
        },
    };

    [Fact]
    public async Task Gateway_pool_rules_are_AKS_errors_and_the_CRD_is_served_only_when_enabled()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        using var kube = Kube(emu, "standard-lb");

        var notServed = await Assert.ThrowsAsync<HttpOperationException>(() => kube.CustomObjects.ListNamespacedCustomObjectAsync(Group, "v1alpha1", "default", Plural));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, notServed.Response.StatusCode);
        var (st, err, _) = await Send(http, HttpMethod.Put, PoolPath(emu, "gw"), Pool(2, 31));
        Assert.Equal(400, st);
        Assert.Equal("StaticEgressGatewayNotEnabled", err!["error"]!["code"]!.GetValue<string>());

        await Enable(emu, http, true);
        var list = Node(await kube.CustomObjects.ListNamespacedCustomObjectAsync(Group, "v1alpha1", "default", Plural));
        Assert.Empty(list["items"]!.AsArray());

        (st, err, _) = await Send(http, HttpMethod.Put, PoolPath(emu, "gw"), Pool(3, 31));
        Assert.Equal(400, st);
        Assert.Equal("StaticEgressGatewayInvalidGatewayNodeCount", err!["error"]!["code"]!.GetValue<string>());
        Assert.Equal("Gateway agentpool gw is configured with invalid node count 3, exceeding max node count 2 according to public IPPrefix size /31 or fewer than 2.", err["error"]!["message"]!.GetValue<string>());
        (st, err, _) = await Send(http, HttpMethod.Put, PoolPath(emu, "gw"), Pool(1, 30));
        Assert.Equal("StaticEgressGatewayInvalidGatewayNodeCount", err!["error"]!["code"]!.GetValue<string>());
        (st, err, _) = await Send(http, HttpMethod.Put, PoolPath(emu, "gw"), Pool(2, 27));
        Assert.Equal(400, st);
        Assert.Contains("publicIPPrefixSize", err!["error"]!["message"]!.GetValue<string>());

        var (created, pool, resp) = await Send(http, HttpMethod.Put, PoolPath(emu, "gw"), Pool(2, null));
        Assert.Equal(201, created);
        Assert.Equal(31, pool!["properties"]!["gatewayProfile"]!["publicIPPrefixSize"]!.GetValue<int>());
        Assert.Equal("Succeeded", await CompleteLro(http, resp));
        var nodes = emu.World.GetGatewayNodeNames("standard-lb");
        Assert.Equal(2, nodes.Count);
        var node = await kube.CoreV1.ReadNodeAsync(nodes[0]);
        Assert.Equal("gateway", node.Metadata.Labels["kubernetes.azure.com/mode"]);
        Assert.Contains(node.Spec.Taints, t => t.Key == "kubernetes.azure.com/mode" && t.Effect == "NoSchedule");

        // Disabling while a gateway pool exists is refused.
        var (_, cluster, _) = await Send(http, HttpMethod.Get, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01");
        var off = new JsonObject { ["location"] = "eastus", ["properties"] = new JsonObject { ["networkProfile"] = new JsonObject { ["staticEgressGatewayProfile"] = new JsonObject { ["enabled"] = false } } } };
        (st, err, _) = await Send(http, HttpMethod.Put, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01", off);
        Assert.Equal(400, st);
        Assert.Equal("StaticEgressGatewayHasGatewayNodePools", err!["error"]!["code"]!.GetValue<string>());
        _ = cluster;
    }

    [Fact]
    public async Task Annotated_pods_egress_from_the_configuration_prefix_and_deletion_drains_the_finalizer()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        using var kube = Kube(emu, "standard-lb");
        await Enable(emu, http, true);
        var (_, _, resp) = await Send(http, HttpMethod.Put, PoolPath(emu, "gw"), Pool(4, 30));
        Assert.Equal("Succeeded", await CompleteLro(http, resp));

        await kube.CustomObjects.CreateNamespacedCustomObjectAsync(Sgc("app-gw", "gw"), Group, "v1alpha1", "default", Plural);
        var ready = await Eventually(async () =>
        {
            var o = Node(await kube.CustomObjects.GetNamespacedCustomObjectAsync(Group, "v1alpha1", "default", Plural, "app-gw"));
            return o["status"]?["egressIpPrefix"] is null ? null : o;
        }, what: "egressIpPrefix");
        var prefix = ready["status"]!["egressIpPrefix"]!.GetValue<string>();
        Assert.EndsWith("/30", prefix);
        Assert.Equal("static-gateway-configuration-controller.microsoft.com", ready["metadata"]!["finalizers"]![0]!.GetValue<string>());
        Assert.Equal("staticEgressGateway", ready["spec"]!["defaultRoute"]!.GetValue<string>());
        Assert.True(ready["spec"]!["provisionPublicIps"]!.GetValue<bool>());
        var inPrefix = emu.World.GetExpectedEgressAddresses("standard-lb");
        var baseAddress = prefix.Split('/')[0];
        var prefixAddresses = Enumerable.Range(0, 4).Select(i => baseAddress[..(baseAddress.LastIndexOf('.') + 1)] + (int.Parse(baseAddress.Split('.')[3], System.Globalization.CultureInfo.InvariantCulture) + i)).ToList();

        await kube.CoreV1.CreateNamespacedPodAsync(Curl("in", "app-gw"), "default");
        await kube.CoreV1.CreateNamespacedPodAsync(Curl("out", null), "default");
        await kube.CoreV1.CreateNamespacedPodAsync(Curl("host", "app-gw", hostNetwork: true), "default");
        await kube.CoreV1.CreateNamespacedPodAsync(Curl("missing", "no-such-gw"), "default");
        string Log(string pod) => emu.World.GetPodLog("standard-lb", "default", pod) ?? "";
        await Eventually(() => Task.FromResult(Log("in").Length > 0 && Log("out").Length > 0 && Log("host").Length > 0 ? "ok" : null), what: "pod logs");
        Assert.Contains(Log("in").Trim(), prefixAddresses);
        Assert.Contains(Log("out").Trim(), inPrefix);
        Assert.DoesNotContain(Log("out").Trim(), prefixAddresses);
        Assert.DoesNotContain(Log("host").Trim(), prefixAddresses);   // hostNetwork pods never reach the CNI
        var sandbox = await Eventually(() => Task.FromResult(emu.World.GetEvents("standard-lb", "default").FirstOrDefault(e => e["reason"]?.GetValue<string>() == "FailedCreatePodSandBox")), what: "FailedCreatePodSandBox");
        Assert.Contains("failed to retrieve StaticGatewayConfiguration default/no-such-gw", sandbox["message"]!.GetValue<string>());
        Assert.Equal("ContainerCreating", emu.World.GetPod("standard-lb", "default", "missing")!["status"]!["containerStatuses"]![0]!["state"]!["waiting"]!["reason"]!.GetValue<string>());

        // Delete: the finalizer holds the object until drained, then it is gone and its prefix released.
        Assert.Equal(1, emu.World.GatewayPrefixCount);
        var deleting = Node(await kube.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, "v1alpha1", "default", Plural, "app-gw"));
        Assert.NotNull(deleting["metadata"]!["deletionTimestamp"]);
        await Eventually(() => Task.FromResult(emu.World.GetGatewayConfiguration("standard-lb", "default", "app-gw") is null ? "gone" : null), what: "configuration deleted");
        Assert.Equal(0, emu.World.GatewayPrefixCount);
    }

    [Fact]
    public async Task Deleting_the_pool_under_a_configuration_leaves_it_stuck_as_the_controller_does()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        using var kube = Kube(emu, "standard-lb");
        await Enable(emu, http, true);
        var (_, _, resp) = await Send(http, HttpMethod.Put, PoolPath(emu, "gw"), Pool(2, 31));
        Assert.Equal("Succeeded", await CompleteLro(http, resp));
        await kube.CustomObjects.CreateNamespacedCustomObjectAsync(Sgc("app-gw", "gw"), Group, "v1alpha1", "default", Plural);
        await Eventually(() => Task.FromResult(emu.World.GetGatewayConfiguration("standard-lb", "default", "app-gw")?["status"]?["egressIpPrefix"]), what: "prefix");

        var (st, _, del) = await Send(http, HttpMethod.Delete, PoolPath(emu, "gw"));
        Assert.Equal(202, st);   // AKS does not block it
        Assert.Equal("Succeeded", await CompleteLro(http, del));
        await Eventually(() => Task.FromResult(emu.World.GetEvents("standard-lb", "default").FirstOrDefault(e => e["reason"]?.GetValue<string>() == "ReconcileGatewayLBConfigurationError")), what: "reconcile error");
        await kube.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, "v1alpha1", "default", Plural, "app-gw");
        await Eventually(() => Task.FromResult(emu.World.GetEvents("standard-lb", "default").FirstOrDefault(e => e["reason"]?.GetValue<string>() == "EnsureDeleteGatewayVMConfigurationError")), what: "stuck delete");
        await Task.Delay(200);
        var stuck = emu.World.GetGatewayConfiguration("standard-lb", "default", "app-gw");
        Assert.NotNull(stuck);   // finalizer never removed: the prefix is orphaned
        Assert.NotNull(stuck!["metadata"]!["deletionTimestamp"]);
        Assert.Equal(1, emu.World.GatewayPrefixCount);
    }
}
