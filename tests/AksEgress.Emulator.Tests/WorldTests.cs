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

    private static V1Pod Hardened(string name, string image, string uri, int deadline, Dictionary<string, string>? nodeSelector = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "AksEgress" } },
        Spec = new V1PodSpec
        {
            RestartPolicy = "Never", AutomountServiceAccountToken = false, EnableServiceLinks = false, ActiveDeadlineSeconds = deadline, TerminationGracePeriodSeconds = 0,
            NodeSelector = nodeSelector ?? new Dictionary<string, string> { ["kubernetes.io/os"] = "linux" },
            SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, RunAsUser = 65534, RunAsGroup = 65534, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
            Containers = new List<V1Container>
            {
                new()
                {
                    Name = "check", Image = image, ImagePullPolicy = "IfNotPresent", Command = new List<string> { "curl", "-sS", "--max-time", "10", uri },
                    SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false, ReadOnlyRootFilesystem = true, Privileged = false, RunAsNonRoot = true, Capabilities = new V1Capabilities { Drop = new List<string> { "ALL" } } },
                    Resources = new V1ResourceRequirements
                    {
                        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("16Mi") },
                        Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("64Mi") },
                    },
                },
            },
        },
    };

    [Fact]
    public async Task Hardened_probe_pod_in_restricted_namespace_deadline_and_node_selector()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var k = Kube(emu, "standard-lb");
        await k.CoreV1.CreateNamespacedPodAsync(Hardened("aksegress-ok", "curlimages/curl:8.11.1", "https://api.ipify.org?format=json", 60), "restricted-ns");
        var pod = await Eventually<V1Pod>(async () => { var p = await k.CoreV1.ReadNamespacedPodAsync("aksegress-ok", "restricted-ns"); return p.Status.Phase == "Succeeded" ? p : null; });
        Assert.Equal("Burstable", pod.Status.QosClass);
        Assert.Equal("Completed", pod.Status.ContainerStatuses[0].State.Terminated.Reason);
        using (var s = await k.CoreV1.ReadNamespacedPodLogAsync("aksegress-ok", "restricted-ns", container: "check", limitBytes: 65536))
            Assert.Equal($"{{\"ip\":\"{emu.World.GetExpectedEgressAddresses("standard-lb")[0]}\"}}", await new StreamReader(s).ReadToEndAsync());

        await k.CoreV1.CreateNamespacedPodAsync(Hardened("aksegress-pull", "invalid.example/curl:1", "https://api.ipify.org", 1), "restricted-ns");
        pod = await Eventually<V1Pod>(async () => { var p = await k.CoreV1.ReadNamespacedPodAsync("aksegress-pull", "restricted-ns"); return p.Status.Phase == "Failed" ? p : null; });
        Assert.Equal("DeadlineExceeded", pod.Status.Reason);

        await k.CoreV1.CreateNamespacedPodAsync(Hardened("aksegress-win", "curlimages/curl:8.11.1", "https://api.ipify.org", 60, new() { ["kubernetes.io/os"] = "windows" }), "restricted-ns");
        var ev = await Eventually<Corev1Event>(async () => (await k.CoreV1.ListNamespacedEventAsync("restricted-ns", fieldSelector: "involvedObject.name=aksegress-win,reason=FailedScheduling")).Items.FirstOrDefault());
        Assert.Contains("didn't match Pod's node affinity/selector", ev.Message);

        await k.CoreV1.DeleteNamespacedPodAsync("aksegress-ok", "restricted-ns", gracePeriodSeconds: 0);
        Assert.Null(emu.World.GetPod("standard-lb", "restricted-ns", "aksegress-ok"));
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
        Assert.Equal(9, dump["clusters"]!.AsObject().Count);   // demo-rg's six and the three egress-path clusters of paths-rg
        Assert.Contains(dump["publicIPAddresses"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "fw-egress-ip");
    }
}
