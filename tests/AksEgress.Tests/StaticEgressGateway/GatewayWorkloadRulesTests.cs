using System.Text.Json.Nodes;
using AksEgress.Engine.StaticEgressGateway;
using AksEgress.Models;
using k8s;
using Xunit;

namespace AksEgress.Tests.StaticEgressGateway;

public class GatewayWorkloadRulesTests
{
    private static JsonObject W(string json) => JsonNode.Parse(json)!.AsObject();

    [Theory]
    [InlineData("""{"metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":1,"replicas":2,"updatedReplicas":2,"availableReplicas":2}}""", false, "waiting for the controller")]
    [InlineData("""{"metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":2,"replicas":2,"updatedReplicas":1,"availableReplicas":1}}""", false, "1 of 2 new pods updated")]
    [InlineData("""{"metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":2,"replicas":3,"updatedReplicas":2,"availableReplicas":2}}""", false, "1 old pod(s) pending termination")]
    [InlineData("""{"metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":2,"replicas":2,"updatedReplicas":2,"availableReplicas":1}}""", false, "1 of 2 updated pods available")]
    [InlineData("""{"metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":2,"replicas":2,"updatedReplicas":2,"readyReplicas":2,"availableReplicas":2}}""", true, "rolled out")]
    [InlineData("""{"metadata":{"generation":1},"spec":{"replicas":0},"status":{"observedGeneration":1}}""", true, "rolled out")]
    public void Deployment_rollout_is_read_as_kubectl_reads_it(string json, bool done, string message)
    {
        var r = GatewayWorkloadService.Rollout("Deployment", W(json));
        Assert.Equal(done, r.Done);
        Assert.Equal(message, r.Message.StartsWith("waiting", StringComparison.Ordinal) ? "waiting for the controller" : r.Message);
    }

    [Fact]
    public void Progress_deadline_exceeded_ends_the_wait()
    {
        var r = GatewayWorkloadService.Rollout("Deployment", W("""{"metadata":{"generation":1},"spec":{"replicas":1},"status":{"observedGeneration":1,"replicas":1,"updatedReplicas":1,"conditions":[{"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded","message":"ReplicaSet \"web-1\" has timed out progressing."}]}}"""));
        Assert.False(r.Done);
        Assert.True(r.DeadlineExceeded);
    }

    [Fact]
    public void StatefulSets_are_done_when_the_revisions_meet_and_DaemonSets_when_every_node_runs_an_updated_pod()
    {
        Assert.False(GatewayWorkloadService.Rollout("StatefulSet", W("""{"metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":2,"replicas":2,"readyReplicas":2,"updatedReplicas":1,"currentRevision":"db-a","updateRevision":"db-b"}}""")).Done);
        Assert.True(GatewayWorkloadService.Rollout("StatefulSet", W("""{"metadata":{"generation":2},"spec":{"replicas":2},"status":{"observedGeneration":2,"replicas":2,"readyReplicas":2,"updatedReplicas":2,"currentRevision":"db-b","updateRevision":"db-b"}}""")).Done);
        Assert.True(GatewayWorkloadService.Rollout("StatefulSet", W("""{"metadata":{"generation":1},"spec":{"replicas":1,"updateStrategy":{"type":"OnDelete"}},"status":{}}""")).OnDelete);
        Assert.False(GatewayWorkloadService.Rollout("DaemonSet", W("""{"metadata":{"generation":3},"spec":{},"status":{"observedGeneration":3,"desiredNumberScheduled":3,"updatedNumberScheduled":2,"numberAvailable":3,"numberReady":3}}""")).Done);
        Assert.True(GatewayWorkloadService.Rollout("DaemonSet", W("""{"metadata":{"generation":3},"spec":{},"status":{"observedGeneration":3,"desiredNumberScheduled":3,"updatedNumberScheduled":3,"numberAvailable":3,"numberReady":3}}""")).Done);
    }

    [Fact]
    public void The_patch_touches_the_pod_template_annotation_only()
    {
        Assert.Equal("""{"spec":{"template":{"metadata":{"annotations":{"kubernetes.azure.com/static-gateway-configuration":"app-gw"}}}}}""", GatewayWorkloadService.AnnotationPatch("app-gw"));
        Assert.Equal("""{"spec":{"template":{"metadata":{"annotations":{"kubernetes.azure.com/static-gateway-configuration":null}}}}}""", GatewayWorkloadService.AnnotationPatch(null));
        Assert.Equal("gw", GatewayWorkloadService.TemplateGateway(W("""{"spec":{"template":{"metadata":{"annotations":{"kubernetes.azure.com/static-gateway-configuration":"gw"}}}}}""")));
        Assert.Null(GatewayWorkloadService.TemplateGateway(W("""{"spec":{"template":{"metadata":{}}}}""")));
        Assert.True(GatewayWorkloadService.HostNetwork(W("""{"spec":{"template":{"spec":{"hostNetwork":true}}}}""")));
        Assert.False(GatewayWorkloadService.HostNetwork(W("""{"spec":{"template":{"spec":{}}}}""")));
    }

    [Theory]
    [InlineData("Pod", null, ErrorIds.InvalidWorkloadKind)]
    [InlineData("ReplicaSet", null, ErrorIds.InvalidWorkloadKind)]
    [InlineData("Deployment", "other", ErrorIds.GatewayNamespaceMismatch)]
    public void Bad_input_fails_before_any_request(string kind, string? gatewayNamespace, string errorId)
    {
        var e = Assert.Throws<AksEgressException>(() => RequestValidation.Validate(new SetEgressGatewayWorkloadRequest { Kind = kind, Name = "web", Namespace = "apps", Gateway = "gw", GatewayNamespace = gatewayNamespace }));
        Assert.Equal(errorId, e.ErrorId);
    }

    [Fact]
    public void A_gateway_is_required_unless_removing()
    {
        Assert.Equal(ErrorIds.ConflictingParameters, Assert.Throws<AksEgressException>(() => RequestValidation.Validate(new SetEgressGatewayWorkloadRequest { Kind = "Deployment", Name = "web" })).ErrorId);
        RequestValidation.Validate(new SetEgressGatewayWorkloadRequest { Kind = "Deployment", Name = "web", Remove = true });
        RequestValidation.Validate(new SetEgressGatewayWorkloadRequest { Kind = "Deployment", Name = "web", Namespace = "apps", Gateway = "gw", GatewayNamespace = "apps" });
    }
}
