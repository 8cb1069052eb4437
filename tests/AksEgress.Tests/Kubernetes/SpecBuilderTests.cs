using AksEgress.Engine;
using AksEgress.Engine.EgressConfig;
using AksEgress.Engine.EgressServices;
using AksEgress.Engine.EgressTest;
using AksEgress.Engine.Kubernetes;
using AksEgress.Models;
using k8s.Models;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

public class SpecBuilderTests
{
    [Fact]
    public void Test_pod_meets_the_restricted_pod_security_standard()
    {
        var name = EgressPodBuilder.NewPodName();
        Assert.Matches("^aks-egress-test-[a-z0-9]{5}$", name);
        var pod = EgressPodBuilder.Build(name, "restricted-ns", "curlimages/curl:8.11.1", "https://api.ipify.org", 120, "node-1");
        Assert.Equal("AksEgress", pod.Metadata.Labels["app.kubernetes.io/managed-by"]);
        Assert.Equal("egress-test", pod.Metadata.Labels["app.kubernetes.io/component"]);
        var spec = pod.Spec;
        Assert.Equal("Never", spec.RestartPolicy);
        Assert.False(spec.AutomountServiceAccountToken);
        Assert.False(spec.EnableServiceLinks);
        Assert.Equal(120, spec.ActiveDeadlineSeconds);
        Assert.Equal("node-1", spec.NodeName);
        Assert.Equal("linux", spec.NodeSelector["kubernetes.io/os"]);
        Assert.Null(spec.HostNetwork); Assert.Null(spec.HostPID); Assert.Null(spec.HostIPC);
        Assert.True(spec.SecurityContext.RunAsNonRoot);
        Assert.Equal(65534, spec.SecurityContext.RunAsUser);
        Assert.Equal(65534, spec.SecurityContext.RunAsGroup);
        Assert.Equal("RuntimeDefault", spec.SecurityContext.SeccompProfile.Type);
        var c = Assert.Single(spec.Containers);
        // --noproxy '*': the HTTP(S)_PROXY variables AKS injects on proxy clusters are ignored, the cluster's own egress is tested
        Assert.Equal(new[] { "curl", "-sS", "--max-time", "10", "--noproxy", "*", "https://api.ipify.org" }, c.Command);
        Assert.Equal("curlimages/curl:8.11.1", c.Image);
        Assert.False(c.SecurityContext.AllowPrivilegeEscalation);
        Assert.True(c.SecurityContext.ReadOnlyRootFilesystem);
        Assert.False(c.SecurityContext.Privileged);
        Assert.Equal(new[] { "ALL" }, c.SecurityContext.Capabilities.Drop);
        Assert.Null(c.SecurityContext.Capabilities.Add);
        Assert.Null(c.Ports);
        Assert.NotNull(c.Resources.Requests["cpu"]); Assert.NotNull(c.Resources.Limits["memory"]);
        Assert.Null(spec.Volumes);
    }

    [Fact]
    public void Pod_without_node_name_is_left_to_the_scheduler()
    {
        var pod = EgressPodBuilder.Build("aks-egress-test-abcde", "default", "img", "http://checkip.dyndns.org", 30, null);
        Assert.Null(pod.Spec.NodeName);
    }

    [Theory]
    [InlineData("egress-rg", "MC_demo-rg_c_eastus", false, "egress-rg")]
    [InlineData("MC_demo-rg_c_eastus", "MC_demo-rg_c_eastus", false, null)]
    [InlineData("mc_demo-rg_c_eastus", "MC_demo-rg_c_eastus", false, null)]
    [InlineData(null, "MC_demo-rg_c_eastus", false, null)]
    [InlineData("egress-rg", null, false, "egress-rg")]
    [InlineData("egress-rg", "MC_demo-rg_c_eastus", true, "egress-rg")]
    public void Resource_group_annotation_decision(string? ipRg, string? nodeRg, bool locked, string? expected) =>
        Assert.Equal(expected, EgressServiceSpec.ResourceGroupAnnotation(ipRg, nodeRg, locked));

    [Fact]
    public void Desired_service_has_no_selector_and_no_deprecated_loadBalancerIP()
    {
        var svc = EgressServiceSpec.Build("aks-egress", "default", "203.0.113.7", 8080, "egress-rg");
        Assert.Equal("LoadBalancer", svc.Spec.Type);
        Assert.Null(svc.Spec.Selector);
        Assert.Null(svc.Spec.LoadBalancerIP);
        var p = Assert.Single(svc.Spec.Ports);
        Assert.Equal(("egress", "TCP", 8080, "8080"), (p.Name, p.Protocol, p.Port, p.TargetPort.Value));
        Assert.Equal("203.0.113.7", svc.Metadata.Annotations["service.beta.kubernetes.io/azure-load-balancer-ipv4"]);
        Assert.Equal("egress-rg", svc.Metadata.Annotations["service.beta.kubernetes.io/azure-load-balancer-resource-group"]);
        Assert.Equal("AksEgress", svc.Metadata.Labels["app.kubernetes.io/managed-by"]);
        Assert.True(EgressServiceSpec.Matches(svc, "203.0.113.7", 8080, "egress-rg"));
        Assert.False(EgressServiceSpec.Matches(svc, "203.0.113.8", 8080, "egress-rg"));
        Assert.False(EgressServiceSpec.Matches(svc, "203.0.113.7", 8081, "egress-rg"));
        Assert.False(EgressServiceSpec.Matches(svc, "203.0.113.7", 8080, null));
    }

    [Fact]
    public void Merge_patch_removes_stale_fields()
    {
        var svc = EgressServiceSpec.Build("aks-egress", "default", "203.0.113.7", 8080, "egress-rg");
        svc.Spec.Selector = new Dictionary<string, string> { ["app"] = "x" };
        var patch = EgressServiceSpec.MergePatch(svc, "203.0.113.8", 80, null);
        Assert.Contains("\"service.beta.kubernetes.io/azure-load-balancer-resource-group\":null", patch);
        Assert.Contains("\"selector\":null", patch);
        Assert.Contains("\"service.beta.kubernetes.io/azure-load-balancer-ipv4\":\"203.0.113.8\"", patch);
        Assert.Contains("\"port\":80", patch);
    }

    [Fact]
    public void Egress_note_only_basic_decides()
    {
        var basic = new AksNodeResourceGroup { ClusterName = "b", LoadBalancerSku = "Basic", OutboundType = "loadBalancer" };
        var std = new AksNodeResourceGroup { ClusterName = "s", LoadBalancerSku = "Standard", OutboundType = "loadBalancer" };
        var nat = new AksNodeResourceGroup { ClusterName = "n", LoadBalancerSku = "Standard", OutboundType = "managedNATGateway" };
        var udr = new AksNodeResourceGroup { ClusterName = "u", LoadBalancerSku = "Standard", OutboundType = "userDefinedRouting" };
        Assert.True(EgressTexts.ServiceNote(basic, "default/aks-egress", "203.0.113.7").Decides);
        var s = EgressTexts.ServiceNote(std, "default/aks-egress", "203.0.113.7");
        Assert.False(s.Decides);
        Assert.Contains("pin them with Set-AksOutboundIp", s.Note);
        Assert.Contains("NAT gateway", EgressTexts.ServiceNote(nat, "d/a", "203.0.113.7").Note);
        Assert.Contains("firewall", EgressTexts.ServiceNote(udr, "d/a", "203.0.113.7").Note);
        Assert.Null(EgressTexts.ServiceNote(null, "d/a", "203.0.113.7").Decides);   // a kubeconfig only: unknown, not false (issue 14, item 7)
    }

    [Fact]
    public void Sync_failure_with_authorization_failed_names_identity_and_fix()
    {
        var msg = "Error syncing load balancer: failed to ensure load balancer: Retriable: false, RetryAfter: 0s, HTTPStatusCode: 403, RawError: {\"error\":{\"code\":\"AuthorizationFailed\",\"message\":\"The client '11111111-2222-3333-4444-555555555555' with object id '11111111-2222-3333-4444-555555555555' does not have authorization to perform action 'Microsoft.Network/publicIPAddresses/read' over scope '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/noperm-rg/providers/Microsoft.Network' or the scope is invalid.\"}}";
        var info = new AksNodeResourceGroup { ClusterName = "legacy-basic", IdentityPrincipalId = "aaaaaaaa-2222-3333-4444-555555555555", SubscriptionId = "00000000-0000-0000-0000-000000000000" };
        var e = EgressServiceManager.SyncFailure(msg, "default/aks-egress", "203.0.113.9", info, null, "noperm-rg");
        Assert.Equal(ErrorIds.LoadBalancerSyncFailed, e.ErrorId);
        Assert.Equal(EgressErrorCategory.PermissionDenied, e.Category);
        Assert.Contains("aaaaaaaa-2222-3333-4444-555555555555", e.RecommendedAction);
        Assert.Contains("New-AzRoleAssignment -ObjectId aaaaaaaa-2222-3333-4444-555555555555 -RoleDefinitionName 'Network Contributor' -Scope /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/noperm-rg", e.RecommendedAction);
        var e2 = EgressServiceManager.SyncFailure(msg, "default/aks-egress", "203.0.113.9", null, null, null);
        Assert.Contains("-ObjectId 11111111-2222-3333-4444-555555555555", e2.RecommendedAction);
    }

    [Fact]
    public void Evaluate_pod_reports_image_pull_and_unschedulable()
    {
        var req = new TestEgressIpRequest { Image = "doesnotexist/curl" };
        var pull = new V1Pod { Status = new V1PodStatus { Phase = "Pending", ContainerStatuses = new List<V1ContainerStatus> { new() { Name = "curl", State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ErrImagePull", Message = "rpc error: code = NotFound" } } } } } };
        var e = Assert.Throws<AksEgressException>(() => EgressTestService.EvaluatePod(pull, req, "default/p"));
        Assert.Equal(ErrorIds.ImagePullFailed, e.ErrorId);
        Assert.Contains("rpc error", e.Message);
        Assert.DoesNotContain("restricted", e.Message);   // a missing image on an open cluster is not an egress problem

        var hub = new TestEgressIpRequest { Image = "curlimages/curl:8.11.1" };
        var timeout = new V1Pod { Status = new V1PodStatus { Phase = "Pending", ContainerStatuses = new List<V1ContainerStatus> { new() { Name = "curl", State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "ImagePullBackOff", Message = "Back-off pulling image \"curlimages/curl:8.11.1\": ErrImagePull: failed to do request: Head \"https://registry-1.docker.io/v2/curlimages/curl/manifests/8.11.1\": dial tcp 54.1.2.3:443: i/o timeout" } } } } } };
        foreach (var ot in new[] { "none", "block" })
        {
            var b = Assert.Throws<AksEgressException>(() => EgressTestService.EvaluatePod(timeout, hub, "default/p", ot));
            Assert.Equal(ErrorIds.ImagePullFailed, b.ErrorId);
            Assert.Contains($"Egress is restricted on this cluster: the cluster has no internet egress (outbound type {ot})", b.Message);
            Assert.Contains("az acr import", b.RecommendedAction);
        }
        var uns = new V1Pod { Status = new V1PodStatus { Phase = "Pending", Conditions = new List<V1PodCondition> { new() { Type = "PodScheduled", Status = "False", Reason = "Unschedulable", Message = "0/3 nodes are available" } } } };
        Assert.Equal(ErrorIds.PodUnschedulable, Assert.Throws<AksEgressException>(() => EgressTestService.EvaluatePod(uns, req, "default/p")).ErrorId);
        Assert.Null(EgressTestService.EvaluatePod(new V1Pod { Status = new V1PodStatus { Phase = "Pending" } }, req, "default/p"));
        Assert.NotNull(EgressTestService.EvaluatePod(new V1Pod { Status = new V1PodStatus { Phase = "Succeeded" } }, req, "default/p"));
    }
}
