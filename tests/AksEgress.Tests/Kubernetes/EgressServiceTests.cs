using System.Diagnostics;
using AksEgress.Engine;
using AksEgress.Models;
using k8s;
using k8s.Models;
using Xunit;
using static AksEgress.Tests.KubeTestSupport;

namespace AksEgress.Tests.Kubernetes;

public class EgressServiceTests
{
    [Fact]
    public async Task Creates_service_waits_for_ip_then_unchanged_without_write()
    {
        // The load balancer takes 2 s here, so the first list does not show the IP yet (on a loaded machine 50 ms could
        // pass before the list): the engine must open a watch and wait on it.
        await using var emu = await StartAsync(lbDelay: 2000);
        var nodeRg = emu.World.GetNodeResourceGroup("legacy-basic")!;
        var ip = emu.World.AddPublicIp(nodeRg, "egress-ip");
        var engine = await EngineAsync(emu);
        var ctx = new RecordingContext();
        var access = Access(emu, "legacy-basic", withInfo: true);

        var svc = await engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = access }, ctx);
        Assert.NotNull(svc);
        Assert.Equal("Created", svc.Action);
        Assert.Equal(ip, svc.IngressIpAddress);
        Assert.True(svc.DecidesEgress);
        Assert.Equal("Basic", svc.LoadBalancerSku);
        Assert.Equal(ip, svc.Annotations["service.beta.kubernetes.io/azure-load-balancer-ipv4"]);
        Assert.False(svc.Annotations.ContainsKey("service.beta.kubernetes.io/azure-load-balancer-resource-group"));
        Assert.StartsWith("https://127.0.0.1:", svc.KubernetesServer);
        Assert.Single(ctx.ShouldProcessCalls);
        Assert.Contains(ctx.ShouldProcessCalls, c => c.Action.Contains("Create LoadBalancer Service for egress IP " + ip));
        Assert.Contains(ctx.Progress, p => p.Activity == $"Waiting for load balancer IP {ip} on default/aks-egress");
        Assert.Contains(emu.Requests.Entries, r => r.Target == "k8s:legacy-basic" && r.Method == "GET" && r.PathAndQuery.Contains("watch=true") && r.PathAndQuery.Contains("services"));
        var live = emu.World.GetService("legacy-basic", "default", "aks-egress")!;
        Assert.Null(live["spec"]!["loadBalancerIP"]);
        Assert.Null(live["spec"]!["selector"]);

        var writes = K8sWrites(emu, "legacy-basic");
        var ctx2 = new RecordingContext();
        var again = await engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = access }, ctx2);
        Assert.NotNull(again);
        Assert.Equal("Unchanged", again.Action);
        Assert.Equal(ip, again.IngressIpAddress);
        Assert.Equal(writes, K8sWrites(emu, "legacy-basic"));
        Assert.Empty(ctx2.ShouldProcessCalls);

        // the Basic-LB egress test now sees the Service IP
        var test = await engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = access, ExpectedIpAddress = new[] { ip } }, new RecordingContext());
        Assert.True(test.Succeeded, test.Explanation);
        Assert.Equal(ip, test.ObservedIpAddress);
        AssertNoTestPods(emu, "legacy-basic");
    }

    [Fact]
    public async Task Standard_lb_warns_that_the_service_ip_is_inbound_only()
    {
        await using var emu = await StartAsync();
        var ip = emu.World.AddPublicIp(emu.World.GetNodeResourceGroup("standard-lb")!, "egress-ip");
        var ctx = new RecordingContext();
        var svc = await (await EngineAsync(emu)).SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = Access(emu, "standard-lb", withInfo: true) }, ctx);
        Assert.NotNull(svc);
        Assert.False(svc.DecidesEgress);
        Assert.Contains("pin them with Set-AksOutboundIp", svc.EgressNote);
        Assert.Contains(svc.EgressNote, ctx.Warnings);
    }

    [Fact]
    public async Task Kubeconfig_only_on_a_basic_cluster_says_unknown_not_false()
    {
        // issue 14, item 7: with a kubeconfig only the module cannot know the SKU; on this Basic cluster the Service IP does
        // decide egress, so "False" was wrong. Unknown is null, with the reason.
        await using var emu = await StartAsync();
        var ip = emu.World.AddPublicIp(emu.World.GetNodeResourceGroup("legacy-basic")!, "egress-ip");
        var ctx = new RecordingContext();
        var svc = await (await EngineAsync(emu)).SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = Access(emu, "legacy-basic") }, ctx);
        Assert.NotNull(svc);
        Assert.Null(svc.EgressDecidedBy);
        Assert.Null(svc.DecidesEgress);
        Assert.Equal(AksEgress.Engine.EgressConfig.EgressTexts.DecidesEgressUnknownCluster, svc.DecidesEgressReason);
        Assert.Contains("-ClusterId", svc.DecidesEgressReason);
        Assert.Contains("On a Basic load balancer cluster the first LoadBalancer Service's IP decides egress", svc.EgressNote);
        Assert.DoesNotContain("-ResourceGroupName", svc.EgressNote);
        Assert.Contains(svc.EgressNote, ctx.Warnings);
    }

    [Theory]
    [InlineData("Basic", "loadBalancer", true)]
    [InlineData("Standard", "loadBalancer", false)]
    [InlineData("Standard", "managedNATGateway", false)]
    [InlineData("Standard", "userDefinedRouting", false)]
    [InlineData("Standard", "none", false)]
    [InlineData("Standard", "block", false)]
    [InlineData("Standard", "someFutureType", null)]
    public void Decides_egress_is_known_only_where_the_decider_is(string sku, string outboundType, bool? expected)
    {
        var info = new AksNodeResourceGroup { ClusterName = "c", LoadBalancerSku = sku, OutboundType = outboundType };
        var (decides, reason, note) = AksEgress.Engine.EgressConfig.EgressTexts.ServiceNote(info, "default/aks-egress", "203.0.113.9");
        Assert.Equal(expected, decides);
        Assert.Equal(expected is null, reason is not null);
        Assert.False(string.IsNullOrWhiteSpace(note));
        Assert.Null(AksEgress.Engine.EgressConfig.EgressTexts.ServiceNote(null, "default/aks-egress", "203.0.113.9").Decides);
    }

    // ---------------------------------------------------------------- issue 14, item 17: the pending Service of a failed call

    private const string MissingIp = "203.0.113.250";   // no public IP has this address: the cloud provider fails the sync

    /// <summary>Deleted: gone, or terminating while the cloud provider's finalizer releases the load balancer frontend.</summary>
    private static void AssertServiceDeleted(AksEgress.Emulator.AksEmulator emu)
    {
        var live = emu.World.GetService("legacy-basic", "default", "aks-egress");
        Assert.True(live is null || live["metadata"]?["deletionTimestamp"] is not null, "the Service is still there and not being deleted");
        Assert.Equal(1, emu.Requests.Count(r => r.Target == "k8s:legacy-basic" && r.Method == "DELETE"));
    }

    [Fact]
    public async Task A_failed_load_balancer_leaves_the_new_service_and_the_error_says_so_and_how_to_remove_it()
    {
        await using var emu = await StartAsync();
        var ex = await Assert.ThrowsAsync<AksEgressException>(async () => await (await EngineAsync(emu)).SetEgressServiceAsync(
            new SetEgressServiceRequest { IpAddress = MissingIp, Kube = Access(emu, "legacy-basic"), TimeoutSeconds = 60 }, new RecordingContext()));
        Assert.Equal(ErrorIds.LoadBalancerSyncFailed, ex.ErrorId);
        Assert.Contains("cannot find public IP with IP address " + MissingIp, ex.Message);
        Assert.Contains("The pending LoadBalancer Service default/aks-egress this call created was left in place", ex.Message);
        Assert.Contains("Remove it with: Remove-AksEgressService -Name aks-egress -Namespace default", ex.RecommendedAction);
        Assert.Contains("-Cleanup", ex.RecommendedAction);
        Assert.DoesNotContain("..", ex.Message);
        Assert.NotNull(emu.World.GetService("legacy-basic", "default", "aks-egress"));
    }

    [Fact]
    public async Task Cleanup_removes_the_service_it_created_when_the_load_balancer_fails()
    {
        await using var emu = await StartAsync();
        var ctx = new RecordingContext();
        var ex = await Assert.ThrowsAsync<AksEgressException>(async () => await (await EngineAsync(emu)).SetEgressServiceAsync(
            new SetEgressServiceRequest { IpAddress = MissingIp, Kube = Access(emu, "legacy-basic"), TimeoutSeconds = 60, Cleanup = true }, ctx));
        Assert.Equal(ErrorIds.LoadBalancerSyncFailed, ex.ErrorId);
        Assert.Contains("-Cleanup removed the Service default/aks-egress this call had created", ex.Message);
        Assert.DoesNotContain("Remove-AksEgressService", ex.RecommendedAction);
        AssertServiceDeleted(emu);
        Assert.Contains("Removed Service default/aks-egress (-Cleanup).", ctx.Verbose);
    }

    [Fact]
    public async Task Cleanup_removes_the_service_it_created_when_the_wait_times_out()
    {
        await using var emu = await StartAsync(lbDelay: 10_000);
        var ip = emu.World.AddPublicIp(emu.World.GetNodeResourceGroup("legacy-basic")!, "egress-ip");
        var ex = await Assert.ThrowsAsync<AksEgressException>(async () => await (await EngineAsync(emu)).SetEgressServiceAsync(
            new SetEgressServiceRequest { IpAddress = ip, Kube = Access(emu, "legacy-basic"), TimeoutSeconds = 2, Cleanup = true }, new RecordingContext()));
        Assert.Equal(ErrorIds.LoadBalancerTimeout, ex.ErrorId);
        Assert.Contains("-Cleanup removed the Service default/aks-egress", ex.Message);
        AssertServiceDeleted(emu);
    }

    [Fact]
    public async Task Cleanup_never_removes_a_service_that_existed_before_the_call()
    {
        await using var emu = await StartAsync();
        var ip = emu.World.AddPublicIp(emu.World.GetNodeResourceGroup("legacy-basic")!, "egress-ip");
        var engine = await EngineAsync(emu);
        var access = Access(emu, "legacy-basic");
        await engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = access, TimeoutSeconds = 30 }, new RecordingContext());
        var uid = (string?)emu.World.GetService("legacy-basic", "default", "aks-egress")!["metadata"]!["uid"];

        var ex = await Assert.ThrowsAsync<AksEgressException>(async () => await engine.SetEgressServiceAsync(
            new SetEgressServiceRequest { IpAddress = MissingIp, Kube = access, TimeoutSeconds = 60, Cleanup = true }, new RecordingContext()));
        Assert.Equal(ErrorIds.LoadBalancerSyncFailed, ex.ErrorId);
        Assert.Contains("existed before this call, so -Cleanup left it", ex.Message);
        var live = emu.World.GetService("legacy-basic", "default", "aks-egress");
        Assert.NotNull(live);
        Assert.Equal(uid, (string?)live!["metadata"]!["uid"]);
        Assert.Null(live["metadata"]!["deletionTimestamp"]);
        Assert.Equal(0, emu.Requests.Count(r => r.Target == "k8s:legacy-basic" && r.Method == "DELETE"));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Stopping_the_wait_removes_the_new_service_only_with_cleanup(bool cleanup)
    {
        await using var emu = await StartAsync(lbDelay: 30_000);
        var ip = emu.World.AddPublicIp(emu.World.GetNodeResourceGroup("legacy-basic")!, "egress-ip");
        var engine = await EngineAsync(emu);
        using var cts = new CancellationTokenSource();
        var ctx = new RecordingContext(token: cts.Token);
        var task = engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = Access(emu, "legacy-basic"), TimeoutSeconds = 60, Cleanup = cleanup }, ctx);
        var sw = Stopwatch.StartNew();
        while (emu.World.GetService("legacy-basic", "default", "aks-egress") is null && sw.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        Assert.NotNull(emu.World.GetService("legacy-basic", "default", "aks-egress"));
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        if (cleanup)
        {
            AssertServiceDeleted(emu);
            Assert.DoesNotContain(ctx.Warnings, w => w.Contains("default/aks-egress", StringComparison.Ordinal));
        }
        else
        {
            Assert.NotNull(emu.World.GetService("legacy-basic", "default", "aks-egress"));
            Assert.Contains(ctx.Warnings, w => w.Contains("default/aks-egress this call created was left in place", StringComparison.Ordinal)
                && w.Contains("Remove-AksEgressService -Name aks-egress -Namespace default", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task Whatif_returns_null_and_writes_nothing()
    {
        await using var emu = await StartAsync();
        var ip = emu.World.AddPublicIp(emu.World.GetNodeResourceGroup("legacy-basic")!, "egress-ip");
        var ctx = new RecordingContext(approve: false);
        var r = await (await EngineAsync(emu)).SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = Access(emu, "legacy-basic") }, ctx);
        Assert.Null(r);
        Assert.Equal(0, K8sWrites(emu, "legacy-basic"));
        Assert.Null(emu.World.GetService("legacy-basic", "default", "aks-egress"));
    }

    [Fact]
    public async Task Nonexistent_ip_fails_fast_quoting_the_event()
    {
        await using var emu = await StartAsync();
        var sw = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<AksEgressException>(async () => await (await EngineAsync(emu)).SetEgressServiceAsync(
            new SetEgressServiceRequest { IpAddress = "203.0.113.250", Kube = Access(emu, "legacy-basic"), TimeoutSeconds = 60 }, new RecordingContext()));
        Assert.Equal(ErrorIds.LoadBalancerSyncFailed, ex.ErrorId);
        Assert.Contains("cannot find public IP with IP address 203.0.113.250", ex.Message);
        Assert.NotNull(ex.RecommendedAction);
        Assert.Equal("default/aks-egress", ex.TargetObject);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(15), sw.Elapsed.ToString());
    }

    [Fact]
    public async Task Ip_in_another_resource_group_gets_the_annotation()
    {
        await using var emu = await StartAsync();
        var ip = emu.World.AddPublicIp("egress-rg", "byo-ip");
        var id = emu.World.GetPublicIpId("egress-rg", "byo-ip");
        var svc = await (await EngineAsync(emu)).SetEgressServiceAsync(
            new SetEgressServiceRequest { IpAddress = ip, PublicIpId = id, Kube = Access(emu, "standard-lb", withInfo: true) }, new RecordingContext());
        Assert.NotNull(svc);
        Assert.Equal("egress-rg", svc.Annotations["service.beta.kubernetes.io/azure-load-balancer-resource-group"]);
        Assert.Equal("egress-rg", svc.PublicIpResourceGroupName);
        Assert.Equal(ip, svc.IngressIpAddress);
    }

    [Fact]
    public async Task Ip_in_another_subscription_is_refused_before_any_service_is_created()
    {
        await using var emu = await StartAsync();
        var ip = emu.World.AddPublicIp("egress-rg", "other-sub-ip");
        const string otherSub = "11111111-2222-3333-4444-555555555555";
        var id = $"/subscriptions/{otherSub}/resourceGroups/egress-rg/providers/Microsoft.Network/publicIPAddresses/other-sub-ip";
        var ex = await Assert.ThrowsAsync<AksEgressException>(async () => await (await EngineAsync(emu)).SetEgressServiceAsync(
            new SetEgressServiceRequest { IpAddress = ip, PublicIpId = id, Kube = Access(emu, "standard-lb", withInfo: true), TimeoutSeconds = 60 }, new RecordingContext()));
        Assert.Equal(ErrorIds.PublicIpConflict, ex.ErrorId);
        Assert.Contains(otherSub, ex.Message);
        Assert.Contains("cluster's own subscription", ex.Message);
        Assert.Null(emu.World.GetService("standard-lb", "default", "aksegress-egress"));
    }

    [Fact]
    public async Task Missing_network_contributor_names_identity_and_fix()
    {
        await using var emu = await StartAsync();
        var ip = emu.World.AddPublicIp("noperm-rg", "np-ip");
        var info = Info(emu, "standard-lb");
        var ex = await Assert.ThrowsAsync<AksEgressException>(async () => await (await EngineAsync(emu)).SetEgressServiceAsync(
            new SetEgressServiceRequest { IpAddress = ip, PublicIpId = emu.World.GetPublicIpId("noperm-rg", "np-ip"), Kube = Access(emu, "standard-lb", withInfo: true), TimeoutSeconds = 60 }, new RecordingContext()));
        Assert.Equal(ErrorIds.LoadBalancerSyncFailed, ex.ErrorId);
        Assert.Equal(EgressErrorCategory.PermissionDenied, ex.Category);
        Assert.Contains($"New-AzRoleAssignment -ObjectId {info.IdentityPrincipalId} -RoleDefinitionName 'Network Contributor' -Scope /subscriptions/{emu.SubscriptionId}/resourceGroups/noperm-rg", ex.RecommendedAction);
    }

    [Fact]
    public async Task Foreign_service_is_refused_unless_force()
    {
        await using var emu = await StartAsync();
        var ip = emu.World.AddPublicIp(emu.World.GetNodeResourceGroup("legacy-basic")!, "egress-ip");
        var access = Access(emu, "legacy-basic");
        using var k = new k8s.Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(access.KubeConfigPath));
        await k.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "aks-egress" },
            Spec = new V1ServiceSpec { Ports = new List<V1ServicePort> { new() { Port = 80, TargetPort = 80 } }, Selector = new Dictionary<string, string> { ["app"] = "web" } },
        }, "default");
        var engine = await EngineAsync(emu);
        var ex = await Assert.ThrowsAsync<AksEgressException>(() => engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = access }, new RecordingContext()));
        Assert.Equal(ErrorIds.ServiceNotOwned, ex.ErrorId);
        Assert.Equal(EgressErrorCategory.ResourceExists, ex.Category);
        var rm = await Assert.ThrowsAsync<AksEgressException>(() => engine.RemoveEgressServiceAsync(new RemoveEgressServiceRequest { Kube = access }, new RecordingContext()));
        Assert.Equal(ErrorIds.ServiceNotOwned, rm.ErrorId);

        var taken = await engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = access, Force = true }, new RecordingContext());
        Assert.NotNull(taken);
        Assert.Equal("Updated", taken.Action);
        Assert.Equal(ip, taken.IngressIpAddress);
        var live = await k.CoreV1.ReadNamespacedServiceAsync("aks-egress", "default");
        Assert.Null(live.Spec.Selector);
        Assert.Equal("LoadBalancer", live.Spec.Type);
        Assert.Equal("AksEgress", live.Metadata.Labels["app.kubernetes.io/managed-by"]);

        Assert.True(await engine.RemoveEgressServiceAsync(new RemoveEgressServiceRequest { Kube = access }, new RecordingContext()));
        // straight away (the cleanup finalizer may still hold it) and later: nothing left to remove, no second DELETE
        Assert.False(await engine.RemoveEgressServiceAsync(new RemoveEgressServiceRequest { Kube = access }, new RecordingContext()));
        await Task.Delay(300);
        Assert.False(await engine.RemoveEgressServiceAsync(new RemoveEgressServiceRequest { Kube = access }, new RecordingContext()));
        Assert.Equal(1, emu.Requests.Count(r => r.Method == "DELETE" && r.PathAndQuery.Contains("/services/aks-egress")));
    }

    [Fact]
    public async Task Watch_survives_drop_and_gone()
    {
        await using var emu = await StartAsync(lbDelay: 600);
        emu.Faults.Add(new AksEgress.Emulator.FaultRule { Target = "legacy-basic", PathContains = "watch=true", WatchOutcome = "drop-after-1", Count = 1 });
        emu.Faults.Add(new AksEgress.Emulator.FaultRule { Target = "legacy-basic", PathContains = "watch=true", WatchOutcome = "gone", Count = 1 });
        var ip = emu.World.AddPublicIp(emu.World.GetNodeResourceGroup("legacy-basic")!, "egress-ip");
        var svc = await (await EngineAsync(emu)).SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = Access(emu, "legacy-basic"), TimeoutSeconds = 30 }, new RecordingContext());
        Assert.NotNull(svc);
        Assert.Equal(ip, svc.IngressIpAddress);
    }

    [Fact]
    public async Task Timeout_reports_load_balancer_timeout()
    {
        await using var emu = await StartAsync(lbDelay: 10_000);
        var ip = emu.World.AddPublicIp(emu.World.GetNodeResourceGroup("legacy-basic")!, "egress-ip");
        var ex = await Assert.ThrowsAsync<AksEgressException>(async () => await (await EngineAsync(emu)).SetEgressServiceAsync(
            new SetEgressServiceRequest { IpAddress = ip, Kube = Access(emu, "legacy-basic"), TimeoutSeconds = 2 }, new RecordingContext()));
        Assert.Equal(ErrorIds.LoadBalancerTimeout, ex.ErrorId);
        Assert.Equal(EgressErrorCategory.OperationTimeout, ex.Category);
    }

    [Fact]
    public async Task Debug_lines_redact_the_bearer_token()
    {
        await using var emu = await StartAsync();
        var access = Access(emu, "legacy-basic");
        var token = File.ReadAllLines(access.KubeConfigPath!).Select(l => l.Trim()).First(l => l.StartsWith("token:", StringComparison.Ordinal))["token:".Length..].Trim();
        var ctx = new RecordingContext();
        Assert.False(await (await EngineAsync(emu)).RemoveEgressServiceAsync(new RemoveEgressServiceRequest { Kube = access }, ctx));
        Assert.Contains(ctx.Debug, d => d.Contains("GET https://127.0.0.1") && d.Contains("/api/v1/namespaces/default/services/aks-egress"));
        Assert.Contains(ctx.Debug, d => d.Contains("Authorization: ***REDACTED***"));
        Assert.Contains(ctx.Debug, d => d.StartsWith("Kubernetes response: 404", StringComparison.Ordinal) && d.Contains(" ms)"));
        Assert.DoesNotContain(ctx.Debug, d => d.Contains(token));
    }

    [Fact]
    public async Task Forbidden_names_verb_and_resource()
    {
        await using var emu = await StartAsync();
        var ip = emu.World.AddPublicIp(emu.World.GetNodeResourceGroup("legacy-basic")!, "egress-ip");
        emu.Faults.Add(new AksEgress.Emulator.FaultRule
        {
            Target = "legacy-basic", Method = "POST", PathContains = "/services", Status = 403,
            Body = "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"services is forbidden: User \\\"alice\\\" cannot create resource \\\"services\\\" in API group \\\"\\\" in the namespace \\\"default\\\"\",\"reason\":\"Forbidden\",\"details\":{\"kind\":\"services\"},\"code\":403}",
        });
        var ex = await Assert.ThrowsAsync<AksEgressException>(async () => await (await EngineAsync(emu)).SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip, Kube = Access(emu, "legacy-basic") }, new RecordingContext()));
        Assert.Equal(ErrorIds.KubernetesForbidden, ex.ErrorId);
        Assert.Equal(EgressErrorCategory.PermissionDenied, ex.Category);
        Assert.Contains("cannot create resource \"services\"", ex.Message);
        Assert.Contains("kubectl auth can-i create services -n default", ex.RecommendedAction);
        Assert.Equal(403, ex.HttpStatus);
    }
}
