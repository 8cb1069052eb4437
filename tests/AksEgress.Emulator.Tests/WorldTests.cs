using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Xunit;
using static AksEgress.Emulator.Tests.TestUtil;

namespace AksEgress.Emulator.Tests;

public class WorldTests
{
    [Fact]
    public async Task Frontends_are_released_on_type_change_and_delete()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var k = Kube(emu, "legacy-basic");
        await k.CoreV1.CreateNamespacedServiceAsync(KubernetesTests.LbService("one"), "default");
        await k.CoreV1.CreateNamespacedServiceAsync(KubernetesTests.LbService("two"), "default");
        var one = await Eventually<V1Service>(async () => { var s = await k.CoreV1.ReadNamespacedServiceAsync("one", "default"); return s.Status.LoadBalancer.Ingress is { Count: > 0 } ? s : null; });
        var two = await Eventually<V1Service>(async () => { var s = await k.CoreV1.ReadNamespacedServiceAsync("two", "default"); return s.Status.LoadBalancer.Ingress is { Count: > 0 } ? s : null; });
        var ip1 = one.Status.LoadBalancer.Ingress[0].Ip; var ip2 = two.Status.LoadBalancer.Ingress[0].Ip;
        Assert.Equal(new[] { ip1 }, emu.World.GetExpectedEgressAddresses("legacy-basic"));
        var nrg = emu.World.GetNodeResourceGroup("legacy-basic")!;
        var autoName = "kubernetes-a" + one.Metadata.Uid.Replace("-", "");
        Assert.Equal(ip1, emu.World.GetPublicIpAddress(nrg, autoName));

        // merge patch: LoadBalancer -> ClusterIP releases the first frontend; egress moves to the next one
        var patch = new V1Patch("{\"spec\":{\"type\":\"ClusterIP\"}}", V1Patch.PatchType.MergePatch);
        await k.CoreV1.PatchNamespacedServiceAsync(patch, "one", "default");
        await Eventually<string>(() => Task.FromResult(emu.World.GetPublicIpAddress(nrg, autoName) is null ? "gone" : null));
        Assert.Equal(new[] { ip2 }, emu.World.GetExpectedEgressAddresses("legacy-basic"));
        var svc1 = await k.CoreV1.ReadNamespacedServiceAsync("one", "default");
        Assert.Null(svc1.Status.LoadBalancer.Ingress);
        Assert.Null(svc1.Spec.Ports[0].NodePort);

        // delete with finalizer -> deletionTimestamp, then gone, IP released
        await k.CoreV1.DeleteNamespacedServiceAsync("two", "default");
        await Eventually<string>(() => Task.FromResult(emu.World.GetService("legacy-basic", "default", "two") is null ? "gone" : null));
        Assert.Empty(emu.World.GetExpectedEgressAddresses("legacy-basic"));
        var evs = emu.World.GetEvents("legacy-basic", "default");
        Assert.Contains(evs, e => e["reason"]!.GetValue<string>() == "DeletedLoadBalancer");
    }

    [Fact]
    public async Task Strategic_merge_keeps_other_ports_and_json_patch_works()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var k = Kube(emu, "standard-lb");
        var svc = KubernetesTests.LbService("multi");
        svc.Spec.Type = "ClusterIP";
        svc.Spec.Ports = new List<V1ServicePort> { new() { Name = "http", Port = 80, TargetPort = 8080 }, new() { Name = "https", Port = 443, TargetPort = 8443 } };
        await k.CoreV1.CreateNamespacedServiceAsync(svc, "default");
        var smp = new V1Patch("{\"spec\":{\"ports\":[{\"port\":443,\"targetPort\":9443}]}}", V1Patch.PatchType.StrategicMergePatch);
        var after = await k.CoreV1.PatchNamespacedServiceAsync(smp, "multi", "default");
        Assert.Equal(2, after.Spec.Ports.Count);
        Assert.Equal("8080", after.Spec.Ports.Single(p => p.Port == 80).TargetPort.Value);
        Assert.Equal("9443", after.Spec.Ports.Single(p => p.Port == 443).TargetPort.Value);
        var jp = new V1Patch("[{\"op\":\"add\",\"path\":\"/metadata/labels\",\"value\":{\"tier\":\"web\"}}]", V1Patch.PatchType.JsonPatch);
        after = await k.CoreV1.PatchNamespacedServiceAsync(jp, "multi", "default");
        Assert.Equal("web", after.Metadata.Labels["tier"]);
        var list = await k.CoreV1.ListNamespacedServiceAsync("default", labelSelector: "tier=web");
        Assert.Single(list.Items);
        Assert.Empty((await k.CoreV1.ListNamespacedServiceAsync("default", labelSelector: "tier in (db,cache)")).Items);
    }

    [Fact]
    public async Task Reset_restores_the_default_world()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var k = Kube(emu, "standard-lb");
        await k.CoreV1.CreateNamespacedServiceAsync(KubernetesTests.LbService("tmp"), "default");
        emu.World.AddPublicIp("egress-rg", "tmp-ip");
        emu.Faults.Add(new FaultRule { PathContains = "/nothing", Status = 500, Count = -1 });
        emu.Reset();
        Assert.Null(emu.World.GetService("standard-lb", "default", "tmp"));
        Assert.Null(emu.World.GetPublicIp("egress-rg", "tmp-ip"));
        Assert.Empty(emu.Faults.Rules);
        Assert.Empty(emu.Requests.Entries);
        Assert.Empty((await k.CoreV1.ListNamespacedServiceAsync("default")).Items);   // same port and token still work
        var dump = emu.World.Dump();
        Assert.Equal(6, dump["clusters"]!.AsObject().Count);
        Assert.Contains(dump["publicIPAddresses"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fw-egress-ip");
    }
}
