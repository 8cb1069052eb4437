using System.Net;
using AksEgress.Engine;
using AksEgress.Engine.Kubernetes;
using k8s.Autorest;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

public class KubeErrorsTests
{
    private static AksEgressException Map(int code, string body)
    {
        var ex = new HttpOperationException("Operation returned an invalid status code")
        {
            Response = new HttpResponseMessageWrapper(new HttpResponseMessage((HttpStatusCode)code), body),
        };
        return Assert.IsType<AksEgressException>(KubeErrors.Map(ex, "default/x", "https://server"));
    }

    [Fact]
    public void Not_found_conflict_invalid_and_other()
    {
        var nf = Map(404, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"services \\\"web\\\" not found\",\"reason\":\"NotFound\",\"details\":{\"name\":\"web\",\"kind\":\"services\"},\"code\":404}");
        Assert.Equal((ErrorIds.KubernetesNotFound, EgressErrorCategory.ObjectNotFound, "NotFound"), (nf.ErrorId, nf.Category, nf.RemoteCode));
        Assert.Contains("services \"web\" not found", nf.Message);
        Assert.Equal("default/x", nf.TargetObject);
        Assert.NotNull(nf.RecommendedAction);

        var cf = Map(409, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"services \\\"mock-2\\\" already exists\",\"reason\":\"AlreadyExists\",\"details\":{\"name\":\"mock-2\",\"kind\":\"services\"},\"code\":409}");
        Assert.Equal(ErrorIds.KubernetesConflict, cf.ErrorId);

        var inv = Map(422, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Service \\\"web\\\" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive\",\"reason\":\"Invalid\",\"details\":{\"name\":\"web\",\"kind\":\"Service\",\"causes\":[{\"reason\":\"FieldValueInvalid\",\"message\":\"Invalid value: 0: must be between 1 and 65535, inclusive\",\"field\":\"spec.ports[0].port\"}]},\"code\":422}");
        Assert.Equal((ErrorIds.KubernetesInvalid, EgressErrorCategory.InvalidData), (inv.ErrorId, inv.Category));
        Assert.Contains("spec.ports[0].port: Invalid value: 0", inv.Message);

        var other = Map(500, "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"etcdserver: request timed out\",\"reason\":\"InternalError\",\"code\":500}");
        Assert.Equal(ErrorIds.KubernetesRequestFailed, other.ErrorId);
        Assert.Contains("etcdserver", other.Message);

        var notJson = Map(502, "<html>bad gateway</html>");
        Assert.Equal(ErrorIds.KubernetesRequestFailed, notJson.ErrorId);
        Assert.Equal(502, notJson.HttpStatus);
    }

    [Fact]
    public void Admission_webhook_denials_are_admission_denied_with_policy_advice_not_rbac_advice()
    {
        // Azure Policy for Kubernetes (Gatekeeper answers 403 Forbidden; the API server prefixes the webhook's message)
        var az = Map(403, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"admission webhook \\\"validation.gatekeeper.sh\\\" denied the request: [azurepolicy-k8sazurev2containerallowedimages-8d3f0a61c1b0e2] Container image curlimages/curl:8.11.1 for container curl has not been allowed.\",\"reason\":\"Forbidden\",\"code\":403}");
        Assert.Equal((ErrorIds.AdmissionDenied, EgressErrorCategory.PermissionDenied, 403), (az.ErrorId, az.Category, az.HttpStatus));
        Assert.Contains("\"validation.gatekeeper.sh\" (Azure Policy for Kubernetes", az.Message);
        Assert.Contains("Container image curlimages/curl:8.11.1 for container curl has not been allowed.", az.Message);
        Assert.Contains("Constraint: azurepolicy-k8sazurev2containerallowedimages-8d3f0a61c1b0e2", az.Message);
        Assert.Contains("az aks update --safeguards-excluded-ns default", az.RecommendedAction);
        Assert.Contains("not missing RBAC rights", az.RecommendedAction);
        Assert.DoesNotContain("Role", az.RecommendedAction);

        // plain Gatekeeper constraint
        var gk = Map(403, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"admission webhook \\\"validation.gatekeeper.sh\\\" denied the request: [must-have-team] you must provide labels: {\\\"team\\\"}\",\"reason\":\"Forbidden\",\"code\":403}");
        Assert.Equal(ErrorIds.AdmissionDenied, gk.ErrorId);
        Assert.Contains("kubectl describe constraint must-have-team", gk.RecommendedAction);
        Assert.Contains("excludedNamespaces", gk.RecommendedAction);

        // another webhook, 400 (the API server's default code for a denial)
        var other = Map(400, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"admission webhook \\\"policy.kyverno.svc\\\" denied the request: no curl here\",\"code\":400}");
        Assert.Equal(ErrorIds.AdmissionDenied, other.ErrorId);
        Assert.Contains("validatingwebhookconfigurations", other.RecommendedAction);
    }

    [Fact]
    public void Pod_security_rejection_is_pod_rejected()
    {
        var e = Map(403, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"pods \\\"p\\\" is forbidden: violates PodSecurity \\\"restricted:latest\\\": allowPrivilegeEscalation != false (container \\\"c\\\" must set securityContext.allowPrivilegeEscalation=false)\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"p\",\"kind\":\"pods\"},\"code\":403}");
        Assert.Equal(ErrorIds.PodRejected, e.ErrorId);
        Assert.Contains("restricted:latest", e.Message);
    }

    [Fact]
    public void Forbidden_cluster_scoped_names_the_verb()
    {
        var e = Map(403, "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"nodes is forbidden: User \\\"bob\\\" cannot list resource \\\"nodes\\\" in API group \\\"\\\" at the cluster scope\",\"reason\":\"Forbidden\",\"details\":{\"kind\":\"nodes\"},\"code\":403}");
        Assert.Equal(ErrorIds.KubernetesForbidden, e.ErrorId);
        Assert.Contains("cannot list resource \"nodes\" cluster-wide", e.Message);
        Assert.Contains("kubectl auth can-i list nodes", e.RecommendedAction);
    }

    [Fact]
    public void Secrets_in_status_messages_are_redacted()
    {
        var e = Map(401, "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":\"Unauthorized: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig\",\"reason\":\"Unauthorized\",\"code\":401}");
        Assert.Equal(ErrorIds.KubernetesUnauthorized, e.ErrorId);
        Assert.DoesNotContain("eyJhbGciOiJSUzI1NiJ9", e.Message);
    }
}
