using System.Text.Json.Nodes;
using AksEgress.Engine.Kubernetes;
using k8s.Models;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

/// <summary>
/// Fields of the objects the module sends that the other spec tests leave out: the type identity of the Service and the pod,
/// the pod's image pull policy, container security and resources, curl through the cluster's proxy, and what counts as an
/// empty selector or a load balancer ingress without an IP (core/v1 ServiceSpec, LoadBalancerIngress).
/// </summary>
public class EgressSpecFieldTests
{
    private const string Ip = "20.61.14.7";

    [Fact]
    public void The_Service_and_the_pod_are_core_v1_objects()
    {
        var svc = EgressServiceSpec.Build("aks-egress", "default", Ip, 80, null);
        Assert.Equal(("v1", "Service"), (svc.ApiVersion, svc.Kind));
        var pod = EgressPodBuilder.Build("aks-egress-test-bcdfg", "default", "curlimages/curl:8.11.1", "https://api.ipify.org", 60, null);
        Assert.Equal(("v1", "Pod"), (pod.ApiVersion, pod.Kind));
    }

    [Fact]
    public void The_test_container_pulls_only_if_missing_runs_as_non_root_and_has_small_requests_and_limits()
    {
        var c = Assert.Single(EgressPodBuilder.Build("aks-egress-test-bcdfg", "default", "curlimages/curl:8.11.1", "https://api.ipify.org", 60, null).Spec.Containers);
        Assert.Equal("IfNotPresent", c.ImagePullPolicy);
        Assert.True(c.SecurityContext.RunAsNonRoot);
        Assert.Equal(new Dictionary<string, string> { ["cpu"] = "10m", ["memory"] = "16Mi" }, c.Resources.Requests.ToDictionary(kv => kv.Key, kv => kv.Value.ToString()));
        Assert.Equal(new Dictionary<string, string> { ["cpu"] = "100m", ["memory"] = "64Mi" }, c.Resources.Limits.ToDictionary(kv => kv.Key, kv => kv.Value.ToString()));
    }

    [Fact]
    public void Without_the_proxy_bypass_curl_goes_the_way_the_workloads_go()
    {
        Assert.Equal(new[] { "curl", "-sS", "--max-time", "10", "http://checkip.dyndns.org" }, EgressPodBuilder.Command("http://checkip.dyndns.org", bypassProxy: false));
        var pod = EgressPodBuilder.Build("aks-egress-test-bcdfg", "default", "img", "https://api.ipify.org", 60, null, bypassProxy: false);
        Assert.DoesNotContain("--noproxy", pod.Spec.Containers[0].Command);
    }

    [Fact]
    public void An_empty_selector_is_no_selector()
    {
        var svc = EgressServiceSpec.Build("aks-egress", "default", Ip, 80, null);
        svc.Spec.Selector = new Dictionary<string, string>();
        Assert.True(EgressServiceSpec.Matches(svc, Ip, 80, null));
        var patch = JsonNode.Parse(EgressServiceSpec.MergePatch(svc, Ip, 80, null))!;
        Assert.False(patch["spec"]!.AsObject().ContainsKey("selector"));
        svc.Spec.Selector = new Dictionary<string, string> { ["app"] = "web" };
        Assert.False(EgressServiceSpec.Matches(svc, Ip, 80, null));
        Assert.True(JsonNode.Parse(EgressServiceSpec.MergePatch(svc, Ip, 80, null))!["spec"]!.AsObject().ContainsKey("selector"));
    }

    [Fact]
    public void An_ingress_with_a_hostname_only_has_no_IP()
    {
        var svc = EgressServiceSpec.Build("aks-egress", "default", Ip, 80, null);
        svc.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = new List<V1LoadBalancerIngress> { new() { Hostname = "lb.example" } } } };
        Assert.Null(EgressServiceSpec.IngressIp(svc));
        svc.Status.LoadBalancer.Ingress.Add(new V1LoadBalancerIngress { Ip = Ip });
        Assert.Equal(Ip, EgressServiceSpec.IngressIp(svc));
    }
}
