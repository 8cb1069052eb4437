using System.Diagnostics;
using AksEgress.Engine;
using AksEgress.Engine.Arm;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>
/// Waiting for a long-running ARM operation (no emulator): Azure-AsyncOperation polling (preferred), Location polling, the
/// resource's own provisioningState, the final GET, Failed/Canceled with the nested cause, and the deadline. Canned responses
/// follow the published shapes (reference api-payloads.md: a 201 with Azure-AsyncOperation + Retry-After, then
/// {"status":"InProgress"} and {"status":"Succeeded"}; a DELETE 202 with Location).
/// </summary>
public class ArmRestLongRunningTests
{
    private const string IpPath = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/egress-rg/providers/Microsoft.Network/publicIPAddresses/ip1";
    private const string OpUrl = "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/locations/eastus/operations/op-1?api-version=2025-07-01";
    private const string LocationUrl = "https://management.azure.com/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Network/locations/eastus/operationResults/op-1?api-version=2025-07-01";
    private const string Updating = """{"name":"ip1","properties":{"provisioningState":"Updating"}}""";
    private const string Succeeded = """{"name":"ip1","properties":{"provisioningState":"Succeeded","ipAddress":"20.1.2.3"}}""";
    private static readonly ErrorScope IpScope = new(ArmTargetKind.PublicIp, "egress-rg/ip1") { ResourceGroupName = "egress-rg" };

    private static ArmResult Initial(int status, string? content = null, params (string Name, string Value)[] headers)
    {
        var h = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (n, v) in headers) h[n] = v;
        return new ArmResult { Status = status, Content = content ?? "", Headers = h };
    }

    private static (ArmSession Session, Uri ResourceUri) Arm(ScriptedArmHandler h)
    {
        var s = ScriptedArm.Session(h);
        return (s, ArmRest.Url(s, IpPath, ApiVersions.Network));
    }

    private static readonly (string, string) NoWait = ("Retry-After", "0");

    [Fact]
    public async Task Azure_async_operation_is_polled_until_succeeded_then_the_resource_is_read()
    {
        var h = new ScriptedArmHandler()
            .Then(200, """{"status":"InProgress"}""", NoWait)
            .Then(200, """{"status":"Succeeded"}""")
            .Then(200, Succeeded);
        var (s, uri) = Arm(h);
        var ctx = new RecordingContext();
        var r = await ArmRest.WaitAsync(s, Initial(201, Updating, ("Azure-AsyncOperation", OpUrl), NoWait), uri, "Creating public IP ip1", 60, ctx, IpScope);
        Assert.Equal(Succeeded, r!.Content);
        Assert.Equal([OpUrl, OpUrl, uri.ToString()], h.Requests.Select(q => q.Uri.ToString()));
        Assert.All(h.Requests, q => Assert.Equal(HttpMethod.Get, q.Method));
        // One progress bar for the whole wait, closed at the end.
        var bars = ctx.Progress.ToArray();
        Assert.Single(bars.Select(p => p.ActivityId).Distinct());
        Assert.InRange(bars[0].ActivityId, 1, 100000);
        Assert.All(bars, b => Assert.Equal("Waiting for Creating public IP ip1", b.Activity));
        Assert.Equal("0 s elapsed", bars[0].Status);
        Assert.Equal(("Done", 100, true), (bars[^1].Status, bars[^1].PercentComplete, bars[^1].Completed));
    }

    [Fact]
    public async Task A_poll_without_a_status_counts_as_in_progress()
    {
        var h = new ScriptedArmHandler()
            .Then(200, "{}", NoWait)
            .Then(200, """{"status":"succeeded"}""")
            .Then(200, Succeeded);
        var (s, uri) = Arm(h);
        await ArmRest.WaitAsync(s, Initial(201, Updating, ("Azure-AsyncOperation", OpUrl), NoWait), uri, "Creating public IP ip1", 60, new RecordingContext(), IpScope);
        Assert.Equal(3, h.Requests.Count);
    }

    [Fact]
    public async Task Azure_async_operation_is_preferred_over_location()
    {
        var h = new ScriptedArmHandler().Then(200, """{"status":"Succeeded"}""");
        var (s, _) = Arm(h);
        var r = await ArmRest.WaitAsync(s, Initial(202, null, ("Location", LocationUrl), ("Azure-AsyncOperation", OpUrl), NoWait), null, "Deleting public IP ip1", 60, new RecordingContext(), IpScope);
        Assert.Equal(OpUrl, Assert.Single(h.Requests).Uri.ToString());
        Assert.Equal("""{"status":"Succeeded"}""", r!.Content);
    }

    [Theory]
    [InlineData("Failed")]
    [InlineData("Canceled")]
    public async Task A_failed_or_canceled_operation_is_operation_failed_with_arm_code_and_message(string status)
    {
        var h = new ScriptedArmHandler().Then(200, $$$"""{"status":"{{{status}}}","error":{"code":"InternalServerError","message":"An error occurred."}}""");
        var (s, uri) = Arm(h);
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.WaitAsync(s, Initial(201, Updating, ("Azure-AsyncOperation", OpUrl), NoWait), uri, "Creating public IP ip1", 60, new RecordingContext(), IpScope));
        Assert.Equal(ErrorIds.OperationFailed, e.ErrorId);
        Assert.Equal(EgressErrorCategory.InvalidResult, e.Category);
        Assert.Equal("egress-rg/ip1", e.TargetObject);
        Assert.Equal($"Creating public IP ip1 ended {status}: InternalServerError: An error occurred.", e.Message);
        Assert.Equal("InternalServerError", e.RemoteCode);
        Assert.Equal(200, e.HttpStatus);
        Assert.Contains("fix its cause and run the command again (it is idempotent)", e.RecommendedAction);
        Assert.Single(h.Requests);
    }

    [Fact]
    public async Task A_failure_without_error_details_says_so_and_masks_tokens()
    {
        var h = new ScriptedArmHandler().Then(200, """{"status":"Failed"}""");
        var (s, uri) = Arm(h);
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.WaitAsync(s, Initial(201, Updating, ("Azure-AsyncOperation", OpUrl), NoWait), uri, "Creating public IP ip1", 60, new RecordingContext(), IpScope));
        Assert.Equal("Creating public IP ip1 ended Failed: (no error details)", e.Message);
        Assert.Null(e.RemoteCode);

        var h2 = new ScriptedArmHandler().Then(200, $$$"""{"status":"Failed","error":{"code":"Conflict","message":"token {{{ScriptedArm.Token}}} rejected"}}""");
        var (s2, uri2) = Arm(h2);
        var e2 = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.WaitAsync(s2, Initial(201, Updating, ("Azure-AsyncOperation", OpUrl), NoWait), uri2, "Creating public IP ip1", 60, new RecordingContext(), IpScope));
        Assert.DoesNotContain(ScriptedArm.Token, e2.Message);
        Assert.Contains(Redaction.Mask, e2.Message);
    }

    [Fact]
    public async Task A_failure_nested_in_details_is_named_by_its_innermost_code_keeping_the_outer_words()
    {
        var h = new ScriptedArmHandler().Then(200, """
            {"status":"Failed","error":{"code":"DeploymentFailed","message":"At least one resource deployment operation failed.",
             "details":[{"message":"no code here"},{"code":"QuotaExceeded","message":"Operation could not be completed as it results in exceeding approved quota."}]}}
            """);
        var (s, uri) = Arm(h);
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.WaitAsync(s, Initial(201, Updating, ("Azure-AsyncOperation", OpUrl), NoWait), uri, "Creating public IP ip1", 60, new RecordingContext(), IpScope));
        Assert.Equal(ErrorIds.OperationFailed, e.ErrorId);
        Assert.Equal("QuotaExceeded", e.RemoteCode);
        Assert.Equal("Creating public IP ip1 ended Failed: QuotaExceeded: Operation could not be completed as it results in exceeding approved quota. " +
                     "(reported inside DeploymentFailed: At least one resource deployment operation failed.)", e.Message);
    }

    public static TheoryData<string, string> AsyncFailuresMappedLikeSyncOnes => new()
    {
        { """{"code":"AuthorizationFailed","message":"does not have authorization to perform action 'Microsoft.Network/publicIPAddresses/write' over scope '/subscriptions/s/resourceGroups/egress-rg'"}""", ErrorIds.AuthorizationFailed },
        { """{"code":"LinkedAuthorizationFailed","message":"The client with object id 'o1' has permission to perform action 'w' on scope 'x'; however, it does not have permission to perform action 'Microsoft.Network/publicIPAddresses/join/action' on the linked scope(s) '/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/publicIPAddresses/p' or the linked scope(s) are invalid."}""", ErrorIds.LinkedAuthorizationFailed },
        { """{"code":"DenyAssignmentAuthorizationFailed","message":"denied by deny assignment with name 'stack-deny' and Id 'da1' at scope '/subscriptions/s/resourceGroups/egress-rg'"}""", ErrorIds.DenyAssignmentAuthorizationFailed },
        { """{"code":"RequestDisallowedByPolicy","message":"Resource 'ip1' was disallowed by policy."}""", ErrorIds.RequestDisallowedByPolicy },
        { """{"code":"ScopeLocked","message":"The scope cannot perform write operation because following scope(s) are locked: '/subscriptions/s/resourceGroups/egress-rg'."}""", ErrorIds.ScopeLocked },
        { """{"code":"StandardSkuPublicIPCountLimitReached","message":"Cannot create more than 10 public IP addresses."}""", ErrorIds.PublicIpQuotaExceeded },
        { """{"code":"InvalidResourceName","message":"Resource name ip! is invalid."}""", ErrorIds.InvalidPublicIpName },
        { """{"code":"PublicIPAddressInUse","message":"Public IP address is in use."}""", ErrorIds.PublicIpInUse },
    };

    [Theory]
    [MemberData(nameof(AsyncFailuresMappedLikeSyncOnes))]
    public async Task An_authorization_lock_policy_quota_or_name_failure_reported_by_the_operation_maps_like_a_synchronous_one(string error, string errorId)
    {
        var h = new ScriptedArmHandler().Then(200, """{"status":"Failed","error":""" + error + "}");
        var (s, uri) = Arm(h);
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.WaitAsync(s, Initial(201, Updating, ("Azure-AsyncOperation", OpUrl), NoWait), uri, "Creating public IP ip1", 60, new RecordingContext(), IpScope));
        Assert.Equal(errorId, e.ErrorId);
    }

    [Fact]
    public async Task A_failing_poll_of_azure_async_operation_is_mapped_from_its_status()
    {
        var h = new ScriptedArmHandler().Then(400, """{"error":{"code":"BadRequest","message":"bad poll"}}""");
        var (s, uri) = Arm(h);
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.WaitAsync(s, Initial(201, Updating, ("Azure-AsyncOperation", OpUrl), NoWait), uri, "Creating public IP ip1", 60, new RecordingContext(), IpScope));
        Assert.Equal(ErrorIds.ArmRequestFailed, e.ErrorId);
        Assert.Equal(400, e.HttpStatus);
    }

    [Fact]
    public async Task Location_is_polled_while_202_then_the_resource_is_read()
    {
        var h = new ScriptedArmHandler()
            .Then(202, null, ("Location", LocationUrl), NoWait)
            .Then(200, Succeeded)
            .Then(200, Succeeded);
        var (s, uri) = Arm(h);
        var r = await ArmRest.WaitAsync(s, Initial(202, null, ("Location", LocationUrl), NoWait), uri, "Updating public IP ip1", 60, new RecordingContext(), IpScope);
        Assert.Equal(Succeeded, r!.Content);
        Assert.Equal([LocationUrl, LocationUrl, uri.ToString()], h.Requests.Select(q => q.Uri.ToString()));
    }

    [Fact]
    public async Task Location_polling_without_a_resource_returns_the_last_poll()
    {
        var h = new ScriptedArmHandler().Then(204);
        var (s, _) = Arm(h);
        var r = await ArmRest.WaitAsync(s, Initial(202, null, ("Location", LocationUrl), NoWait), null, "Deleting public IP ip1", 60, new RecordingContext(), IpScope);
        Assert.Equal(204, r!.Status);
        Assert.Single(h.Requests);
    }

    [Fact]
    public async Task A_location_poll_that_returns_the_operation_error_is_operation_failed()
    {
        var h = new ScriptedArmHandler().Then(400, """{"error":{"code":"InUseNetworkIPAddress","message":"IP is referenced by a load balancer."}}""");
        var (s, _) = Arm(h);
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.WaitAsync(s, Initial(202, null, ("Location", LocationUrl), NoWait), null, "Deleting public IP ip1", 60, new RecordingContext(), IpScope));
        Assert.Equal(ErrorIds.OperationFailed, e.ErrorId);
        Assert.Equal("Deleting public IP ip1 ended Failed: InUseNetworkIPAddress: IP is referenced by a load balancer.", e.Message);
    }

    [Theory]
    [InlineData(401, ErrorIds.AuthenticationFailed)]
    [InlineData(403, ErrorIds.AuthorizationFailed)]
    [InlineData(404, ErrorIds.PublicIpNotFound)]
    [InlineData(500, ErrorIds.ArmRequestFailed)]
    public async Task A_location_poll_refused_for_access_absence_or_server_error_keeps_its_own_mapping(int status, string errorId)
    {
        var h = new ScriptedArmHandler().Then(status, """{"error":{"code":"Whatever","message":"poll refused"}}""");
        var (s, _) = Arm(h);
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.WaitAsync(s, Initial(202, null, ("Location", LocationUrl), NoWait), null, "Deleting public IP ip1", 60, new RecordingContext(), IpScope));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(status, e.HttpStatus);
    }

    [Fact]
    public async Task A_location_poll_error_that_is_not_json_is_mapped_from_its_status()
    {
        var h = new ScriptedArmHandler().Then(400, "<html>Bad Request</html>");
        var (s, _) = Arm(h);
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.WaitAsync(s, Initial(202, null, ("Location", LocationUrl), NoWait), null, "Deleting public IP ip1", 60, new RecordingContext(), IpScope));
        Assert.Equal(ErrorIds.ArmRequestFailed, e.ErrorId);
        Assert.Contains("<html>Bad Request</html>", e.Message);
    }

    [Fact]
    public async Task Without_polling_headers_the_resource_is_read_until_its_provisioning_state_is_terminal()
    {
        var h = new ScriptedArmHandler().Then(200, Updating, NoWait).Then(200, Succeeded);
        var (s, uri) = Arm(h);
        var r = await ArmRest.WaitAsync(s, Initial(201, Updating, NoWait), uri, "Creating public IP ip1", 60, new RecordingContext(), IpScope);
        Assert.Equal(Succeeded, r!.Content);
        Assert.Equal(2, h.Requests.Count);
        Assert.All(h.Requests, q => Assert.Equal(uri, q.Uri));
    }

    [Theory]
    [InlineData("Failed")]
    [InlineData("canceled")]
    public async Task A_resource_that_ends_failed_or_canceled_is_operation_failed(string state)
    {
        var h = new ScriptedArmHandler().Then(200, $$$"""{"properties":{"provisioningState":"{{{state}}}"}}""");
        var (s, uri) = Arm(h);
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.WaitAsync(s, Initial(201, Updating, NoWait), uri, "Creating public IP ip1", 60, new RecordingContext(), IpScope));
        Assert.Equal(ErrorIds.OperationFailed, e.ErrorId);
        Assert.Equal($"Creating public IP ip1 ended {state}: (no error details)", e.Message);
    }

    [Fact]
    public async Task A_finished_200_with_the_resource_is_returned_without_another_request()
    {
        var h = new ScriptedArmHandler();
        var (s, uri) = Arm(h);
        var initial = Initial(200, Succeeded);
        Assert.Same(initial, await ArmRest.WaitAsync(s, initial, uri, "Updating public IP ip1", 60, new RecordingContext(), IpScope));
        Assert.Empty(h.Requests);
    }

    [Fact]
    public async Task Without_a_resource_to_read_the_initial_answer_is_returned()
    {
        var h = new ScriptedArmHandler();
        var (s, _) = Arm(h);
        var initial = Initial(204);
        Assert.Same(initial, await ArmRest.WaitAsync(s, initial, null, "Deleting public IP ip1", 60, new RecordingContext(), IpScope));
        Assert.Empty(h.Requests);
    }

    [Theory]
    [InlineData(201, Succeeded)]
    [InlineData(200, "")]
    public async Task A_finished_answer_that_is_not_a_200_with_a_body_is_followed_by_a_read(int status, string content)
    {
        var h = new ScriptedArmHandler().Then(200, Succeeded);
        var (s, uri) = Arm(h);
        var r = await ArmRest.WaitAsync(s, Initial(status, content), uri, "Creating public IP ip1", 60, new RecordingContext(), IpScope);
        Assert.Equal(Succeeded, r!.Content);
        Assert.Equal(uri, Assert.Single(h.Requests).Uri);
    }

    [Fact]
    public async Task A_created_answer_whose_body_is_not_json_is_followed_by_a_read()
    {
        var h = new ScriptedArmHandler().Then(200, Succeeded);
        var (s, uri) = Arm(h);
        var r = await ArmRest.WaitAsync(s, Initial(201, "Created"), uri, "Creating public IP ip1", 60, new RecordingContext(), IpScope);
        Assert.Equal(Succeeded, r!.Content);
        Assert.Single(h.Requests);
    }

    [Theory]
    [InlineData("Failed")]
    [InlineData("Canceled")]
    public async Task A_resource_that_is_already_failed_or_canceled_is_not_polled(string state)
    {
        var h = new ScriptedArmHandler();
        var (s, uri) = Arm(h);
        var initial = Initial(200, $$$"""{"properties":{"provisioningState":"{{{state}}}"}}""");
        Assert.Same(initial, await ArmRest.WaitAsync(s, initial, uri, "Updating public IP ip1", 60, new RecordingContext(), IpScope));
        Assert.Empty(h.Requests);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    public async Task An_operation_still_running_at_the_deadline_is_operation_timed_out_after_waiting_the_deadline(int timeoutSeconds)
    {
        var h = new ScriptedArmHandler();
        var (s, uri) = Arm(h);
        var sw = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<AksEgressException>(() =>
            ArmRest.WaitAsync(s, Initial(201, Updating, ("Azure-AsyncOperation", OpUrl), ("Retry-After", "30")), uri, "Creating public IP ip1", timeoutSeconds, new RecordingContext(), IpScope));
        Assert.Equal(ErrorIds.OperationTimedOut, e.ErrorId);
        Assert.Equal(EgressErrorCategory.OperationTimeout, e.Category);
        Assert.Equal("egress-rg/ip1", e.TargetObject);
        Assert.Equal("Creating public IP ip1 was still running after 1 s, so this command stopped waiting. The operation may still complete in Azure.", e.Message);
        Assert.Contains("pass a larger -TimeoutSeconds", e.RecommendedAction);
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(900), $"gave up after {sw.Elapsed} instead of waiting out the 1 s deadline");
        Assert.Empty(h.Requests);
    }

    [Fact]
    public async Task Without_retry_after_polls_are_a_second_apart()
    {
        var h = new ScriptedArmHandler().Then(200, """{"status":"Succeeded"}""");
        var (s, _) = Arm(h);
        var sw = Stopwatch.StartNew();
        await ArmRest.WaitAsync(s, Initial(202, null, ("Azure-AsyncOperation", OpUrl)), null, "Deleting public IP ip1", 60, new RecordingContext(), IpScope);
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(950), $"polled after {sw.Elapsed}");
    }

    [Fact]
    public async Task Retry_after_zero_is_honoured_at_first_then_polls_back_off_a_little()
    {
        var h = new ScriptedArmHandler();
        for (var i = 0; i < 6; i++) h.Then(200, """{"status":"InProgress"}""", NoWait);
        h.Then(200, """{"status":"Succeeded"}""");
        var (s, _) = Arm(h);
        var sw = Stopwatch.StartNew();
        await ArmRest.WaitAsync(s, Initial(202, null, ("Azure-AsyncOperation", OpUrl), NoWait), null, "Deleting public IP ip1", 60, new RecordingContext(), IpScope);
        Assert.Equal(7, h.Requests.Count);
        // Polls 4-7 wait 150, 200, 250, 300 ms: a stuck operation is not polled in a tight loop.
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(850), $"7 polls took only {sw.Elapsed}");
    }

    [Fact]
    public async Task Cancelling_the_command_stops_the_wait()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        var h = new ScriptedArmHandler();
        var (s, uri) = Arm(h);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ArmRest.WaitAsync(s, Initial(201, Updating, ("Azure-AsyncOperation", OpUrl), ("Retry-After", "20")), uri, "Creating public IP ip1", 60, new RecordingContext(token: cts.Token), IpScope));
        Assert.Empty(h.Requests);
    }
}
