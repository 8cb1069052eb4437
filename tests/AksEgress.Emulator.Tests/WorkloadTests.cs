using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Xunit;
using static AksEgress.Emulator.Tests.TestUtil;

namespace AksEgress.Emulator.Tests;

/// <summary>apps/v1 in the emulator: Deployments, StatefulSets, DaemonSets and the minimal workload controller.</summary>
public class WorkloadTests
{
    private static V1Deployment Deployment(string name, int replicas) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = name } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = name } },
                Spec = new V1PodSpec { Containers = new List<V1Container> { new() { Name = "web", Image = "nginx:1.27" } } },
            },
        },
    };

    private static async Task<V1Deployment> RolledOut(Kubernetes k, string ns, string name)
    {
        V1Deployment? d = null;
        try
        {
            await Eventually(async () =>
            {
                d = await k.AppsV1.ReadNamespacedDeploymentAsync(name, ns);
                var s = d.Status;
                return s?.ObservedGeneration >= d.Metadata.Generation && s.UpdatedReplicas == d.Spec.Replicas && s.Replicas == d.Spec.Replicas && s.AvailableReplicas == d.Spec.Replicas ? d : null;
            }, TimeSpan.FromSeconds(15), "deployment rolled out");
        }
        catch (TimeoutException e) { throw new TimeoutException(e.Message + ": " + KubernetesJson.Serialize(d)); }
        return d!;
    }

    private static List<V1Pod> PodsOf(AksEmulator emu, string cluster, string prefix) =>
        emu.World.Dump()["clusters"]![cluster]!["pods"]!.AsArray().Select(p => k8s.KubernetesJson.Deserialize<V1Pod>(p!.ToJsonString()))
            .Where(p => p.Metadata.Name.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    [Fact]
    public async Task A_template_change_bumps_the_generation_replaces_the_pods_and_the_status_follows()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var k = Kube(emu, "standard-lb");
        var created = await k.AppsV1.CreateNamespacedDeploymentAsync(Deployment("web", 2), "default");
        Assert.Equal(1, created.Metadata.Generation);
        Assert.Equal("RollingUpdate", created.Spec.Strategy.Type);
        var d = await RolledOut(k, "default", "web");
        Assert.Equal(2, d.Status.ReadyReplicas);
        var first = PodsOf(emu, "standard-lb", "web-").Where(p => p.Metadata.DeletionTimestamp is null).ToList();
        Assert.Equal(2, first.Count);
        Assert.All(first, p => Assert.Equal("ReplicaSet", p.Metadata.OwnerReferences.Single().Kind));

        // A strategic merge patch of the template's annotations, as kubectl patch sends it.
        var patch = new V1Patch("""{"spec":{"template":{"metadata":{"annotations":{"example.com/revision":"2"}}}}}""", V1Patch.PatchType.StrategicMergePatch);
        var patched = await k.AppsV1.PatchNamespacedDeploymentAsync(patch, "web", "default");
        Assert.Equal(2, patched.Metadata.Generation);
        Assert.Equal("nginx:1.27", patched.Spec.Template.Spec.Containers.Single().Image);   // containers merged by name, not replaced
        d = await RolledOut(k, "default", "web");
        Assert.Equal(2, d.Status.ObservedGeneration);
        await Eventually(() => Task.FromResult(PodsOf(emu, "standard-lb", "web-").Count == 2 ? "" : null), TimeSpan.FromSeconds(10), "old pods gone");
        var second = PodsOf(emu, "standard-lb", "web-");
        Assert.All(second, p => Assert.Equal("2", p.Metadata.Annotations["example.com/revision"]));
        Assert.Empty(second.Select(p => p.Metadata.Name).Intersect(first.Select(p => p.Metadata.Name)));

        // An annotation-only change of the Deployment's own metadata is not a spec change.
        var meta = await k.AppsV1.PatchNamespacedDeploymentAsync(new V1Patch("""{"metadata":{"labels":{"team":"a"}}}""", V1Patch.PatchType.MergePatch), "web", "default");
        Assert.Equal(2, meta.Metadata.Generation);

        await k.AppsV1.DeleteNamespacedDeploymentAsync("web", "default");
        await Eventually(() => Task.FromResult(PodsOf(emu, "standard-lb", "web-").Count == 0 ? "" : null), TimeSpan.FromSeconds(10), "pods deleted with the deployment");
    }

    [Fact]
    public async Task StatefulSets_and_DaemonSets_roll_out_and_report_it()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var k = Kube(emu, "standard-lb");
        var labels = new Dictionary<string, string> { ["app"] = "db" };
        var template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = labels }, Spec = new V1PodSpec { Containers = new List<V1Container> { new() { Name = "db", Image = "postgres:17" } } } };
        await k.AppsV1.CreateNamespacedStatefulSetAsync(new V1StatefulSet { Metadata = new V1ObjectMeta { Name = "db" }, Spec = new V1StatefulSetSpec { Replicas = 2, ServiceName = "db", Selector = new V1LabelSelector { MatchLabels = labels }, Template = template } }, "default");
        var sts = await Eventually(async () => { var s = await k.AppsV1.ReadNamespacedStatefulSetAsync("db", "default"); return s.Status?.ReadyReplicas == 2 && s.Status.CurrentRevision == s.Status.UpdateRevision ? s : null; }, TimeSpan.FromSeconds(15), "statefulset ready");
        Assert.NotNull(emu.World.GetPod("standard-lb", "default", "db-0"));
        Assert.NotNull(emu.World.GetPod("standard-lb", "default", "db-1"));
        var before = sts.Status.UpdateRevision;
        await k.AppsV1.PatchNamespacedStatefulSetAsync(new V1Patch("""{"spec":{"template":{"metadata":{"annotations":{"x":"1"}}}}}""", V1Patch.PatchType.StrategicMergePatch), "db", "default");
        sts = await Eventually(async () => { var s = await k.AppsV1.ReadNamespacedStatefulSetAsync("db", "default"); return s.Status?.ObservedGeneration == 2 && s.Status.ReadyReplicas == 2 && s.Status.UpdatedReplicas == 2 && s.Status.CurrentRevision == s.Status.UpdateRevision ? s : null; }, TimeSpan.FromSeconds(15), "statefulset rolled");
        Assert.NotEqual(before, sts.Status.UpdateRevision);
        Assert.Equal("1", emu.World.GetPod("standard-lb", "default", "db-0")!["metadata"]!["annotations"]!["x"]!.GetValue<string>());

        var dsLabels = new Dictionary<string, string> { ["app"] = "agent" };
        await k.AppsV1.CreateNamespacedDaemonSetAsync(new V1DaemonSet { Metadata = new V1ObjectMeta { Name = "agent" }, Spec = new V1DaemonSetSpec { Selector = new V1LabelSelector { MatchLabels = dsLabels }, Template = new V1PodTemplateSpec { Metadata = new V1ObjectMeta { Labels = dsLabels }, Spec = new V1PodSpec { Containers = new List<V1Container> { new() { Name = "a", Image = "busybox:1.36" } } } } } }, "default");
        var nodes = emu.World.GetNodeNames("standard-lb").Count;
        var ds = await Eventually(async () => { var s = await k.AppsV1.ReadNamespacedDaemonSetAsync("agent", "default"); return s.Status?.NumberReady == nodes && s.Status.DesiredNumberScheduled == nodes ? s : null; }, TimeSpan.FromSeconds(15), "daemonset ready");
        Assert.Equal(nodes, ds.Status.UpdatedNumberScheduled);
        Assert.Equal(nodes, PodsOf(emu, "standard-lb", "agent-").Select(p => p.Spec.NodeName).Distinct().Count());
    }

    [Fact]
    public async Task A_selector_that_does_not_match_the_template_is_invalid()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var k = Kube(emu, "standard-lb");
        var bad = Deployment("web", 1);
        bad.Spec.Template.Metadata.Labels["app"] = "other";
        var e = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => k.AppsV1.CreateNamespacedDeploymentAsync(bad, "default"));
        Assert.Equal(422, (int)e.Response.StatusCode);
        Assert.Contains("`selector` does not match template `labels`", e.Response.Content);
    }

    [KubectlFact]
    public async Task Kubectl_rollout_status_follows_a_deployment_rollout()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        var kc = emu.GetKubeconfigPath("standard-lb");
        using var cache = new TempFolder();
        Task<(int Code, string Out, string Err)> Kubectl(params string[] args) =>
            Run(TimeSpan.FromSeconds(30), KubectlFactAttribute.KubectlPath!, new[] { "--kubeconfig", kc, "--cache-dir", cache, "--request-timeout", "20s" }.Concat(args).ToArray());
        var yaml = Path.Combine(cache, "web.yaml");
        await File.WriteAllTextAsync(yaml, "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n");
        var r = await Kubectl("create", "-f", yaml, "--validate=false");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("deployment.apps/web created", r.Out.Trim());
        r = await Kubectl("rollout", "status", "deploy/web", "--timeout=20s");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("deployment \"web\" successfully rolled out", r.Out);
        r = await Kubectl("patch", "deployment", "web", "-p", """{"spec":{"template":{"metadata":{"annotations":{"example.com/revision":"2"}}}}}""");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("deployment.apps/web patched", r.Out);
        r = await Kubectl("rollout", "status", "deploy/web", "--timeout=20s");
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("successfully rolled out", r.Out);
        r = await Kubectl("get", "deploy", "web", "-o", "jsonpath={.metadata.generation}/{.status.observedGeneration}/{.status.updatedReplicas}");
        Assert.Equal("2/2/2", r.Out);
    }
}
