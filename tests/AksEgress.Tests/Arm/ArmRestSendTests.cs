using System.Net.Sockets;
using System.Security.Authentication;
using System.Text.Json.Nodes;
using AksEgress.Engine;
using AksEgress.Engine.Arm;
using Azure;
using Azure.Core;
using Azure.Identity;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>
/// One ARM request over the engine's own pipeline (no emulator): the URL with its pinned api-version, what goes on the wire
/// (Accept, bearer token, JSON body, empty POST body, conditional headers), what comes back, and how a request that gets no
/// answer, or no token, becomes an ErrorRecord.
/// </summary>
public class ArmRestSendTests
{
    private const string ClusterPath = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg1/providers/Microsoft.ContainerService/managedClusters/c1";
    private static readonly ErrorScope ClusterScope = new(ArmTargetKind.Cluster, "rg1/c1") { ClusterName = "c1" };

    [Fact]
    public void Url_is_the_endpoint_plus_path_with_the_pinned_api_version()
    {
        var s = ScriptedArm.Session(new ScriptedArmHandler());
        Assert.Equal($"https://management.azure.com{ClusterPath}?api-version=2025-10-01", ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters).ToString());
    }

    [Fact]
    public void Url_appends_an_extra_query_after_the_api_version()
    {
        var s = ScriptedArm.Session(new ScriptedArmHandler());
        Assert.Equal("https://management.azure.com/subscriptions?api-version=2022-12-01&$top=5",
            ArmRest.Url(s, "/subscriptions", ApiVersions.Subscriptions, "$top=5").ToString());
    }

    [Fact]
    public void Url_keeps_the_base_path_of_a_custom_arm_endpoint()
    {
        var s = ScriptedArm.Session(new ScriptedArmHandler(), endpoint: new Uri("https://arm.contoso.test/azs/"));
        Assert.Equal("https://arm.contoso.test/azs/subscriptions?api-version=2022-12-01", ArmRest.Url(s, "/subscriptions", ApiVersions.Subscriptions).ToString());
    }

    [Fact]
    public async Task A_get_asks_for_json_with_the_bearer_token_and_sends_no_body()
    {
        var h = new ScriptedArmHandler().Then(200, """{"id":"x"}""", ("x-ms-request-id", "req-1"));
        var s = ScriptedArm.Session(h);
        var r = await ArmRest.SendAsync(s, RequestMethod.Get, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, new RecordingContext(), "rg1/c1");
        var seen = Assert.Single(h.Requests);
        Assert.Equal(HttpMethod.Get, seen.Method);
        Assert.Equal("application/json", seen.Headers["Accept"]);
        Assert.Equal("Bearer " + ScriptedArm.Token, seen.Headers["Authorization"]);
        Assert.False(seen.HasContent);
        Assert.Equal(200, r.Status);
        Assert.Equal("""{"id":"x"}""", r.Content);
        Assert.Equal("req-1", r.Header("x-ms-request-id"));
    }

    [Fact]
    public async Task A_put_sends_the_body_as_json()
    {
        var h = new ScriptedArmHandler().Then(201, """{"properties":{"provisioningState":"Updating"}}""");
        var s = ScriptedArm.Session(h);
        var body = new JsonObject { ["location"] = "eastus", ["sku"] = new JsonObject { ["name"] = "Standard" } };
        await ArmRest.SendAsync(s, RequestMethod.Put, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), body, new RecordingContext(), "rg1/c1");
        var seen = Assert.Single(h.Requests);
        Assert.Equal(HttpMethod.Put, seen.Method);
        Assert.StartsWith("application/json", seen.Headers["Content-Type"]);
        Assert.Equal("""{"location":"eastus","sku":{"name":"Standard"}}""", seen.Body);
    }

    [Fact]
    public async Task A_post_without_a_body_still_sends_an_empty_one_so_arm_sees_content_length_zero()
    {
        var h = new ScriptedArmHandler().Then(200, """{"kubeconfigs":[]}""");
        var s = ScriptedArm.Session(h);
        await ArmRest.SendAsync(s, RequestMethod.Post, ArmRest.Url(s, ClusterPath + "/listClusterUserCredential", ApiVersions.ManagedClusters), null, new RecordingContext(), "rg1/c1");
        var seen = Assert.Single(h.Requests);
        Assert.True(seen.HasContent);
        Assert.Equal(0, seen.ContentLength);
        Assert.False(seen.Headers.ContainsKey("Content-Type"));
    }

    [Fact]
    public async Task Request_headers_such_as_if_match_are_sent()
    {
        var h = new ScriptedArmHandler().Then(200, "{}");
        var s = ScriptedArm.Session(h);
        await ArmRest.SendAsync(s, RequestMethod.Put, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), new JsonObject(), new RecordingContext(), "rg1/c1",
            requestHeaders: new Dictionary<string, string> { ["If-Match"] = "\"etag-1\"" });
        Assert.Equal("\"etag-1\"", Assert.Single(h.Requests).Headers["If-Match"]);
    }

    [Fact]
    public async Task A_cancelled_command_stops_the_request_with_a_cancellation_not_an_error_record()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var h = new ScriptedArmHandler().Then(200, "{}");
        var s = ScriptedArm.Session(h);
        var e = await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ArmRest.SendAsync(s, RequestMethod.Get, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, new RecordingContext(token: cts.Token), "rg1/c1"));
        Assert.IsNotType<AksEgressException>(e);
        Assert.Empty(h.Requests);
    }

    [Fact]
    public async Task An_explicit_token_wins_over_the_command_token()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        var h = new ScriptedArmHandler().Then(200, "{}");
        var s = ScriptedArm.Session(h);
        var r = await ArmRest.SendAsync(s, RequestMethod.Delete, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, new RecordingContext(token: cancelled.Token), "rg1/c1",
            ct: CancellationToken.None);
        Assert.Equal(200, r.Status);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ArmRest.SendAsync(s, RequestMethod.Delete, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, new RecordingContext(), "rg1/c1", ct: cancelled.Token));
    }

    [Fact]
    public async Task A_refused_connection_is_endpoint_unreachable_naming_the_endpoint_and_the_socket_error()
    {
        var h = new ScriptedArmHandler().ThenThrow(new HttpRequestException("Connection failed.", new SocketException((int)SocketError.ConnectionRefused)));
        var s = ScriptedArm.Session(h);
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.SendAsync(s, RequestMethod.Get, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, new RecordingContext(), "rg1/c1"));
        Assert.Equal(ErrorIds.EndpointUnreachable, e.ErrorId);
        Assert.Equal(EgressErrorCategory.ConnectionError, e.Category);
        Assert.Equal("https://management.azure.com/", e.TargetObject);
        Assert.Contains("Could not reach the ARM endpoint https://management.azure.com/ (after retries)", e.Message);
        Assert.Contains(new SocketException((int)SocketError.ConnectionRefused).Message, e.Message);
        Assert.Contains("proxy settings and -ArmEndpoint", e.RecommendedAction);
    }

    [Theory]
    [InlineData(false, "TLS validation is never turned off")]
    [InlineData(true, "Pass the PEM of the CA that issued this endpoint's certificate with -CaCertificatePath")]
    public async Task An_untrusted_certificate_is_tls_validation_failed_with_the_fix_for_the_trust_in_use(bool customCa, string action)
    {
        var h = new ScriptedArmHandler().ThenThrow(new HttpRequestException("The SSL connection could not be established.",
            new AuthenticationException("The remote certificate is invalid according to the validation procedure.")));
        var s = ScriptedArm.Session(h, caCertificatePath: customCa ? "/tmp/ca.pem" : null);
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.SendAsync(s, RequestMethod.Get, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, new RecordingContext(), "rg1/c1"));
        Assert.Equal(ErrorIds.TlsValidationFailed, e.ErrorId);
        Assert.Equal(EgressErrorCategory.AuthenticationError, e.Category);
        Assert.Contains("The TLS certificate of the ARM endpoint https://management.azure.com/ was not trusted", e.Message);
        Assert.Equal(customCa, e.Message.Contains("(not issued by the CA passed with -CaCertificatePath, or the host name does not match)"));
        Assert.Contains(action, e.RecommendedAction);
    }

    [Fact]
    public async Task No_credential_at_all_is_authentication_failed_telling_how_to_sign_in_with_secrets_masked()
    {
        var cred = new ScriptedCredential("", new CredentialUnavailableException("EnvironmentCredential: token Bearer abc.def.ghi-secret was rejected"));
        var h = new ScriptedArmHandler();
        var s = ScriptedArm.Session(h, credential: cred);
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.SendAsync(s, RequestMethod.Get, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, new RecordingContext(), "rg1/c1"));
        Assert.Equal(ErrorIds.AuthenticationFailed, e.ErrorId);
        Assert.Equal(EgressErrorCategory.AuthenticationError, e.Category);
        Assert.Equal("rg1/c1", e.TargetObject);
        Assert.StartsWith("No Azure credential is available: EnvironmentCredential", e.Message);
        Assert.DoesNotContain("abc.def.ghi-secret", e.Message);
        Assert.Contains("Sign in with az login or Connect-AzAccount, or run Connect-AksEgress", e.RecommendedAction);
        Assert.Empty(h.Requests);
    }

    [Fact]
    public async Task A_token_that_cannot_be_had_is_authentication_failed()
    {
        var cred = new ScriptedCredential("", new AuthenticationFailedException("ManagedIdentityCredential authentication failed: 400 Identity not found"));
        var s = ScriptedArm.Session(new ScriptedArmHandler(), credential: cred);
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.SendAsync(s, RequestMethod.Get, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, new RecordingContext(), "rg1/c1"));
        Assert.Equal(ErrorIds.AuthenticationFailed, e.ErrorId);
        Assert.Equal("rg1/c1", e.TargetObject);
        Assert.StartsWith("Could not get an access token for ARM: ManagedIdentityCredential authentication failed", e.Message);
        Assert.Contains("Connect-AksEgress -Identity / -AccessToken", e.RecommendedAction);
    }

    public static TheoryData<Exception, string> FailuresWithoutAResponse => new()
    {
        { new IOException("pipe broken"), ErrorIds.EndpointUnreachable },
        { new HttpRequestException("no route"), ErrorIds.EndpointUnreachable },
        { new AggregateException(new SocketException((int)SocketError.HostNotFound)), ErrorIds.EndpointUnreachable },
        { new AggregateException(new AuthenticationFailedException("inner token failure")), ErrorIds.AuthenticationFailed },
        { new RequestFailedException("status zero"), ErrorIds.EndpointUnreachable },
        { new RequestFailedException(500, "odd failure"), ErrorIds.UnexpectedError },
    };

    [Theory]
    [MemberData(nameof(FailuresWithoutAResponse))]
    public async Task Each_known_failure_without_a_response_becomes_an_error_record(Exception failure, string errorId)
    {
        var s = ScriptedArm.Session(new ScriptedArmHandler(), credential: new ScriptedCredential("", failure));
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.SendAsync(s, RequestMethod.Get, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, new RecordingContext(), "rg1/c1"));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Same(failure, e.InnerException);
    }

    [Fact]
    public async Task A_programming_error_is_not_disguised_as_an_arm_failure()
    {
        var s = ScriptedArm.Session(new ScriptedArmHandler(), credential: new ScriptedCredential("", new InvalidOperationException("bug")));
        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            ArmRest.SendAsync(s, RequestMethod.Get, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, new RecordingContext(), "rg1/c1"));
    }

    [Fact]
    public async Task Checked_send_returns_a_success()
    {
        var h = new ScriptedArmHandler().Then(200, """{"name":"c1"}""");
        var s = ScriptedArm.Session(h);
        var r = await ArmRest.SendCheckedAsync(s, RequestMethod.Get, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, new RecordingContext(), ClusterScope,
            headers: new Dictionary<string, string> { ["If-None-Match"] = "*" });
        Assert.Equal("""{"name":"c1"}""", r!.Content);
        Assert.Equal("*", Assert.Single(h.Requests).Headers["If-None-Match"]);
    }

    [Fact]
    public async Task Checked_send_turns_a_missing_resource_into_null_when_allowed()
    {
        var h = new ScriptedArmHandler().Then(404, """{"error":{"code":"ResourceNotFound","message":"The Resource was not found."}}""");
        var s = ScriptedArm.Session(h);
        Assert.Null(await ArmRest.SendCheckedAsync(s, RequestMethod.Get, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, new RecordingContext(), ClusterScope, allow404: true));
    }

    [Fact]
    public async Task Checked_send_maps_a_missing_resource_when_not_allowed()
    {
        var h = new ScriptedArmHandler().Then(404, """{"error":{"code":"ResourceNotFound","message":"The Resource was not found."}}""");
        var s = ScriptedArm.Session(h);
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.SendCheckedAsync(s, RequestMethod.Get, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, new RecordingContext(), ClusterScope));
        Assert.Equal(ErrorIds.ClusterNotFound, e.ErrorId);
        Assert.Equal(404, e.HttpStatus);
    }

    [Theory]
    [InlineData("ResourceGroupNotFound", ErrorIds.ResourceGroupNotFound)]
    [InlineData("SubscriptionNotFound", ErrorIds.SubscriptionNotFound)]
    public async Task Checked_send_never_takes_a_missing_group_or_subscription_for_a_missing_resource(string code, string errorId)
    {
        var h = new ScriptedArmHandler().Then(404, "{\"error\":{\"code\":\"" + code + "\",\"message\":\"not found\"}}");
        var s = ScriptedArm.Session(h);
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.SendCheckedAsync(s, RequestMethod.Get, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, new RecordingContext(), ClusterScope, allow404: true));
        Assert.Equal(errorId, e.ErrorId);
    }

    [Fact]
    public async Task Checked_send_maps_other_failures_even_when_404_is_allowed()
    {
        var h = new ScriptedArmHandler().Then(403, """{"error":{"code":"AuthorizationFailed","message":"does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/read' over scope '/subscriptions/s/resourceGroups/rg1'"}}""");
        var s = ScriptedArm.Session(h);
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.SendCheckedAsync(s, RequestMethod.Get, ArmRest.Url(s, ClusterPath, ApiVersions.ManagedClusters), null, new RecordingContext(), ClusterScope, allow404: true));
        Assert.Equal(ErrorIds.AuthorizationFailed, e.ErrorId);
        Assert.Equal(403, e.HttpStatus);
    }
}
