using AksEgress.Engine.Kubernetes;
using k8s.Models;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

/// <summary>
/// Set-AksEgressService leaves an existing Service alone only when it already is the desired one
/// (<see cref="EgressServiceSpec.Matches"/>); every kind of drift someone may have made by hand must be seen, or the
/// Service keeps egressing the wrong way while the cmdlet reports "unchanged". And the merge patch must undo that drift.
/// </summary>
public class EgressServiceDriftTests
{
    private const string Ip = "203.0.113.7";

    private static V1Service Desired() => EgressServiceSpec.Build("aks-egress", "default", Ip, 8080, "egress-rg");

    public static TheoryData<string, Action<V1Service>> Drifts() => new()
    {
        { "not labelled as ours", s => s.Metadata.Labels = new Dictionary<string, string> { ["app.kubernetes.io/managed-by"] = "Helm" } },
        { "no labels at all", s => s.Metadata.Labels = null },
        { "type ClusterIP", s => s.Spec.Type = "ClusterIP" },
        { "a selector sends traffic to pods", s => s.Spec.Selector = new Dictionary<string, string> { ["app"] = "web" } },
        { "a second port", s => s.Spec.Ports.Add(new V1ServicePort { Name = "other", Protocol = "TCP", Port = 9090 }) },
        { "no ports", s => s.Spec.Ports = new List<V1ServicePort>() },
        { "UDP instead of TCP", s => s.Spec.Ports[0].Protocol = "UDP" },
        { "port renamed", s => s.Spec.Ports[0].Name = "http" },
        { "targetPort changed", s => s.Spec.Ports[0].TargetPort = 9999 },
        { "IP annotation removed", s => s.Metadata.Annotations.Remove(KubeNames.AnnotationIpv4) },
        { "resource group annotation removed", s => s.Metadata.Annotations.Remove(KubeNames.AnnotationResourceGroup) },
        { "resource group annotation names another group", s => s.Metadata.Annotations[KubeNames.AnnotationResourceGroup] = "other-rg" },
        { "deprecated loadBalancerIP names another IP", s => s.Spec.LoadBalancerIP = "203.0.113.99" },
    };

    [Theory]
    [MemberData(nameof(Drifts))]
    public void A_service_changed_by_hand_is_not_taken_as_the_desired_one(string drift, Action<V1Service> change)
    {
        var svc = Desired();
        Assert.True(EgressServiceSpec.Matches(svc, Ip, 8080, "egress-rg"));
        change(svc);
        Assert.False(EgressServiceSpec.Matches(svc, Ip, 8080, "egress-rg"), drift);
    }

    [Fact]
    public void Fields_the_api_server_fills_in_are_not_drift()
    {
        var svc = Desired();
        svc.Spec.Ports[0].Protocol = null;        // defaulted to TCP by the server
        svc.Spec.Ports[0].TargetPort = null;      // defaulted to port
        svc.Spec.LoadBalancerIP = Ip;             // the same IP in the deprecated field
        svc.Metadata.Annotations[KubeNames.AnnotationResourceGroup] = "EGRESS-RG";   // resource group names are case-insensitive
        Assert.True(EgressServiceSpec.Matches(svc, Ip, 8080, "egress-rg"));

        var noRg = EgressServiceSpec.Build("aks-egress", "default", Ip, 8080, null);
        noRg.Metadata.Annotations[KubeNames.AnnotationResourceGroup] = "";   // an empty annotation is no annotation
        Assert.True(EgressServiceSpec.Matches(noRg, Ip, 8080, null));
        noRg.Metadata.Annotations = null;
        Assert.False(EgressServiceSpec.Matches(noRg, Ip, 8080, null));       // no IP annotation at all
    }

    [Fact]
    public void The_merge_patch_clears_a_stale_loadBalancerIP_and_keeps_it_when_absent()
    {
        var svc = Desired();
        svc.Spec.LoadBalancerIP = "203.0.113.99";
        var patch = System.Text.Json.Nodes.JsonNode.Parse(EgressServiceSpec.MergePatch(svc, Ip, 8080, "egress-rg"))!;
        Assert.True(patch["spec"]!.AsObject().ContainsKey("loadBalancerIP"));
        Assert.Null(patch["spec"]!["loadBalancerIP"]);
        Assert.Equal("LoadBalancer", (string?)patch["spec"]!["type"]);
        Assert.Equal("AksEgress", (string?)patch["metadata"]!["labels"]!["app.kubernetes.io/managed-by"]);
        Assert.Equal("egress-rg", (string?)patch["metadata"]!["annotations"]![KubeNames.AnnotationResourceGroup]);
        var port = patch["spec"]!["ports"]!.AsArray().Single()!;
        Assert.Equal(("egress", "TCP", 8080, 8080), ((string?)port["name"], (string?)port["protocol"], (int)port["port"]!, (int)port["targetPort"]!));

        var clean = System.Text.Json.Nodes.JsonNode.Parse(EgressServiceSpec.MergePatch(Desired(), Ip, 8080, "egress-rg"))!;
        Assert.False(clean["spec"]!.AsObject().ContainsKey("loadBalancerIP"));   // nothing to clear: the field is not sent
        Assert.False(clean["spec"]!.AsObject().ContainsKey("selector"));
    }

    [Fact]
    public void The_ingress_ip_is_the_first_address_the_load_balancer_reports()
    {
        var svc = Desired();
        Assert.Null(EgressServiceSpec.IngressIp(svc));
        Assert.False(EgressServiceSpec.ShowsIp(svc, Ip));
        svc.Status = new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = new List<V1LoadBalancerIngress> { new() { Hostname = "lb.example" }, new() { Ip = "198.51.100.1" }, new() { Ip = Ip } } } };
        Assert.Equal("198.51.100.1", EgressServiceSpec.IngressIp(svc));
        Assert.True(EgressServiceSpec.ShowsIp(svc, Ip));
        Assert.False(EgressServiceSpec.ShowsIp(svc, "198.51.100.2"));
        Assert.Null(EgressServiceSpec.IngressIp(null));
        Assert.False(EgressServiceSpec.ShowsIp(null, Ip));
    }
}
