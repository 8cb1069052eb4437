using System.Diagnostics;
using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Faults;

/// <summary>
/// The ARM rows of the fault matrix (docs/reliability.md). Every row injects a fault, asserts the outcome (success or a
/// specific ErrorId), asserts that nothing leaked (no IP or cluster left in a non-Succeeded state, nothing half-created),
/// and re-runs the same operation without the fault to show it converges. Rows already covered for their outcome by
/// tests/AksEgress.Tests/Arm are repeated here only for the leak and re-run halves.
/// </summary>
public class ArmFaultMatrixTests
{
    private static NewEgressIpRequest Ip(string name, int timeout = 30) => new() { Name = name, ResourceGroupName = "egress-rg", Location = "eastus", TimeoutSeconds = timeout };

    private static async Task<EgressIp> RerunConverges(ConnectedEngine f, string name)
    {
        var again = await f.Engine.NewEgressIpAsync(Ip(name), new NullOperationContext());
        Assert.NotNull(again);
        Assert.False(string.IsNullOrEmpty(again.IpAddress), $"re-run of {name} has no address");
        Assert.Equal("Succeeded", (string?)f.Emu.World.GetPublicIp("egress-rg", name)!["properties"]!["provisioningState"]);
        var third = await f.Engine.NewEgressIpAsync(Ip(name), new NullOperationContext());
        Assert.NotNull(third);
        Assert.False(third.Created);
        Assert.Equal(again.IpAddress, third.IpAddress);
        return again;
    }

    private static async Task<AksEgressException> Fails(Func<Task> action)
    {
        var e = await Assert.ThrowsAsync<AksEgressException>(action);
        Assert.False(string.IsNullOrWhiteSpace(e.RecommendedAction), $"{e.ErrorId} has no recommended action");
        return e;
    }

    [Fact]
    public async Task Throttled_put_honours_retry_after_then_succeeds()
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "publicIPAddresses/t429", Status = 429, Count = 1, Headers = new() { ["Retry-After"] = "1" } });
        var ip = await f.Engine.NewEgressIpAsync(Ip("t429"), new NullOperationContext());
        Assert.NotNull(ip);
        Assert.True(ip.Created);
        var puts = f.Arm.Where(r => r.Method == "PUT").OrderBy(r => r.Timestamp).ToArray();
        Assert.Equal(2, puts.Length);
        Assert.True(puts[1].Timestamp - puts[0].Timestamp >= TimeSpan.FromMilliseconds(900), "the retry must wait for Retry-After");
        FaultLedger.Record("ARM 429 + Retry-After", f.Emu, FaultLedger.Leaks(f.Emu));
        await RerunConverges(f, "t429");
    }

    [Fact]
    public async Task Server_errors_are_retried_within_a_bound()
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "managedClusters/standard-lb", Status = 500, Count = 2, Headers = new() { ["Retry-After"] = "0" } });
        Assert.Equal("standard-lb", (await f.Engine.GetClusterAsync(f.Cluster("standard-lb"), new NullOperationContext())).ClusterName);
        Assert.Equal(3, f.Arm.Count(r => r.PathAndQuery.Contains("managedClusters/standard-lb")));

        f.Emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "publicIPAddresses/t503", Status = 503, Count = -1, Headers = new() { ["Retry-After"] = "0" } });
        var sw = Stopwatch.StartNew();
        var e = await Fails(() => f.Engine.NewEgressIpAsync(Ip("t503"), new NullOperationContext()));
        Assert.Equal(ErrorIds.ArmRequestFailed, e.ErrorId);
        Assert.Equal(EgressErrorCategory.ResourceUnavailable, e.Category);
        Assert.Equal(503, e.HttpStatus);
        Assert.Equal("ServiceUnavailable", e.RemoteCode);
        Assert.Equal(4, f.Arm.Count(r => r.Method == "PUT"));   // 1 + 3 retries, then it stops
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), sw.Elapsed.ToString());
        Assert.Null(f.Emu.World.GetPublicIp("egress-rg", "t503"));
        FaultLedger.Record("ARM 500/503 bounded retries", f.Emu, FaultLedger.Leaks(f.Emu));
        f.Emu.Faults.Clear();
        await RerunConverges(f, "t503");
    }

    [Fact]
    public async Task Connection_reset_on_a_put_is_retried_and_creates_one_ip()
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "publicIPAddresses/reset", ResetConnection = true, Count = 1 });
        var ip = await f.Engine.NewEgressIpAsync(Ip("reset"), new NullOperationContext());
        Assert.NotNull(ip);
        Assert.False(string.IsNullOrEmpty(ip.IpAddress));
        Assert.Equal(2, f.Arm.Count(r => r.Method == "PUT"));
        Assert.Single(f.Emu.World.Dump()["publicIPAddresses"]!.AsArray(), p => (string?)p!["name"] == "reset");

        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "publicIPAddresses/reset2", ResetConnection = true, Count = -1 });
        var e = await Fails(() => f.Engine.NewEgressIpAsync(Ip("reset2"), new NullOperationContext()));
        Assert.Equal(ErrorIds.EndpointUnreachable, e.ErrorId);
        Assert.DoesNotContain(f.Arm, r => r.Method == "PUT" && r.PathAndQuery.Contains("reset2"));
        FaultLedger.Record("ARM connection reset", f.Emu, FaultLedger.Leaks(f.Emu));
        f.Emu.Faults.Clear();
        await RerunConverges(f, "reset2");
    }

    [Fact]
    public async Task Failed_operation_carries_its_error_and_a_rerun_repairs_the_failed_ip()
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "publicIPAddresses/lrofail", LroOutcome = "failed", LroErrorCode = "InternalServerError", LroErrorMessage = "Allocation failed in eastus." });
        var e = await Fails(() => f.Engine.NewEgressIpAsync(Ip("lrofail"), new NullOperationContext()));
        Assert.Equal(ErrorIds.OperationFailed, e.ErrorId);
        Assert.Equal("InternalServerError", e.RemoteCode);
        Assert.Contains("Allocation failed in eastus.", e.Message);
        Assert.Equal("egress-rg/lrofail", (string?)e.TargetObject);
        // Azure keeps the resource in state Failed: the re-run must repair it (PUT again), not return it as if it were fine.
        Assert.Equal("Failed", (string?)f.Emu.World.GetPublicIp("egress-rg", "lrofail")!["properties"]!["provisioningState"]);
        var again = await RerunConverges(f, "lrofail");
        Assert.True(again.Created);
        FaultLedger.Record("ARM LRO Failed", f.Emu, FaultLedger.Leaks(f.Emu));
    }

    /// <summary>Time passes in Azure: polls every operation the engine left behind until it is no longer InProgress (the emulator advances on polls).</summary>
    private static async Task LetRunningOperationsFinish(ConnectedEngine f)
    {
        var policy = new System.Security.Cryptography.X509Certificates.X509ChainPolicy
        {
            TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust,
            RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck,
        };
        policy.CustomTrustStore.Add(f.Emu.CaCertificate);
        using var http = new HttpClient(new SocketsHttpHandler { SslOptions = { CertificateChainPolicy = policy } });
        http.DefaultRequestHeaders.Authorization = new("Bearer", f.Emu.AccessToken);
        foreach (var path in f.Arm.Where(r => r.PathAndQuery.Contains("/operations/")).Select(r => r.PathAndQuery).Distinct().ToList())
            for (var i = 0; i < 200; i++)
            {
                var body = System.Text.Json.Nodes.JsonNode.Parse(await http.GetStringAsync(new Uri(f.Emu.ArmEndpoint, path.TrimStart('/'))));
                if ((string?)body?["status"] != "InProgress") break;
            }
    }

    [Fact]
    public async Task Slow_operation_respects_the_timeout_a_rerun_meanwhile_is_told_to_wait_and_a_rerun_later_converges()
    {
        await using var f = await ConnectedEngine.StartAsync(new EmulatorOptions { LroInProgressPolls = 100 });
        var sw = Stopwatch.StartNew();
        var e = await Fails(() => f.Engine.NewEgressIpAsync(Ip("lroslow", timeout: 2), new NullOperationContext()));
        Assert.Equal(ErrorIds.OperationTimedOut, e.ErrorId);
        Assert.Equal(EgressErrorCategory.OperationTimeout, e.Category);
        Assert.Contains("after 2 s", e.Message);
        Assert.Contains("may still complete in Azure", e.Message);
        Assert.True(sw.Elapsed >= TimeSpan.FromSeconds(1.5) && sw.Elapsed < TimeSpan.FromSeconds(6), sw.Elapsed.ToString());
        // While Azure is still working on it, a re-run is refused with a clear "busy" error, not a second resource.
        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "publicIPAddresses/lroslow", Status = 500, Count = 1, Headers = new() { ["Retry-After"] = "0" } });
        var busy = await Fails(() => f.Engine.NewEgressIpAsync(Ip("lroslow", timeout: 2), new NullOperationContext()));
        Assert.Equal(ErrorIds.ConflictingOperation, busy.ErrorId);
        Assert.Equal(EgressErrorCategory.ResourceBusy, busy.Category);
        await LetRunningOperationsFinish(f);
        var again = await RerunConverges(f, "lroslow");
        Assert.False(again.Created);   // the first run's operation finished: the IP is returned, not created again
        FaultLedger.Record("ARM LRO slower than -TimeoutSeconds", f.Emu, FaultLedger.Leaks(f.Emu));
    }

    [Fact]
    public async Task Stuck_operation_respects_the_timeout()
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "publicIPAddresses/lrostuck", LroOutcome = "stuck" });
        var sw = Stopwatch.StartNew();
        var e = await Fails(() => f.Engine.NewEgressIpAsync(Ip("lrostuck", timeout: 2), new NullOperationContext()));
        Assert.Equal(ErrorIds.OperationTimedOut, e.ErrorId);
        Assert.Equal("egress-rg/lrostuck", (string?)e.TargetObject);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(6), sw.Elapsed.ToString());
        Assert.True(f.Arm.Count(r => r.PathAndQuery.Contains("/operations/")) < 40, "polling must not spin");
        // the operation never ends, so the IP stays Updating in Azure: that is Azure's state, not something the module left half-way
        var leaks = FaultLedger.Leaks(f.Emu).Where(l => !l.Contains("lrostuck is Updating")).ToList();
        FaultLedger.Record("ARM LRO never ends", f.Emu, leaks);
    }

    [Fact]
    public async Task Cancelled_operation_leaves_an_ip_a_rerun_completes()
    {
        await using var f = await ConnectedEngine.StartAsync(new EmulatorOptions { LroInProgressPolls = 100 });
        // Ctrl+C while the engine waits on the PUT's operation: the first poll is held until the engine gives up, and the
        // cancellation comes once that poll has arrived (a fixed delay cancelled before the PUT on a loaded machine, and the
        // rerun then had to sit through all 100 polls).
        var never = new TaskCompletionSource();
        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "/operations/", HoldUntil = never.Task });
        using var cts = new CancellationTokenSource();
        var run = f.Engine.NewEgressIpAsync(Ip("cancelled"), new NullOperationContext(cts.Token));
        for (var i = 0; i < 600 && !f.Arm.Any(r => r.FaultInjected); i++) await Task.Delay(50);
        Assert.Contains(f.Arm, r => r.FaultInjected && r.PathAndQuery.Contains("/operations/"));
        Assert.NotNull(f.Emu.World.GetPublicIp("egress-rg", "cancelled"));
        var sw = Stopwatch.StartNew();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(3), sw.Elapsed.ToString());
        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "publicIPAddresses/cancelled", Status = 503, Count = 1, Headers = new() { ["Retry-After"] = "0" } });
        await LetRunningOperationsFinish(f);
        await RerunConverges(f, "cancelled");
        FaultLedger.Record("ARM Ctrl+C during LRO wait", f.Emu, FaultLedger.Leaks(f.Emu));
    }

    [Theory]
    [InlineData(401, "InvalidAuthenticationToken", "The access token is invalid.", ErrorIds.AuthenticationFailed, EgressErrorCategory.AuthenticationError)]
    [InlineData(403, "AuthorizationFailed", "The client 'x' with object id 'x' does not have authorization to perform action 'Microsoft.Network/publicIPAddresses/write' over scope '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/egress-rg/providers/Microsoft.Network/publicIPAddresses/denied' or the scope is invalid. If access was recently granted, please refresh your credentials.", ErrorIds.AuthorizationFailed, EgressErrorCategory.PermissionDenied)]
    [InlineData(403, "DenyAssignmentAuthorizationFailed", "The client 'x' has permission to perform action 'Microsoft.Network/publicIPAddresses/write' on scope 'x'; however, the access is denied because of the deny assignment with name 'kubernetes.azure.com/a/b: node resource group deny assignment created by Azure Kubernetes Services for nrg-lockdown, see: https://aka.ms/aks/nrg_lockdown' and Id 'x' at scope 'x'.", ErrorIds.NodeResourceGroupLocked, EgressErrorCategory.PermissionDenied)]
    [InlineData(409, "AnotherOperationInProgress", "Another operation on this or dependent resource is in progress.", ErrorIds.ConflictingOperation, EgressErrorCategory.ResourceBusy)]
    [InlineData(400, "PublicIPCountLimitReached", "Cannot create more than 10 public IP addresses for this subscription in this region.", ErrorIds.PublicIpQuotaExceeded, EgressErrorCategory.QuotaExceeded)]
    [InlineData(400, "InvalidResourceName", "Resource name denied is invalid.", ErrorIds.InvalidPublicIpName, EgressErrorCategory.InvalidArgument)]
    [InlineData(404, "ResourceGroupNotFound", "Resource group 'egress-rg' could not be found.", ErrorIds.ResourceGroupNotFound, EgressErrorCategory.ObjectNotFound)]
    public async Task Rejected_put_is_mapped_creates_nothing_and_a_rerun_converges(int status, string code, string message, string errorId, EgressErrorCategory category)
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "publicIPAddresses/denied", Status = status, Count = 1,
            Body = new System.Text.Json.Nodes.JsonObject { ["error"] = new System.Text.Json.Nodes.JsonObject { ["code"] = code, ["message"] = message } }.ToJsonString() });
        var e = await Fails(() => f.Engine.NewEgressIpAsync(Ip("denied"), new NullOperationContext()));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(category, e.Category);
        Assert.Equal(code, e.RemoteCode);
        Assert.Equal("egress-rg/denied", (string?)e.TargetObject);
        Assert.Single(f.Arm, r => r.Method == "PUT");   // none of these is retried
        Assert.Null(f.Emu.World.GetPublicIp("egress-rg", "denied"));
        FaultLedger.Record($"ARM {status} {code}", f.Emu, FaultLedger.Leaks(f.Emu));
        await RerunConverges(f, "denied");
    }

    [Theory]
    [InlineData(409, "ScopeLocked", "ScopeLocked", ErrorIds.ScopeLocked)]
    [InlineData(403, "RequestDisallowedByPolicy", "RequestDisallowedByPolicy", ErrorIds.RequestDisallowedByPolicy)]
    [InlineData(403, "DenyAssignmentAuthorizationFailed", "DenyAssignmentAuthorizationFailed", ErrorIds.DenyAssignmentAuthorizationFailed)]
    [InlineData(400, "NestedRequestDisallowedByPolicy", "RequestDisallowedByPolicy", ErrorIds.RequestDisallowedByPolicy)]
    public async Task Locks_policies_and_foreign_deny_assignments_get_their_own_error_and_advice(int status, string preset, string remoteCode, string errorId)
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "publicIPAddresses/denied", Status = status, ErrorCode = preset, Count = 1 });
        var e = await Fails(() => f.Engine.NewEgressIpAsync(Ip("denied"), new NullOperationContext()));
        Assert.Equal(errorId, e.ErrorId);
        Assert.Equal(EgressErrorCategory.PermissionDenied, e.Category);
        Assert.Equal(remoteCode, e.RemoteCode);
        Assert.Equal("egress-rg/denied", (string?)e.TargetObject);
        Assert.Single(f.Arm, r => r.Method == "PUT");   // a lock or a policy does not go away by retrying
        // None of them is "busy, retry", "ask for a role" or the node resource group lockdown advice.
        Assert.DoesNotContain("busy", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Wait for the running operation", e.RecommendedAction);
        Assert.DoesNotContain("grant your identity", e.RecommendedAction);
        Assert.DoesNotContain("-ResourceGroupName egress-rg", e.RecommendedAction);
        switch (errorId)
        {
            case ErrorIds.ScopeLocked:
                Assert.Contains("locked", e.Message);
                Assert.Contains("'/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/egress-rg'", e.Message);
                Assert.Contains("Remove the lock", e.RecommendedAction);
                Assert.Contains("-Scope /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/egress-rg", e.RecommendedAction);
                break;
            case ErrorIds.RequestDisallowedByPolicy:
                Assert.Contains("'Require a cost-center tag on resources' (deny-public-ip-tags)", e.Message);
                Assert.Contains("/providers/Microsoft.Authorization/policyAssignments/deny-public-ip-tags", e.Message);
                Assert.Contains("Require a tag on resources", e.Message);
                Assert.Contains("exemption", e.RecommendedAction);
                Assert.Contains("deny-public-ip-tags", e.RecommendedAction);
                break;
            default:
                Assert.Contains("'Deny network changes (platform-stack)'", e.Message);
                Assert.Contains("3f2b0c1e9d8a4b7c8e6f5a4d3c2b1a09", e.Message);
                Assert.Contains("Get-AzDenyAssignment -Scope /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/egress-rg", e.RecommendedAction);
                break;
        }
        if (preset.StartsWith("Nested", StringComparison.Ordinal)) Assert.Contains("InvalidTemplateDeployment", e.Message);   // the outer words are kept as context
        Assert.Null(f.Emu.World.GetPublicIp("egress-rg", "denied"));
        await RerunConverges(f, "denied");
    }

    [Fact]
    public async Task Missing_cluster_and_resource_group_write_nothing()
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "managedClusters/standard-lb", Status = 404, Count = 1,
            Body = """{"error":{"code":"ResourceNotFound","message":"The Resource 'Microsoft.ContainerService/managedClusters/standard-lb' under resource group 'demo-rg' was not found."}}""" });
        var e = await Fails(() => f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "nf", Cluster = f.Cluster("standard-lb") }, new NullOperationContext()));
        Assert.Equal(ErrorIds.ClusterNotFound, e.ErrorId);
        Assert.Equal("demo-rg/standard-lb", (string?)e.TargetObject);
        Assert.DoesNotContain(f.Arm, r => r.Method != "GET");
        FaultLedger.Record("ARM 404 cluster", f.Emu, FaultLedger.Leaks(f.Emu));
        var again = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "nf", Cluster = f.Cluster("standard-lb") }, new NullOperationContext());
        Assert.NotNull(again);
        Assert.Equal("MC_demo-rg_standard-lb_eastus", again.ResourceGroupName);
    }

    [Fact]
    public async Task Outbound_update_that_fails_leaves_the_cluster_as_it_was_and_a_rerun_converges()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(Ip("pin"), new NullOperationContext());
        Assert.NotNull(ip);
        var before = f.Emu.World.GetExpectedEgressAddresses("standard-lb").ToArray();
        f.Emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "managedClusters/standard-lb", LroOutcome = "failed", LroErrorCode = "OutboundRuleUpdateFailed", LroErrorMessage = "Updating the outbound rule failed." });
        var e = await Fails(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id }, TimeoutSeconds = 30 }, new NullOperationContext()));
        Assert.Equal(ErrorIds.OperationFailed, e.ErrorId);
        Assert.Equal("OutboundRuleUpdateFailed", e.RemoteCode);
        Assert.Contains("Updating the outbound rule failed.", e.Message);
        Assert.Equal(before, f.Emu.World.GetExpectedEgressAddresses("standard-lb").ToArray());
        // Like Azure, the emulator leaves the cluster's provisioningState Failed after a failed update: the re-run repairs it.
        Assert.Equal("Failed", (string?)f.Emu.World.GetCluster("standard-lb")!["properties"]!["provisioningState"]);
        var r = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id } }, new NullOperationContext());
        Assert.NotNull(r);
        Assert.Equal("Updated", r.Action);
        Assert.Equal(new[] { ip.IpAddress! }, f.Emu.World.GetExpectedEgressAddresses("standard-lb").ToArray());
        Assert.Equal("Unchanged", (await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id } }, new NullOperationContext()))?.Action);
        FaultLedger.Record("ARM cluster LRO Failed", f.Emu, FaultLedger.Leaks(f.Emu));
    }

    [Fact]
    public async Task Linked_authorization_failure_changes_nothing_and_converges_once_granted()
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.World.AddPublicIp("noperm-rg", "foreign");
        var id = f.Emu.World.GetPublicIpId("noperm-rg", "foreign");
        var before = f.Emu.World.GetExpectedEgressAddresses("standard-lb").ToArray();
        // ARM checks the CALLER's right to join the IP: a caller that may write the cluster but not join the IP.
        var w = f.Emu.World;
        w.RemoveRoleAssignments(w.CallerObjectId);
        w.AssignRole(w.CallerObjectId, $"/subscriptions/{f.Sub}/resourceGroups/demo-rg", "Contributor", "User");
        w.AssignRole(w.CallerObjectId, $"/subscriptions/{f.Sub}/resourceGroups/{w.GetNodeResourceGroup("standard-lb")}", "Contributor", "User");
        // the engine's own pre-check does not catch it here: the update is sent and Azure answers 403 LinkedAuthorizationFailed
        var e = await Fails(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { id } }, new NullOperationContext()));
        Assert.Equal(ErrorIds.LinkedAuthorizationFailed, e.ErrorId);
        Assert.Equal(EgressErrorCategory.PermissionDenied, e.Category);
        Assert.Equal(before, f.Emu.World.GetExpectedEgressAddresses("standard-lb").ToArray());
        Assert.True(f.Emu.Requests.All.Any(r => r.Status == 403), "Azure must have answered 403");
        w.AssignRole(w.CallerObjectId, $"/subscriptions/{f.Sub}/resourceGroups/noperm-rg", "Network Contributor", "User");
        var r = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { id } }, new NullOperationContext());
        Assert.NotNull(r);
        Assert.Equal("Updated", r.Action);
        FaultLedger.Record("ARM LinkedAuthorizationFailed (emulator permission model)", f.Emu, FaultLedger.Leaks(f.Emu), modelled: 1);
    }

    [Fact]
    public async Task Operations_that_answer_with_Location_only_are_polled_there_to_the_end()
    {
        await using var f = await ConnectedEngine.StartAsync(new EmulatorOptions { LroInProgressPolls = 2 });
        f.Emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "publicIPAddresses/loconly", LroHeaders = "location" });
        var ip = await f.Engine.NewEgressIpAsync(Ip("loconly"), new NullOperationContext());
        Assert.NotNull(ip);
        Assert.True(ip.Created);
        Assert.False(string.IsNullOrEmpty(ip.IpAddress));
        Assert.Equal("Succeeded", ip.ProvisioningState);
        var polls = f.Arm.Where(r => r.PathAndQuery.Contains("/operationResults/")).ToArray();
        Assert.Equal(new[] { 202, 202, 204 }, polls.Select(p => p.Status).ToArray());
        Assert.DoesNotContain(f.Arm, r => r.PathAndQuery.Contains("/operations/"));

        // the cluster update (Set-AksOutboundIp) the same way
        f.Emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "managedClusters/standard-lb", LroHeaders = "location" });
        var r = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id }, TimeoutSeconds = 30 }, new NullOperationContext());
        Assert.NotNull(r);
        Assert.Equal("Updated", r.Action);
        Assert.Equal(new[] { ip.IpAddress! }, f.Emu.World.GetExpectedEgressAddresses("standard-lb").ToArray());
        Assert.Contains(f.Arm, e => e.PathAndQuery.Contains("Microsoft.ContainerService/locations/eastus/operationresults/"));
        FaultLedger.Record("ARM LRO with Location only", f.Emu, FaultLedger.Leaks(f.Emu));
    }

    [Fact]
    public async Task A_failed_operation_seen_through_Location_is_the_operations_error()
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "publicIPAddresses/locfail", LroHeaders = "location", LroOutcome = "failed", LroErrorCode = "InternalServerError", LroErrorMessage = "Allocation failed in eastus." });
        var e = await Fails(() => f.Engine.NewEgressIpAsync(Ip("locfail"), new NullOperationContext()));
        Assert.Equal(ErrorIds.OperationFailed, e.ErrorId);
        Assert.Equal("InternalServerError", e.RemoteCode);
        Assert.Contains("Allocation failed in eastus.", e.Message);
        Assert.Equal("egress-rg/locfail", (string?)e.TargetObject);
        var again = await RerunConverges(f, "locfail");
        Assert.True(again.Created);
        FaultLedger.Record("ARM LRO Failed, Location only", f.Emu, FaultLedger.Leaks(f.Emu));
    }
}
