using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using AksEgress.Engine;
using AksEgress.Engine.Kubernetes;
using k8s.Autorest;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

/// <summary>
/// The exact words of the Kubernetes ErrorRecords users read (what failed, the server's own message, what to do next), the
/// object they point at when the server is unknown, and a core/v1 Status read defensively (fields of the wrong JSON type ignored).
/// </summary>
public class KubeErrorsStatusTests
{
    private const string Server = "https://aks-dns.hcp.eastus.azmk8s.io:443";

    private static AksEgressException Map(int code, string body, string? target = "team-a/aks-egress", string? server = Server)
    {
        var ex = new HttpOperationException("Operation returned an invalid status code")
        {
            Response = new HttpResponseMessageWrapper(new HttpResponseMessage((HttpStatusCode)code), body),
        };
        return Assert.IsType<AksEgressException>(KubeErrors.Map(ex, target, server));
    }

    private static string Status(int code, string reason, string message) =>
        $"{{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{{}},\"status\":\"Failure\",\"message\":\"{message}\",\"reason\":\"{reason}\",\"code\":{code}}}";

    [Fact]
    public void A_Status_is_read_with_its_details_and_causes()
    {
        var s = KubeErrors.ParseStatus("{\"code\":422,\"reason\":\"Invalid\",\"message\":\"m\",\"details\":{\"kind\":\"Service\",\"name\":\"web\",\"causes\":[{\"field\":\"spec.ports\",\"message\":\"bad\"},{\"message\":\"no field\"}]}}", 500)!;
        Assert.Equal((422, "Invalid", "m", "Service", "web"), (s.Code, s.Reason, s.Message, s.Kind, s.Name));
        Assert.Equal(new (string?, string?)[] { ("spec.ports", "bad"), (null, "no field") }, s.Causes);
    }

    [Theory]
    [InlineData("{\"code\":\"409\",\"message\":\"m\"}")]               // code as a string
    [InlineData("{\"message\":\"m\",\"details\":\"not an object\"}")]  // details not an object
    [InlineData("{\"message\":\"m\",\"details\":{\"causes\":{\"field\":\"x\"}}}")]   // causes not an array
    [InlineData("{\"message\":\"m\",\"details\":{\"kind\":7,\"name\":[\"x\"]}}")]     // kind and name not strings
    public void Fields_of_the_wrong_type_are_ignored_and_the_http_status_is_the_code(string body)
    {
        var s = KubeErrors.ParseStatus(body, 503)!;
        Assert.Equal((503, "m"), (s.Code, s.Message));
        Assert.Null(s.Kind);
        Assert.Null(s.Name);
        Assert.Empty(s.Causes);
    }

    [Theory]
    [InlineData(null)]
    [InlineData(" ")]
    [InlineData("[1,2]")]
    [InlineData("<html>bad gateway</html>")]
    public void A_body_that_is_not_a_Status_object_is_no_Status(string? body) => Assert.Null(KubeErrors.ParseStatus(body, 502));

    [Fact]
    public void Unauthorized_says_to_refresh_the_credentials()
    {
        var e = Map(401, Status(401, "Unauthorized", "Unauthorized"));
        Assert.Equal((ErrorIds.KubernetesUnauthorized, EgressErrorCategory.AuthenticationError, 401, "Unauthorized"), (e.ErrorId, e.Category, e.HttpStatus, e.RemoteCode));
        Assert.Equal($"The Kubernetes API server {Server} rejected the credentials (401 Unauthorized): Unauthorized", e.Message);
        Assert.Equal("Refresh the credentials: get a new kubeconfig (Import-AzAksCredential / az aks get-credentials) or reconnect (Connect-AksEgress); for Entra clusters make sure the token is issued for the AKS server application.", e.RecommendedAction);
    }

    [Fact]
    public void A_namespaced_forbidden_verb_names_the_role_to_ask_for_and_the_can_i_check()
    {
        var e = Map(403, Status(403, "Forbidden", "pods is forbidden: User \\\"jane\\\" cannot create resource \\\"pods\\\" in API group \\\"\\\" in the namespace \\\"team-a\\\""));
        Assert.Equal((ErrorIds.KubernetesForbidden, EgressErrorCategory.PermissionDenied), (e.ErrorId, e.Category));
        Assert.Equal("Forbidden: you cannot create resource \"pods\" in the namespace \"team-a\". Server message: pods is forbidden: User \"jane\" cannot create resource \"pods\" in API group \"\" in the namespace \"team-a\"", e.Message);
        Assert.Equal("Ask a cluster administrator for a Role/ClusterRole that allows 'create' on 'pods' in the namespace \"team-a\" (check with: kubectl auth can-i create pods -n team-a); on Entra clusters with Azure RBAC, the 'Azure Kubernetes Service RBAC Writer' role.", e.RecommendedAction);
    }

    [Fact]
    public void A_cluster_wide_forbidden_verb_names_its_API_group()
    {
        var e = Map(403, Status(403, "Forbidden", "nodes is forbidden: User \\\"jane\\\" cannot list resource \\\"deployments\\\" in API group \\\"apps\\\" at the cluster scope"));
        Assert.Equal("Forbidden: you cannot list resource \"deployments\" in API group \"apps\" cluster-wide. Server message: nodes is forbidden: User \"jane\" cannot list resource \"deployments\" in API group \"apps\" at the cluster scope", e.Message);
        Assert.Contains("allows 'list' on 'deployments' cluster-wide (check with: kubectl auth can-i list deployments);", e.RecommendedAction);
    }

    [Fact]
    public void Another_forbidden_asks_for_the_permissions()
    {
        var e = Map(403, Status(403, "Forbidden", "access denied by policy"));
        Assert.Equal(ErrorIds.KubernetesForbidden, e.ErrorId);
        Assert.Equal($"Forbidden by the Kubernetes API server {Server}: access denied by policy", e.Message);
        Assert.Equal("Ask a cluster administrator for the Kubernetes RBAC permissions this operation needs.", e.RecommendedAction);
    }

    [Fact]
    public void Pod_Security_rejection_names_the_standard_and_the_namespace_labels()
    {
        var e = Map(403, Status(403, "Forbidden", "pods \\\"t\\\" is forbidden: violates PodSecurity \\\"restricted:latest\\\": runAsNonRoot != true"));
        Assert.Equal((ErrorIds.PodRejected, EgressErrorCategory.PermissionDenied), (e.ErrorId, e.Category));
        Assert.Equal("The pod was rejected by Pod Security admission: pods \"t\" is forbidden: violates PodSecurity \"restricted:latest\": runAsNonRoot != true", e.Message);
        Assert.Equal("The test pod is built for the 'restricted' Pod Security Standard; check the namespace's pod-security.kubernetes.io labels or run the test in another namespace (-Namespace).", e.RecommendedAction);
    }

    [Fact]
    public void Not_found_and_conflict_say_what_to_check_and_to_retry()
    {
        var nf = Map(404, Status(404, "NotFound", "services \\\"web\\\" not found"));
        Assert.Equal("Not found: services \"web\" not found", nf.Message);
        Assert.Equal("Check the namespace and name (kubectl get -n <namespace> ...).", nf.RecommendedAction);
        var cf = Map(409, Status(409, "Conflict", "the object has been modified"));
        Assert.Equal((ErrorIds.KubernetesConflict, EgressErrorCategory.ResourceExists), (cf.ErrorId, cf.Category));
        Assert.Equal("Conflict: the object has been modified", cf.Message);
        Assert.Equal("The object was changed or created concurrently; retry the command.", cf.RecommendedAction);
    }

    [Fact]
    public void Invalid_lists_the_causes_with_a_message()
    {
        var e = Map(422, "{\"kind\":\"Status\",\"message\":\"Service \\\"web\\\" is invalid\",\"reason\":\"Invalid\",\"details\":{\"causes\":[{\"field\":\"spec.ports[0].port\",\"message\":\"must be between 1 and 65535\"},{\"field\":\"spec.type\"},{\"field\":\"metadata.name\",\"message\":\"too long\"}]},\"code\":422}");
        Assert.Equal("The Kubernetes API server rejected the object as invalid: Service \"web\" is invalid (causes: spec.ports[0].port: must be between 1 and 65535; metadata.name: too long)", e.Message);
        Assert.Equal("Correct the values named in the message.", e.RecommendedAction);
        var none = Map(422, "{\"kind\":\"Status\",\"message\":\"Service \\\"web\\\" is invalid\",\"reason\":\"Invalid\",\"details\":{\"causes\":[{\"field\":\"spec.type\"}]},\"code\":422}");
        Assert.Equal("The Kubernetes API server rejected the object as invalid: Service \"web\" is invalid", none.Message);
    }

    [Fact]
    public void Other_codes_name_the_code_and_reason_and_whether_to_wait()
    {
        var busy = Map(429, Status(429, "TooManyRequests", "slow down"));
        Assert.Equal((ErrorIds.KubernetesRequestFailed, EgressErrorCategory.ResourceBusy), (busy.ErrorId, busy.Category));
        Assert.Equal("The Kubernetes API request failed with HTTP 429 TooManyRequests: slow down", busy.Message);
        Assert.Equal("The API server is busy; retry in a moment.", busy.RecommendedAction);
        var gateway = Map(502, "");
        Assert.Equal(EgressErrorCategory.InvalidResult, gateway.Category);
        Assert.Equal("The Kubernetes API request failed with HTTP 502: HTTP 502", gateway.Message);
        Assert.Equal("Retry; if it persists, check the API server's health (kubectl get --raw /readyz).", gateway.RecommendedAction);
        Assert.Null(gateway.RemoteCode);
        var html = Map(502, "<html>" + new string('x', 600) + "</html>");
        Assert.Equal("The Kubernetes API request failed with HTTP 502: <html>" + new string('x', 494) + "…", html.Message);
    }

    [Fact]
    public void Without_a_server_the_error_points_at_the_object_and_without_an_object_at_the_server()
    {
        Assert.Equal("team-a/x", KubeErrors.Map(new HttpRequestException("tls", new AuthenticationException("bad chain")), "team-a/x", null) is AksEgressException a ? a.TargetObject : null);
        Assert.Equal("team-a/x", KubeErrors.Map(new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused)), "team-a/x", null) is AksEgressException b ? b.TargetObject : null);
        var reset = Assert.IsType<AksEgressException>(KubeErrors.Map(new IOException("reset"), "team-a/x", null));
        Assert.Equal("team-a/x", reset.TargetObject);
        Assert.Equal("Check network connectivity to the cluster's API server and retry.", reset.RecommendedAction);
        var other = Assert.IsType<AksEgressException>(KubeErrors.Map(new InvalidOperationException("odd"), null, Server));
        Assert.Equal(Server, other.TargetObject);
        Assert.Equal($"The Kubernetes request to {Server} failed: odd", other.Message);
    }
}
