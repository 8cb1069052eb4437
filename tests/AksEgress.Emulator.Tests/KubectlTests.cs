using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using Xunit;
using static AksEgress.Emulator.Tests.TestUtil;

namespace AksEgress.Emulator.Tests;

public class KubectlTests
{
    private static Task<(int Code, string Out, string Err)> Kubectl(string kubeconfig, string cacheDir, params string[] args) =>
        Run(KubectlFactAttribute.KubectlPath!, new[] { "--kubeconfig", kubeconfig, "--cache-dir", cacheDir, "--request-timeout", "20s" }.Concat(args).ToArray());

    [KubectlFact]
    public async Task Kubectl_get_apply_run_logs_delete()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        var kc = emu.GetKubeconfigPath("legacy-basic");
        using var cache = new TempFolder();

        var r = await Kubectl(kc, cache, "get", "svc", "-o", "json");
        Assert.True(r.Code == 0, r.Err);
        Assert.Empty(JsonNode.Parse(r.Out)!["items"]!.AsArray());

        var yaml = Path.Combine(cache, "svc.yaml");
        await File.WriteAllTextAsync(yaml, "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: LoadBalancer\n  selector:\n    app: web\n  ports:\n  - port: 80\n    targetPort: 8080\n");
        r = await Kubectl(kc, cache, "apply", "-f", yaml, "--validate=false");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("service/web created", r.Out.Trim());
        await File.WriteAllTextAsync(yaml, (await File.ReadAllTextAsync(yaml)).Replace("targetPort: 8080", "targetPort: 8081"));
        r = await Kubectl(kc, cache, "apply", "-f", yaml, "--validate=false");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("service/web configured", r.Out.Trim());
        Assert.Equal(8081, emu.World.GetService("legacy-basic", "default", "web")!["spec"]!["ports"]![0]!["targetPort"]!.GetValue<int>());
        var svc = await Eventually<JsonObject>(() => Task.FromResult(emu.World.GetService("legacy-basic", "default", "web") is { } s && s["status"]!["loadBalancer"]!["ingress"] is not null ? s : null));
        var lbIp = svc["status"]!["loadBalancer"]!["ingress"]![0]!["ip"]!.GetValue<string>();

        r = await Kubectl(kc, cache, "get", "svc", "web", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}");
        Assert.Equal(lbIp, r.Out);

        r = await Kubectl(kc, cache, "run", "probe", "--image=curlimages/curl", "--", "curl", "-s", "checkip.dyndns.org");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("pod/probe created", r.Out.Trim());
        await Eventually<string>(() => Task.FromResult(emu.World.GetPodLog("legacy-basic", "default", "probe")));
        r = await Kubectl(kc, cache, "logs", "probe");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal($"<html><head><title>Current IP Check</title></head><body>Current IP Address: {lbIp}</body></html>\r\n", r.Out);

        try { r = await Kubectl(kc, cache, "delete", "pod", "probe", "-v=6"); }
        catch (TimeoutException te)
        {
            throw new TimeoutException(te.Message + "\nrequests:\n" + string.Join("\n", emu.Requests.Entries.Select(e => $"{e.Timestamp:HH:mm:ss.fff} {e.Method} {e.PathAndQuery} {e.Status}")) + "\npod: " + emu.World.GetPod("legacy-basic", "default", "probe")?.ToJsonString());
        }
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("pod \"probe\" deleted", r.Out.Trim());
        Assert.Null(emu.World.GetPod("legacy-basic", "default", "probe"));

        r = await Kubectl(kc, cache, "get", "svc", "nope");
        Assert.NotEqual(0, r.Code);
        Assert.Contains("Error from server (NotFound): services \"nope\" not found", r.Err);
    }

    /// <summary>kubectl wait runs list + watch (watchtools.UntilWithSync) and, once the condition holds, waits for the reflector to
    /// stop; the reflector cannot be stopped while it is inside its Watch() call (kubectl passes context.TODO()). So when the
    /// list alone settles the wait, the watch request that follows it must get its response headers at once even though it has
    /// no event to send; the emulator used to buffer them until the first event and kubectl hung past its own --timeout.
    /// Each wait in the three tests below was a deterministic hang before the fix (the jsonpath/condition ones past kubectl's
    /// own --timeout, the delete one until it); the process is killed after 12 s.</summary>
    private static Task<(int Code, string Out, string Err)> KubectlWait(string kubeconfig, string cacheDir, string timeout, params string[] args) =>
        Run(TimeSpan.FromSeconds(12), KubectlFactAttribute.KubectlPath!, new[] { "--kubeconfig", kubeconfig, "--cache-dir", cacheDir, "--request-timeout", "20s", "wait", "--timeout=" + timeout }.Concat(args).ToArray());

    [KubectlFact]
    public async Task Kubectl_wait_for_jsonpath_returns_when_the_list_already_settles_it()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        var kc = emu.GetKubeconfigPath("legacy-basic");
        using var cache = new TempFolder();
        Task<(int Code, string Out, string Err)> Wait(params string[] args) => KubectlWait(kc, cache, "5s", args);

        // --for=jsonpath on a Service whose ingress IP is already there when kubectl lists
        var yaml = Path.Combine(cache, "svc.yaml");
        await File.WriteAllTextAsync(yaml, "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  type: LoadBalancer\n  ports:\n  - port: 80\n");
        var r = await Kubectl(kc, cache, "apply", "-f", yaml, "--validate=false");
        Assert.True(r.Code == 0, r.Err);
        await Eventually<JsonObject>(() => Task.FromResult(emu.World.GetService("legacy-basic", "default", "web") is { } s && s["status"]!["loadBalancer"]!["ingress"] is not null ? s : null));
        var watchesBefore = emu.Requests.Count(e => e.PathAndQuery.Contains("watch=true"));
        r = await Wait("--for=jsonpath={.status.loadBalancer.ingress[0].ip}", "svc/web");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("service/web condition met", r.Out.Trim());
        Assert.True(emu.Requests.Count(e => e.PathAndQuery.Contains("watch=true")) > watchesBefore, "kubectl wait was expected to open a watch after its list");
    }

    [KubectlFact]
    public async Task Kubectl_wait_for_jsonpath_value_and_condition_return_on_a_finished_pod()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        var kc = emu.GetKubeconfigPath("legacy-basic");
        using var cache = new TempFolder();
        Task<(int Code, string Out, string Err)> Wait(params string[] args) => KubectlWait(kc, cache, "5s", args);

        var r = await Kubectl(kc, cache, "run", "done", "--image=curlimages/curl", "--restart=Never", "--", "curl", "-s", "checkip.dyndns.org");
        Assert.True(r.Code == 0, r.Err);
        await Eventually<JsonObject>(() => Task.FromResult(emu.World.GetPod("legacy-basic", "default", "done") is { } p && p["status"]!["phase"]!.GetValue<string>() == "Succeeded" ? p : null));
        r = await Wait("--for=jsonpath={.status.phase}=Succeeded", "pod/done");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("pod/done condition met", r.Out.Trim());
        r = await Wait("--for=condition=Initialized", "pod/done");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("pod/done condition met", r.Out.Trim());
    }

    /// <summary>--for=delete when the pod is still there for kubectl's GET but gone by its LIST (kubectl's precondition then ends
    /// the wait at once): the LIST is held until the pod has been deleted, so the interleaving is forced, not left to luck.
    /// Before the fix kubectl sat in the watch until its --timeout (here 60 s; `kubectl delete` waits a week by default).</summary>
    [KubectlFact]
    public async Task Kubectl_wait_for_delete_returns_when_the_object_is_gone_by_the_list()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        var kc = emu.GetKubeconfigPath("legacy-basic");
        using var cache = new TempFolder();

        var r = await Kubectl(kc, cache, "run", "gone", "--image=curlimages/curl", "--restart=Never", "--", "curl", "-s", "checkip.dyndns.org");
        Assert.True(r.Code == 0, r.Err);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        emu.Faults.Add(new FaultRule { Method = "GET", Target = "legacy-basic", PathRegex = @"^/api/v1/namespaces/default/pods\?(?!.*watch=true).*fieldSelector=metadata\.name%3Dgone", HoldUntil = release.Task });
        var deleteWait = KubectlWait(kc, cache, "60s", "--for=delete", "pod/gone");
        try
        {
            await Eventually<RequestLogEntry>(() => Task.FromResult(emu.Requests.Entries.FirstOrDefault(e => e.FaultInjected && e.PathAndQuery.Contains("gone"))), what: "kubectl's LIST of pod/gone");
            using var k = Kube(emu, "legacy-basic");
            await k.CoreV1.DeleteNamespacedPodAsync("gone", "default", gracePeriodSeconds: 0);
            Assert.Null(emu.World.GetPod("legacy-basic", "default", "gone"));
        }
        finally { release.TrySetResult(); }
        r = await deleteWait;
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal("pod/gone condition met", r.Out.Trim());
    }
}
