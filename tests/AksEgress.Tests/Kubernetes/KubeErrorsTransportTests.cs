using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using AksEgress.Engine;
using AksEgress.Engine.Kubernetes;
using k8s.Autorest;
using k8s.Models;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

/// <summary>
/// Kubernetes failures without a Status body (TLS, connection, timeouts, a Status inside a watch) and the codes that have no
/// ErrorId of their own: each becomes the ErrorRecord the help documents, naming the server, the object and what to do.
/// </summary>
public class KubeErrorsTransportTests
{
    private const string Server = "https://c-dns.hcp.eastus.azmk8s.io:443";

    private static AksEgressException Map(Exception ex, CancellationToken ct = default) =>
        Assert.IsType<AksEgressException>(KubeErrors.Map(ex, "default/aks-egress", Server, ct));

    [Fact]
    public void An_untrusted_api_server_certificate_is_tls_validation_failed_never_a_retry()
    {
        var e = Map(new HttpRequestException("The SSL connection could not be established", new AuthenticationException("RemoteCertificateChainErrors")));
        Assert.Equal((ErrorIds.TlsValidationFailed, EgressErrorCategory.AuthenticationError), (e.ErrorId, e.Category));
        Assert.Contains(Server, e.Message);
        Assert.Contains("RemoteCertificateChainErrors", e.Message);
        Assert.Equal(Server, e.TargetObject);
        Assert.Contains("never skips TLS validation", e.RecommendedAction);
    }

    [Fact]
    public void A_refused_connection_is_endpoint_unreachable_with_network_advice()
    {
        var e = Map(new HttpRequestException("Connection refused (c-dns.hcp.eastus.azmk8s.io:443)", new SocketException((int)SocketError.ConnectionRefused)));
        Assert.Equal((ErrorIds.EndpointUnreachable, EgressErrorCategory.ConnectionError), (e.ErrorId, e.Category));
        Assert.Contains($"The Kubernetes API server {Server} is unreachable", e.Message);
        Assert.Contains("authorized IP ranges", e.RecommendedAction);
        Assert.Equal(Server, e.TargetObject);
    }

    [Fact]
    public void A_reset_or_timed_out_request_is_endpoint_unreachable_but_a_cancel_by_the_user_stays_a_cancel()
    {
        var io = Map(new IOException("The response ended prematurely."));
        Assert.Equal(ErrorIds.EndpointUnreachable, io.ErrorId);
        Assert.Contains("The request to the Kubernetes API server", io.Message);
        Assert.Contains("The response ended prematurely.", io.Message);

        var timeout = Map(new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing."));
        Assert.Equal(ErrorIds.EndpointUnreachable, timeout.ErrorId);

        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var cancelled = new OperationCanceledException(cts.Token);
        Assert.Same(cancelled, KubeErrors.Map(cancelled, "default/aks-egress", Server, cts.Token));   // Ctrl+C is not an error to explain
        var mapped = new AksEgressException(ErrorIds.KubernetesConflict, EgressErrorCategory.ResourceExists, "x", null, "y");
        Assert.Same(mapped, KubeErrors.Map(mapped, null, Server));                                      // mapped once, never twice
    }

    [Fact]
    public void Anything_else_is_kubernetes_request_failed_with_secrets_redacted()
    {
        var e = Map(new InvalidOperationException("unexpected reply; Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig"));
        Assert.Equal((ErrorIds.KubernetesRequestFailed, EgressErrorCategory.NotSpecified), (e.ErrorId, e.Category));
        Assert.Equal("default/aks-egress", e.TargetObject);
        Assert.Contains($"The Kubernetes request to {Server} failed", e.Message);
        Assert.DoesNotContain("eyJhbGciOiJSUzI1NiJ9", e.Message);
        Assert.Contains("-Debug", e.RecommendedAction);
    }

    [Fact]
    public void A_status_in_a_watch_error_is_mapped_like_a_response()
    {
        var k = new k8s.KubernetesException(new V1Status
        {
            Code = 422, Reason = "Invalid", Message = "Service \"aks-egress\" is invalid",
            Details = new V1StatusDetails { Kind = "Service", Name = "aks-egress", Causes = new List<V1StatusCause> { new() { Field = "spec.ports[0].port", Message = "must be between 1 and 65535" }, new() { Field = "x" } } },
        });
        var e = Map(k);
        Assert.Equal((ErrorIds.KubernetesInvalid, 422, "Invalid"), (e.ErrorId, e.HttpStatus, e.RemoteCode));
        Assert.EndsWith("(causes: spec.ports[0].port: must be between 1 and 65535)", e.Message);   // a cause without a message is left out
        Assert.Equal(422, KubeErrors.StatusCode(k));
        Assert.True(KubeErrors.IsStatus(k, 422));
        Assert.False(KubeErrors.IsStatus(new IOException(), 422));
    }

    [Theory]
    [InlineData(429, EgressErrorCategory.ResourceBusy, "busy")]
    [InlineData(503, EgressErrorCategory.ResourceBusy, "busy")]
    [InlineData(500, EgressErrorCategory.InvalidResult, "readyz")]
    public void Codes_without_their_own_error_id_say_whether_to_wait_or_check_health(int code, EgressErrorCategory category, string advice)
    {
        var ex = new HttpOperationException("x") { Response = new HttpResponseMessageWrapper(new HttpResponseMessage((HttpStatusCode)code), "") };
        var e = Map(ex);
        Assert.Equal((ErrorIds.KubernetesRequestFailed, category, code), (e.ErrorId, e.Category, e.HttpStatus));
        Assert.Contains($"HTTP {code}", e.Message);   // an empty body: the status code is the message
        Assert.Contains(advice, e.RecommendedAction);
    }

    [Fact]
    public void Forbidden_in_a_namespace_names_verb_resource_group_and_namespace()
    {
        var ex = new HttpOperationException("x")
        {
            Response = new HttpResponseMessageWrapper(new HttpResponseMessage(HttpStatusCode.Forbidden),
                "{\"kind\":\"Status\",\"message\":\"services is forbidden: User \\\"bob\\\" cannot create resource \\\"services\\\" in API group \\\"\\\" in the namespace \\\"egress\\\"\",\"reason\":\"Forbidden\",\"code\":403}"),
        };
        var e = Map(ex);
        Assert.Equal(ErrorIds.KubernetesForbidden, e.ErrorId);
        Assert.Contains("you cannot create resource \"services\" in the namespace \"egress\"", e.Message);
        Assert.Contains("kubectl auth can-i create services -n egress", e.RecommendedAction);
        var noParse = Map(new HttpOperationException("x") { Response = new HttpResponseMessageWrapper(new HttpResponseMessage(HttpStatusCode.Forbidden), "{\"message\":\"denied by a proxy\",\"code\":403}") });
        Assert.Equal($"Forbidden by the Kubernetes API server {Server}: denied by a proxy", noParse.Message);
    }

    [Fact]
    public void Long_bodies_are_cut_at_500_characters()
    {
        Assert.Equal("abc", KubeErrors.Truncate("abc", 3));
        Assert.Equal("ab…", KubeErrors.Truncate("abc", 2));
        var e = Map(new HttpOperationException("x") { Response = new HttpResponseMessageWrapper(new HttpResponseMessage(HttpStatusCode.BadGateway), new string('x', 800)) });
        Assert.Contains(new string('x', 500) + "…", e.Message);
        Assert.DoesNotContain(new string('x', 501), e.Message);
    }
}
