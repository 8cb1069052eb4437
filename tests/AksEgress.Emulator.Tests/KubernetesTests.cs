using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Xunit;
using static AksEgress.Emulator.Tests.TestUtil;

namespace AksEgress.Emulator.Tests;

public class KubernetesTests
{
    internal static V1Service LbService(string name, string? ipv4 = null, string? rg = null)
    {
        var ann = new Dictionary<string, string>();
        if (ipv4 is not null) ann["service.beta.kubernetes.io/azure-load-balancer-ipv4"] = ipv4;
        if (rg is not null) ann["service.beta.kubernetes.io/azure-load-balancer-resource-group"] = rg;
        return new V1Service
        {
            Metadata = new V1ObjectMeta { Name = name, Annotations = ann.Count > 0 ? ann : null },
            Spec = new V1ServiceSpec { Type = "LoadBalancer", Selector = new Dictionary<string, string> { ["app"] = name }, Ports = new List<V1ServicePort> { new() { Port = 80, TargetPort = 8080 } } },
        };
    }

    /// <summary>An image on mcr.microsoft.com with curl: the one registry a restricted (userDefinedRouting/none/block) cluster reaches.</summary>
    internal const string McrImage = "mcr.microsoft.com/azurelinux/base/core:3.0";

    internal static V1Pod CurlPod(string name, string url, string image = "curlimages/curl:8.12.1") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["app"] = "egress-probe" } },
        Spec = new V1PodSpec
        {
            RestartPolicy = "Never",
            Containers = new List<V1Container> { new() { Name = "probe", Image = image, Command = new List<string> { "curl", "-sS", "--max-time", "10", url } } },
        },
    };

    internal static async Task<V1Pod> WaitForPhase(Kubernetes k, string name, params string[] phases)
    {
        return await Eventually<V1Pod>(async () =>
        {
            var p = await k.CoreV1.ReadNamespacedPodAsync(name, "default");
            return phases.Contains(p.Status?.Phase) ? p : null;
        }, what: $"pod {name} in {string.Join("/", phases)}");
    }

    internal static async Task<string> RunProbe(Kubernetes k, string name, string url = "http://checkip.dyndns.org", string image = "curlimages/curl:8.12.1")
    {
        await k.CoreV1.CreateNamespacedPodAsync(CurlPod(name, url, image), "default");
        await WaitForPhase(k, name, "Succeeded", "Failed");
        using var s = await k.CoreV1.ReadNamespacedPodLogAsync(name, "default");
        return await new StreamReader(s).ReadToEndAsync();
    }

    [Fact]
    public async Task Service_with_existing_ipv4_gets_that_ingress_seen_through_a_watch()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        var ip = emu.World.AddPublicIp(emu.World.GetNodeResourceGroup("standard-lb")!, "my-frontend");
        using var k = Kube(emu, "standard-lb");
        var created = await k.CoreV1.CreateNamespacedServiceAsync(LbService("web", ip), "default");
        Assert.Matches(@"^10\.0\.\d+\.\d+$", created.Spec.ClusterIP);
        Assert.NotNull(created.Spec.Ports[0].NodePort);
        Assert.Null(created.Status.LoadBalancer.Ingress);
        string? seen = null; Exception? watchError = null;
        await foreach (var (type, svc) in k.CoreV1.WatchListNamespacedServiceAsync("default", fieldSelector: "metadata.name=web", timeoutSeconds: 10, onError: e => watchError = e))
        {
            if (svc.Status?.LoadBalancer?.Ingress is { Count: > 0 } ing) { seen = ing[0].Ip; Assert.Equal("VIP", ing[0].IpMode); break; }
        }
        Assert.Null(watchError);
        Assert.Equal(ip, seen);
        var svcNow = await k.CoreV1.ReadNamespacedServiceAsync("web", "default");
        Assert.Contains("service.kubernetes.io/load-balancer-cleanup", svcNow.Metadata.Finalizers);
        var pip = emu.World.GetPublicIp(emu.World.GetNodeResourceGroup("standard-lb")!, "my-frontend")!;
        Assert.Contains("/loadBalancers/kubernetes/frontendIPConfigurations/", pip["properties"]!["ipConfiguration"]!["id"]!.GetValue<string>());
        var events = await k.CoreV1.ListNamespacedEventAsync("default", fieldSelector: $"involvedObject.name=web,involvedObject.kind=Service,involvedObject.uid={svcNow.Metadata.Uid}");
        Assert.Contains(events.Items, e => e.Reason == "EnsuredLoadBalancer" && e.Type == "Normal" && e.Source.Component == "service-controller");
    }

    [Fact]
    public async Task Service_with_unknown_ip_gets_SyncLoadBalancerFailed_and_no_rights_gets_AuthorizationFailed()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var k = Kube(emu, "standard-lb");
        await k.CoreV1.CreateNamespacedServiceAsync(LbService("ghost", "203.0.113.250"), "default");
        var ev = await Eventually<Corev1Event>(async () =>
            (await k.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=ghost")).Items.FirstOrDefault(e => e.Reason == "SyncLoadBalancerFailed"));
        Assert.Equal("Warning", ev.Type);
        Assert.Equal("Error syncing load balancer: failed to ensure load balancer: findMatchedPIPByLoadBalancerIP: cannot find public IP with IP address 203.0.113.250 in resource group MC_demo-rg_standard-lb_eastus", ev.Message);
        Assert.Null((await k.CoreV1.ReadNamespacedServiceAsync("ghost", "default")).Status.LoadBalancer.Ingress);

        var nopermIp = emu.World.AddPublicIp("noperm-rg", "np-ip");
        await k.CoreV1.CreateNamespacedServiceAsync(LbService("noperm", nopermIp, "noperm-rg"), "default");
        ev = await Eventually<Corev1Event>(async () =>
            (await k.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=noperm")).Items.FirstOrDefault(e => e.Reason == "SyncLoadBalancerFailed"));
        Assert.Contains("HTTPStatusCode: 403, RawError: {\"error\":{\"code\":\"AuthorizationFailed\"", ev.Message);
        Assert.Contains("'Microsoft.Network/publicIPAddresses/read'", ev.Message);

        // BYO IP in egress-rg with the resource-group annotation works
        var egressIp = emu.World.AddPublicIp("egress-rg", "svc-ip");
        await k.CoreV1.CreateNamespacedServiceAsync(LbService("byo", egressIp, "egress-rg"), "default");
        var svc = await Eventually<V1Service>(async () => { var s = await k.CoreV1.ReadNamespacedServiceAsync("byo", "default"); return s.Status.LoadBalancer.Ingress is { Count: > 0 } ? s : null; });
        Assert.Equal(egressIp, svc.Status.LoadBalancer.Ingress[0].Ip);
    }

    [Fact]
    public async Task Basic_lb_egress_uses_the_first_service_frontend_but_standard_lb_never_does()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var basic = Kube(emu, "legacy-basic");
        await basic.CoreV1.CreateNamespacedServiceAsync(LbService("first"), "default");
        var first = await Eventually<V1Service>(async () => { var s = await basic.CoreV1.ReadNamespacedServiceAsync("first", "default"); return s.Status.LoadBalancer.Ingress is { Count: > 0 } ? s : null; });
        await basic.CoreV1.CreateNamespacedServiceAsync(LbService("second"), "default");
        await Eventually<V1Service>(async () => { var s = await basic.CoreV1.ReadNamespacedServiceAsync("second", "default"); return s.Status.LoadBalancer.Ingress is { Count: > 0 } ? s : null; });
        var log = await RunProbe(basic, "probe-basic");
        Assert.Equal($"<html><head><title>Current IP Check</title></head><body>Current IP Address: {first.Status.LoadBalancer.Ingress[0].Ip}</body></html>\r\n", log);

        using var std = Kube(emu, "standard-lb");
        await std.CoreV1.CreateNamespacedServiceAsync(LbService("front"), "default");
        var front = await Eventually<V1Service>(async () => { var s = await std.CoreV1.ReadNamespacedServiceAsync("front", "default"); return s.Status.LoadBalancer.Ingress is { Count: > 0 } ? s : null; });
        var outbound = emu.World.GetExpectedEgressAddresses("standard-lb");
        Assert.Single(outbound);
        log = await RunProbe(std, "probe-std");
        Assert.Contains($"Current IP Address: {outbound[0]}</body>", log);
        Assert.DoesNotContain(front.Status.LoadBalancer.Ingress[0].Ip, log);
    }

    [Fact]
    public async Task Basic_lb_without_frontends_egresses_from_a_random_address()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var k = Kube(emu, "legacy-basic");
        var log = await RunProbe(k, "p1", "https://api.ipify.org");
        Assert.Matches(@"^198\.51\.100\.\d+$", log);
    }

    [Fact]
    public async Task Pinning_outbound_ips_changes_what_pods_see()
    {
        await using var emu = await AksEmulator.StartAsync(Fast(lroPolls: 0));
        using var http = Arm(emu);
        var ip = emu.World.AddPublicIp("egress-rg", "pinned");
        var cluster = emu.World.GetCluster("standard-lb")!;
        var lbp = cluster["properties"]!["networkProfile"]!["loadBalancerProfile"]!.AsObject();
        lbp.Remove("managedOutboundIPs");
        lbp["outboundIPs"] = JsonNode.Parse($"{{\"publicIPs\":[{{\"id\":\"{emu.World.GetPublicIpId("egress-rg", "pinned")}\"}}]}}");
        var (st, _, resp) = await Send(http, HttpMethod.Put, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01", cluster);
        Assert.Equal(200, st);
        Assert.Equal("Succeeded", await CompleteLro(http, resp));
        var after = emu.World.GetCluster("standard-lb")!["properties"]!["networkProfile"]!["loadBalancerProfile"]!;
        Assert.Null(after["managedOutboundIPs"]);
        Assert.Equal(emu.World.GetPublicIpId("egress-rg", "pinned"), after["effectiveOutboundIPs"]![0]!["id"]!.GetValue<string>());
        using var k = Kube(emu, "standard-lb");
        Assert.Equal(ip + "\n", await RunProbe(k, "after-pin", "https://icanhazip.com"));
        Assert.Equal($"{{\"ip\":\"{ip}\"}}", await RunProbe(k, "after-pin-json", "https://api.ipify.org?format=json"));
        Assert.Equal(ip, await RunProbe(k, "after-pin-ifconfig", "https://ifconfig.me/ip"));
    }

    [Fact]
    public async Task Natgw_and_udr_clusters_egress_through_their_gateways()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = Arm(emu);
        var natgw = emu.World.GetCluster("natgw")!;
        var ipId = natgw["properties"]!["networkProfile"]!["natGatewayProfile"]!["effectiveOutboundIPs"]![0]!["id"]!.GetValue<string>();
        var pip = (await Send(http, HttpMethod.Get, ipId.TrimStart('/') + "?api-version=2025-07-01")).Body!;
        var natIp = pip["properties"]!["ipAddress"]!.GetValue<string>();
        var ngs = (await Send(http, HttpMethod.Get, $"subscriptions/{emu.SubscriptionId}/resourceGroups/MC_demo-rg_natgw_eastus/providers/Microsoft.Network/natGateways?api-version=2025-07-01")).Body!;
        var ngName = ngs["value"]![0]!["name"]!.GetValue<string>();
        var ng = (await Send(http, HttpMethod.Get, $"subscriptions/{emu.SubscriptionId}/resourceGroups/MC_demo-rg_natgw_eastus/providers/Microsoft.Network/natGateways/{ngName}?api-version=2025-07-01")).Body!;
        Assert.Equal(ipId, ng["properties"]!["publicIpAddresses"]![0]!["id"]!.GetValue<string>());
        using (var k = Kube(emu, "natgw")) Assert.Equal(natIp + "\n", await RunProbe(k, "nat-probe", "https://checkip.amazonaws.com"));
        var fw = emu.World.GetPublicIpAddress("demo-rg", "fw-egress-ip");
        using (var k = Kube(emu, "udr")) Assert.Contains($"Current IP Address: {fw}<", await RunProbe(k, "udr-probe", image: McrImage));
    }

    [Fact]
    public async Task Outbound_type_none_times_out()
    {
        await using var emu = await AksEmulator.StartAsync(Fast(lroPolls: 0));
        using var http = Arm(emu);
        var cluster = emu.World.GetCluster("standard-lb")!;
        cluster["properties"]!["networkProfile"]!["outboundType"] = "none";
        cluster["properties"]!["networkProfile"]!.AsObject().Remove("loadBalancerProfile");
        var (st, _, resp) = await Send(http, HttpMethod.Put, ClusterPath(emu, "standard-lb") + "?api-version=2025-10-01", cluster);
        Assert.Equal(200, st);
        Assert.Equal("Succeeded", await CompleteLro(http, resp));
        using var k = Kube(emu, "standard-lb");
        await k.CoreV1.CreateNamespacedPodAsync(CurlPod("blocked", "https://api.ipify.org", McrImage), "default");
        var pod = await WaitForPhase(k, "blocked", "Succeeded", "Failed");
        Assert.Equal("Failed", pod.Status.Phase);
        Assert.Equal(28, pod.Status.ContainerStatuses[0].State.Terminated.ExitCode);
        using var s = await k.CoreV1.ReadNamespacedPodLogAsync("blocked", "default");
        Assert.Equal("curl: (28) Failed to connect to api.ipify.org port 443 after 10002 ms: Timeout was reached\n", await new StreamReader(s).ReadToEndAsync());
    }

    [Fact]
    public async Task Udr_firewall_refuses_pulls_from_registries_other_than_mcr()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var k = Kube(emu, "udr");
        await k.CoreV1.CreateNamespacedPodAsync(CurlPod("hub", "https://api.ipify.org", "curlimages/curl:8.11.1"), "default");
        var pod = await Eventually<V1Pod>(async () =>
        {
            var p = await k.CoreV1.ReadNamespacedPodAsync("hub", "default");
            return p.Status.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "ImagePullBackOff" ? p : null;
        });
        Assert.Equal("Pending", pod.Status.Phase);
        var waiting = pod.Status.ContainerStatuses[0].State.Waiting.Message;
        Assert.StartsWith("Back-off pulling image \"curlimages/curl:8.11.1\": ErrImagePull: rpc error: code = Unknown desc = failed to pull and unpack image \"docker.io/curlimages/curl:8.11.1\"", waiting);
        Assert.Contains("Head \"https://registry-1.docker.io/v2/curlimages/curl/manifests/8.11.1\"", waiting);
        Assert.Contains("read: connection reset by peer", waiting);
        var evs = await k.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=hub");
        Assert.Contains(evs.Items, e => e.Reason == "Failed" && e.Message.StartsWith("Failed to pull image \"curlimages/curl:8.11.1\": rpc error:", StringComparison.Ordinal));

        // the same cluster pulls from mcr.microsoft.com and the probe leaves through the firewall
        var fw = emu.World.GetPublicIpAddress("demo-rg", "fw-egress-ip");
        Assert.Contains($"Current IP Address: {fw}<", await RunProbe(k, "mcr-probe", image: McrImage));
        // a loadBalancer cluster is not firewalled: Docker Hub pulls work there
        using var open = Kube(emu, "standard-lb");
        Assert.Matches(@"Current IP Address: \d+\.\d+\.\d+\.\d+<", await RunProbe(open, "hub-probe"));
    }

    [Fact]
    public async Task Admission_denial_has_the_api_servers_status_shape_per_namespace_and_kind()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        emu.World.AddAdmissionDenial("standard-lb", "[k8sallowedrepos] container <{container}> has an invalid image repo <{image}>", ns: "default");
        emu.World.AddAdmissionDenial("standard-lb", "services of type LoadBalancer are not allowed", webhook: "deny-lb.example.com", kind: "Service", code: 200);
        using var k = Kube(emu, "standard-lb");
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => k.CoreV1.CreateNamespacedPodAsync(CurlPod("denied", "https://api.ipify.org"), "default"));
        Assert.Equal(403, (int)ex.Response.StatusCode);
        Assert.Equal("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"admission webhook \\\"validation.gatekeeper.sh\\\" denied the request: [k8sallowedrepos] container <probe> has an invalid image repo <curlimages/curl:8.12.1>\",\"reason\":\"Forbidden\",\"code\":403}", ex.Response.Content);
        Assert.Empty((await k.CoreV1.ListNamespacedPodAsync("default")).Items);
        // another namespace is not matched
        var ok = CurlPod("allowed", "https://api.ipify.org");
        ok.Spec.SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, RunAsUser = 100, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } };
        ok.Spec.Containers[0].SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false, Capabilities = new V1Capabilities { Drop = new List<string> { "ALL" } } };
        await k.CoreV1.CreateNamespacedPodAsync(ok, "restricted-ns");
        // a webhook answering a code below 400 still denies with 400
        var svc = await Assert.ThrowsAsync<HttpOperationException>(() => k.CoreV1.CreateNamespacedServiceAsync(LbService("web"), "kube-public"));
        Assert.Equal(400, (int)svc.Response.StatusCode);
        Assert.Contains("admission webhook \\\"deny-lb.example.com\\\" denied the request: services of type LoadBalancer are not allowed", svc.Response.Content);
    }

    [Fact]
    public async Task Kubernetes_errors_are_exact_status_bodies()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var k = Kube(emu, "standard-lb");
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => k.CoreV1.ReadNamespacedServiceAsync("web", "default"));
        Assert.Equal("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"services \\\"web\\\" not found\",\"reason\":\"NotFound\",\"details\":{\"name\":\"web\",\"kind\":\"services\"},\"code\":404}", ex.Response.Content);
        await k.CoreV1.CreateNamespacedServiceAsync(LbService("web"), "default");
        ex = await Assert.ThrowsAsync<HttpOperationException>(() => k.CoreV1.CreateNamespacedServiceAsync(LbService("web"), "default"));
        Assert.Equal("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"services \\\"web\\\" already exists\",\"reason\":\"AlreadyExists\",\"details\":{\"name\":\"web\",\"kind\":\"services\"},\"code\":409}", ex.Response.Content);
        ex = await Assert.ThrowsAsync<HttpOperationException>(() => k.CoreV1.CreateNamespacedServiceAsync(LbService("Bad_Name"), "default"));
        Assert.Equal(422, (int)ex.Response.StatusCode);
        var st = JsonNode.Parse(ex.Response.Content)!;
        Assert.StartsWith("Service \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a DNS-1035 label must consist of", st["message"]!.GetValue<string>());
        Assert.Equal("Service", st["details"]!["kind"]!.GetValue<string>());
        var badPort = LbService("badport"); badPort.Spec.Ports[0].Port = 0;
        ex = await Assert.ThrowsAsync<HttpOperationException>(() => k.CoreV1.CreateNamespacedServiceAsync(badPort, "default"));
        Assert.Equal("Service \"badport\" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive", JsonNode.Parse(ex.Response.Content)!["message"]!.GetValue<string>());
        // stale resourceVersion -> 409 Conflict (a ClusterIP Service: no controller writes race with the test)
        var plain = LbService("plain"); plain.Spec.Type = "ClusterIP";
        await k.CoreV1.CreateNamespacedServiceAsync(plain, "default");
        var svc = await k.CoreV1.ReadNamespacedServiceAsync("plain", "default");
        svc.Metadata.Labels = new Dictionary<string, string> { ["a"] = "b" };
        await k.CoreV1.ReplaceNamespacedServiceAsync(svc, "plain", "default");
        ex = await Assert.ThrowsAsync<HttpOperationException>(() => k.CoreV1.ReplaceNamespacedServiceAsync(svc, "plain", "default"));
        Assert.Equal(409, (int)ex.Response.StatusCode);
        Assert.Contains("the object has been modified", ex.Response.Content);
        // unauthorized
        var cfg = new KubernetesClientConfiguration { Host = emu.GetKubernetesEndpoint("standard-lb").ToString(), AccessToken = "nope", SslCaCerts = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection(System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(emu.CaCertificatePem)) };
        using var bad = new Kubernetes(cfg);
        ex = await Assert.ThrowsAsync<HttpOperationException>(() => bad.CoreV1.ListNamespacedPodAsync("default"));
        Assert.Equal(401, (int)ex.Response.StatusCode);
        Assert.Contains("\"reason\":\"Unauthorized\"", ex.Response.Content);
    }

    [Fact]
    public async Task Pod_security_restricted_and_image_pull_failures()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var k = Kube(emu, "standard-lb");
        var ex = await Assert.ThrowsAsync<HttpOperationException>(() => k.CoreV1.CreateNamespacedPodAsync(CurlPod("rootish", "https://api.ipify.org"), "restricted-ns"));
        Assert.Equal(403, (int)ex.Response.StatusCode);
        var msg = JsonNode.Parse(ex.Response.Content)!["message"]!.GetValue<string>();
        Assert.StartsWith("pods \"rootish\" is forbidden: violates PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"probe\" must set securityContext.allowPrivilegeEscalation=false)", msg);
        Assert.Contains("runAsNonRoot != true", msg);
        Assert.Contains("seccompProfile", msg);

        var ok = CurlPod("compliant", "https://api.ipify.org");
        ok.Spec.SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, RunAsUser = 100, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } };
        ok.Spec.Containers[0].SecurityContext = new V1SecurityContext { AllowPrivilegeEscalation = false, Capabilities = new V1Capabilities { Drop = new List<string> { "ALL" } } };
        await k.CoreV1.CreateNamespacedPodAsync(ok, "restricted-ns");

        await k.CoreV1.CreateNamespacedPodAsync(CurlPod("badimage", "https://api.ipify.org", "invalid.example/curl:doesnotexist"), "default");
        var pod = await Eventually<V1Pod>(async () =>
        {
            var p = await k.CoreV1.ReadNamespacedPodAsync("badimage", "default");
            return p.Status.ContainerStatuses?.FirstOrDefault()?.State?.Waiting?.Reason == "ImagePullBackOff" ? p : null;
        });
        Assert.Equal("Pending", pod.Status.Phase);
        ex = await Assert.ThrowsAsync<HttpOperationException>(() => k.CoreV1.ReadNamespacedPodLogAsync("badimage", "default"));
        Assert.Equal(400, (int)ex.Response.StatusCode);
        Assert.Contains("container \\\"probe\\\" in pod \\\"badimage\\\" is waiting to start: trying and failing to pull image", ex.Response.Content);
        var evs = await k.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=badimage");
        Assert.Contains(evs.Items, e => e.Reason == "Failed" && e.Message.StartsWith("Failed to pull image \"invalid.example/curl:doesnotexist\": rpc error:", StringComparison.Ordinal));
        Assert.Contains(evs.Items, e => e.Reason == "BackOff");

        var unsched = CurlPod("nowhere", "https://api.ipify.org"); unsched.Spec.NodeName = "aks-nodepool1-00000000-vmss000099";
        await k.CoreV1.CreateNamespacedPodAsync(unsched, "default");
        var fs = await Eventually<Corev1Event>(async () => (await k.CoreV1.ListNamespacedEventAsync("default", fieldSelector: "involvedObject.name=nowhere")).Items.FirstOrDefault(e => e.Reason == "FailedScheduling"));
        Assert.StartsWith("0/3 nodes are available:", fs.Message);
    }

    [Fact]
    public async Task Pod_delete_is_graceful_and_watch_reports_DELETED()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var k = Kube(emu, "standard-lb");
        var created = await k.CoreV1.CreateNamespacedPodAsync(CurlPod("bye", "https://api.ipify.org"), "default");
        await WaitForPhase(k, "bye", "Succeeded");
        var list = await k.CoreV1.ListNamespacedPodAsync("default");
        var deleted = await k.CoreV1.DeleteNamespacedPodAsync("bye", "default");
        Assert.NotNull(deleted.Metadata.DeletionTimestamp);
        var sawDeleted = false;
        await foreach (var (type, p) in k.CoreV1.WatchListNamespacedPodAsync("default", resourceVersion: list.Metadata.ResourceVersion, fieldSelector: "metadata.name=bye", timeoutSeconds: 5, onError: _ => { }))
            if (type == WatchEventType.Deleted) { sawDeleted = true; break; }
        Assert.True(sawDeleted);
        Assert.Contains("default/bye", emu.World.GetDeletedPods("standard-lb"));
        var dump = emu.World.Dump();
        Assert.Equal(1, dump["clusters"]!["standard-lb"]!["deletedPodCount"]!.GetValue<int>());
    }

    /// <summary>Like the apiserver, a watch puts 200 and its headers on the wire before it has any event: client-go's Watch()
    /// returns only then, and cannot be cancelled before (kubectl wait hung past its --timeout when its list settled the wait).</summary>
    [Theory]
    [InlineData("1.1")]
    [InlineData("2.0")]
    public async Task Watch_sends_its_headers_before_the_first_event(string httpVersion)
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var k = Kube(emu, "standard-lb");
        var list = await k.CoreV1.ListNamespacedServiceAsync("default");
        using var http = new HttpClient(Handler(emu)) { BaseAddress = emu.GetKubernetesEndpoint("standard-lb"), Timeout = Timeout.InfiniteTimeSpan };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", emu.GetKubeconfig("standard-lb").Split('\n').Select(l => l.Trim()).First(l => l.StartsWith("token: ", StringComparison.Ordinal))[7..]);
        using var req = new HttpRequestMessage(HttpMethod.Get, $"api/v1/namespaces/default/services?watch=true&allowWatchBookmarks=true&fieldSelector=metadata.name%3Dnothing&resourceVersion={list.Metadata.ResourceVersion}&timeoutSeconds=60")
        { Version = Version.Parse(httpVersion), VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        HttpResponseMessage resp;
        try { resp = await http.SendAsync(req, HttpCompletionOption.ResponseHeadersRead, cts.Token); }
        catch (OperationCanceledException) { throw new Xunit.Sdk.XunitException("the watch sent no response headers within 5 s (no event to send)"); }
        using (resp)
        {
            Assert.Equal(System.Net.HttpStatusCode.OK, resp.StatusCode);
            Assert.Equal(Version.Parse(httpVersion), resp.Version);
            Assert.Equal("application/json", resp.Content.Headers.ContentType?.MediaType);
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(2), $"headers took {sw.Elapsed}");
        }
        // the client closing the stream ends the watch on the server side
        await Eventually<RequestLogEntry>(() => Task.FromResult(emu.Requests.Entries.FirstOrDefault(e => e.PathAndQuery.Contains("watch=true") && e.DurationMilliseconds > 0)), what: "the watch to end after the client closed it");
    }
}
