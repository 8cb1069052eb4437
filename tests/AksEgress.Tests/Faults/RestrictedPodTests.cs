using System.Diagnostics;
using System.Text.Json.Nodes;
using AksEgress.Engine;
using AksEgress.Models;
using AksEgress.Engine.Kubernetes;
using k8s;
using Xunit;
using static AksEgress.Tests.KubeTestSupport;

namespace AksEgress.Tests.Faults;

/// <summary>
/// The Test-AksEgressIp pod against every control of the Pod Security Standards (baseline + restricted, v1.32), checked on the
/// JSON as it goes over the wire, and on the pod the API server actually stored in the enforcing namespace restricted-ns.
/// (SpecBuilderTests checks the builder's model; this is the rule-by-rule view of the standard.)
/// </summary>
public class RestrictedPodTests
{
    private static IEnumerable<JsonObject> AllContainers(JsonObject pod) =>
        new[] { "containers", "initContainers", "ephemeralContainers" }
            .SelectMany(k => (Spec(pod)[k] as JsonArray ?? new JsonArray()).Select(c => c!.AsObject()));

    /// <summary>Each control of https://kubernetes.io/docs/concepts/security/pod-security-standards/ : null when it passes.</summary>
    internal static IReadOnlyDictionary<string, Func<JsonObject, string?>> Controls { get; } = new Dictionary<string, Func<JsonObject, string?>>
    {
        // baseline
        ["HostProcess"] = p => AllContainers(p).Any(c => (bool?)c["securityContext"]?["windowsOptions"]?["hostProcess"] == true)
                               || (bool?)Spec(p)["securityContext"]?["windowsOptions"]?["hostProcess"] == true ? "hostProcess" : null,
        ["Host Namespaces"] = p => new[] { "hostNetwork", "hostPID", "hostIPC" }.FirstOrDefault(k => (bool?)Spec(p)[k] == true),
        ["Privileged Containers"] = p => AllContainers(p).Any(c => (bool?)c["securityContext"]?["privileged"] == true) ? "privileged" : null,
        ["Capabilities (baseline)"] = p => AllContainers(p).SelectMany(c => (c["securityContext"]?["capabilities"]?["add"] as JsonArray ?? new JsonArray()).Select(x => (string)x!))
                                          .FirstOrDefault(cap => cap != "NET_BIND_SERVICE"),
        ["HostPath Volumes"] = p => (Spec(p)["volumes"] as JsonArray)?.Any(v => v!["hostPath"] is not null) == true ? "hostPath" : null,
        ["Host Ports"] = p => AllContainers(p).Any(c => (c["ports"] as JsonArray)?.Any(x => (int?)x!["hostPort"] is > 0) == true) ? "hostPort" : null,
        ["AppArmor"] = p => AllContainers(p).Select(c => (string?)c["securityContext"]?["appArmorProfile"]?["type"]).Append((string?)Spec(p)["securityContext"]?["appArmorProfile"]?["type"])
                           .FirstOrDefault(t => t is not null && t != "RuntimeDefault" && t != "Localhost"),
        ["SELinux"] = p => AllContainers(p).Select(c => c["securityContext"]?["seLinuxOptions"]).Append(Spec(p)["securityContext"]?["seLinuxOptions"])
                           .Any(o => o is not null && ((o["user"] ?? o["role"]) is not null || ((string?)o["type"] is { } t && t is not ("container_t" or "container_init_t" or "container_kvm_t" or "container_engine_t")))) ? "seLinuxOptions" : null,
        ["/proc Mount Type"] = p => AllContainers(p).Select(c => (string?)c["securityContext"]?["procMount"]).FirstOrDefault(m => m is not null && m != "Default"),
        ["Seccomp (baseline)"] = p => AllContainers(p).Select(c => (string?)c["securityContext"]?["seccompProfile"]?["type"]).Append((string?)Spec(p)["securityContext"]?["seccompProfile"]?["type"])
                                     .FirstOrDefault(t => t == "Unconfined"),
        ["Sysctls"] = p => (Spec(p)["securityContext"]?["sysctls"] as JsonArray)?.Count > 0 ? "sysctls" : null,
        // restricted
        ["Volume Types"] = p => (Spec(p)["volumes"] as JsonArray)?.SelectMany(v => v!.AsObject().Select(kv => kv.Key))
                               .FirstOrDefault(k => k is not ("name" or "configMap" or "csi" or "downwardAPI" or "emptyDir" or "ephemeral" or "persistentVolumeClaim" or "projected" or "secret")),
        ["Privilege Escalation"] = p => AllContainers(p).Any(c => (bool?)c["securityContext"]?["allowPrivilegeEscalation"] != false) ? "allowPrivilegeEscalation not false" : null,
        ["Running as Non-root"] = p => AllContainers(p).All(c => (bool?)c["securityContext"]?["runAsNonRoot"] == true)
                                       || ((bool?)Spec(p)["securityContext"]?["runAsNonRoot"] == true && AllContainers(p).All(c => (bool?)c["securityContext"]?["runAsNonRoot"] != false)) ? null : "runAsNonRoot",
        ["Running as Non-root user"] = p => (long?)Spec(p)["securityContext"]?["runAsUser"] == 0 || AllContainers(p).Any(c => (long?)c["securityContext"]?["runAsUser"] == 0) ? "runAsUser 0" : null,
        ["Seccomp (restricted)"] = p =>
        {
            var podType = (string?)Spec(p)["securityContext"]?["seccompProfile"]?["type"];
            return AllContainers(p).All(c => ((string?)c["securityContext"]?["seccompProfile"]?["type"] ?? podType) is "RuntimeDefault" or "Localhost") ? null : "seccompProfile";
        },
        ["Capabilities (restricted)"] = p => AllContainers(p).All(c => (c["securityContext"]?["capabilities"]?["drop"] as JsonArray)?.Any(x => (string?)x == "ALL") == true) ? null : "drop ALL",
        // hardening beyond the standard that AksEgress promises (docs/least-privilege.md)
        ["No service account token"] = p => (bool?)Spec(p)["automountServiceAccountToken"] == false ? null : "automountServiceAccountToken",
        ["Read-only root filesystem"] = p => AllContainers(p).All(c => (bool?)c["securityContext"]?["readOnlyRootFilesystem"] == true) ? null : "readOnlyRootFilesystem",
        ["Non-zero runAsUser set"] = p => ((long?)Spec(p)["securityContext"]?["runAsUser"] ?? 0) > 0 ? null : "runAsUser",
    };

    private static JsonObject Spec(JsonObject pod) => pod["spec"]!.AsObject();

    public static TheoryData<string> ControlNames() => new(Controls.Keys);

    [Theory]
    [MemberData(nameof(ControlNames))]
    public void Pod_sent_by_the_engine_passes(string control)
    {
        foreach (var node in new[] { null, "aks-nodepool1-1-vmss000000" })
        {
            var pod = EgressPodBuilder.Build(EgressPodBuilder.NewPodName(), "restricted-ns", "curlimages/curl:8.11.1", "https://api.ipify.org", 60, node);
            var json = JsonNode.Parse(KubernetesJson.Serialize(pod))!.AsObject();
            Assert.Null(Controls[control](json));
        }
    }

    [Fact]
    public void The_checks_catch_a_bad_pod()
    {
        var bad = JsonNode.Parse("""
            {"spec":{"hostNetwork":true,"securityContext":{"runAsUser":0},"volumes":[{"name":"h","hostPath":{"path":"/"}}],
             "containers":[{"name":"c","ports":[{"containerPort":80,"hostPort":80}],"securityContext":{"privileged":true,"capabilities":{"add":["NET_ADMIN"]},"seccompProfile":{"type":"Unconfined"}}}]}}
            """)!.AsObject();
        var failing = Controls.Where(kv => kv.Value(bad) is not null).Select(kv => kv.Key).ToList();
        foreach (var c in new[] { "Host Namespaces", "Privileged Containers", "Capabilities (baseline)", "HostPath Volumes", "Host Ports", "Seccomp (baseline)",
                     "Volume Types", "Privilege Escalation", "Running as Non-root", "Running as Non-root user", "Seccomp (restricted)", "Capabilities (restricted)" })
            Assert.Contains(c, failing);
    }

    [Fact]
    public async Task Pod_stored_in_the_enforcing_namespace_passes_every_control()
    {
        await using var emu = await StartAsync(podDelay: 400);
        var engine = await EngineAsync(emu);
        var task = engine.TestEgressIpAsync(new TestEgressIpRequest { Kube = Access(emu, "standard-lb"), Namespace = "restricted-ns" }, new RecordingContext());
        JsonObject? stored = null;
        var sw = Stopwatch.StartNew();
        while (stored is null && sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            stored = emu.World.Dump()["clusters"]!["standard-lb"]!["pods"]!.AsArray().Select(p => p!.AsObject())
                .FirstOrDefault(p => (string?)p["metadata"]?["namespace"] == "restricted-ns");
            if (stored is null) await Task.Delay(10);
        }
        var r = await task;
        Assert.True(r.Succeeded, r.Explanation);
        Assert.NotNull(stored);
        var failing = Controls.Select(kv => (kv.Key, Problem: kv.Value(stored!))).Where(x => x.Problem is not null).ToList();
        Assert.True(failing.Count == 0, string.Join("; ", failing));
        AssertNoTestPods(emu, "standard-lb");
    }
}
