using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>The ARM half of the engine against the in-process emulator over real HTTPS.</summary>
public class ArmClusterTests
{
    [Fact]
    public async Task Get_cluster_normalises_quirks_and_is_cached()
    {
        await using var f = await ArmFixture.StartAsync();
        var ctx = new RecordingContext();
        var c = await f.Engine.GetClusterAsync(f.Cluster("standard-lb"), ctx);
        Assert.Equal($"/subscriptions/{f.Sub}/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/standard-lb", c.ClusterId);
        Assert.Equal("Standard", c.LoadBalancerSku);
        Assert.Equal("loadBalancer", c.OutboundType);
        Assert.Equal("MC_demo-rg_standard-lb_eastus", c.NodeResourceGroup);
        Assert.Equal(3, c.NodeCount);
        Assert.False(string.IsNullOrEmpty(c.IdentityPrincipalId));
        Assert.Contains(ctx.Verbose, v => v == "GET cluster demo-rg/standard-lb");
        await f.Engine.GetClusterAsync(f.Cluster("standard-lb"), ctx);
        Assert.Equal(new[] { "GET /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/standard-lb" }, f.ArmLines);
        Assert.Contains("api-version=2025-10-01", f.Arm[0].PathAndQuery);

        var basic = await f.Engine.GetClusterAsync(f.Cluster("legacy-basic"), ctx);
        Assert.Equal("Basic", basic.LoadBalancerSku);
        var aad = await f.Engine.GetClusterAsync(f.Cluster("aad"), ctx);
        Assert.True(aad.AadEnabled);
        Assert.True(aad.LocalAccountsDisabled);
        var locked = await f.Engine.GetClusterAsync(f.Cluster("locked"), ctx);
        Assert.True(locked.NodeResourceGroupLocked);
        Assert.Equal("Unrestricted", basic.NodeResourceGroupRestrictionLevel);
        Assert.Equal("managedNATGateway", (await f.Engine.GetClusterAsync(f.Cluster("natgw"), ctx)).OutboundType);
    }

    [Fact]
    public async Task Missing_cluster_and_missing_resource_group_are_told_apart()
    {
        await using var f = await ArmFixture.StartAsync();
        var e1 = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.GetClusterAsync(f.Cluster("nope"), new NullOperationContext()));
        Assert.Equal(ErrorIds.ClusterNotFound, e1.ErrorId);
        Assert.Equal(404, e1.HttpStatus);
        var e2 = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.GetClusterAsync(new ClusterRef(null, "no-such-rg", "c"), new NullOperationContext()));
        Assert.Equal(ErrorIds.ResourceGroupNotFound, e2.ErrorId);
        var e3 = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.GetClusterAsync(new ClusterRef(null, "demo-rg", "bad name!"), new NullOperationContext()));
        Assert.Equal(ErrorIds.InvalidClusterName, e3.ErrorId);
    }

    [Fact]
    public async Task List_streams_pages_following_next_link()
    {
        await using var f = await ArmFixture.StartAsync(new EmulatorOptions { PageSize = 2 });
        var seen = new List<string>();
        var listCallsAtFirstItem = -1;
        await foreach (var c in f.Engine.ListClustersAsync(null, "demo-rg", new NullOperationContext()))
        {
            if (seen.Count == 0) listCallsAtFirstItem = f.Arm.Count(e => e.PathAndQuery.Contains("/managedClusters?"));
            seen.Add(c.ClusterName);
            Assert.Contains("/resourceGroups/demo-rg/", c.ClusterId);
        }
        Assert.Equal(1, listCallsAtFirstItem);
        Assert.Equal(6, seen.Count);
        Assert.Equal(3, f.Arm.Count(e => e.PathAndQuery.Contains("/managedClusters?")));
        Assert.Contains(f.Arm, e => e.PathAndQuery.Contains("skipToken=2"));
        Assert.DoesNotContain(f.Arm, e => e.PathAndQuery.Contains("/providers/Microsoft.ContainerService?"));
        // listed clusters are cached: a following GET needs no request
        var before = f.Arm.Count;
        await f.Engine.GetClusterAsync(f.Cluster("udr"), new NullOperationContext());
        Assert.Equal(before, f.Arm.Count);
    }

    [Fact]
    public async Task List_at_subscription_scope_includes_every_cluster()
    {
        await using var f = await ArmFixture.StartAsync(new EmulatorOptions { ExtraClusters = 3 });
        var all = new List<AksNodeResourceGroup>();
        await foreach (var c in f.Engine.ListClustersAsync(null, null, new NullOperationContext())) all.Add(c);
        Assert.Equal(9, all.Count);
        Assert.Contains(all, c => c.ResourceGroupName == "fleet-rg");
    }
}

/// <summary>Connect-AksEgress without -SubscriptionId: AZURE_SUBSCRIPTION_ID, then the subscriptions list (sets a process environment variable).</summary>
[Collection("process-environment")]
public class ArmSubscriptionTests
{
    private static EnvironmentOverride SubscriptionVariable(string? value) => new(("AZURE_SUBSCRIPTION_ID", value));

    [Fact]
    public async Task Connect_without_subscription_asks_for_one_when_the_endpoint_cannot_list()
    {
        await using var emu = await AksEmulator.StartAsync(new EmulatorOptions());
        var engine = new AksEgressEngine();
        using var _ = SubscriptionVariable(null);
        var e = await Assert.ThrowsAsync<AksEgressException>(() => engine.ConnectAsync(new ConnectRequest
        { AccessToken = emu.AccessToken, ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath }, new NullOperationContext()));
        Assert.Equal(ErrorIds.SubscriptionNotDetermined, e.ErrorId);
        Assert.Contains("-SubscriptionId", e.RecommendedAction);
        Assert.Null(engine.Connection);
    }

    [Fact]
    public async Task Connect_without_subscription_takes_the_only_one_listed()
    {
        await using var emu = await AksEmulator.StartAsync(new EmulatorOptions());
        using var _ = SubscriptionVariable(null);
        emu.Faults.Add(new FaultRule { Method = "GET", PathRegex = @"^/subscriptions\?", Status = 200, Count = 1,
            Body = $$"""{"value":[{"id":"/subscriptions/{{emu.SubscriptionId}}","subscriptionId":"{{emu.SubscriptionId}}","displayName":"x","state":"Enabled"}]}""" });
        var engine = new AksEgressEngine();
        var conn = await engine.ConnectAsync(new ConnectRequest { AccessToken = emu.AccessToken, ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath }, new NullOperationContext());
        Assert.Equal(emu.SubscriptionId, conn.SubscriptionId);
        Assert.Contains(emu.Requests.Entries, e => e.PathAndQuery == "/subscriptions?api-version=2022-12-01");
        Assert.Equal("standard-lb", (await engine.GetClusterAsync(new ClusterRef(null, "demo-rg", "standard-lb"), new NullOperationContext())).ClusterName);

        emu.Faults.Add(new FaultRule { Method = "GET", PathRegex = @"^/subscriptions\?", Status = 200, Count = 1,
            Body = """{"value":[{"subscriptionId":"11111111-1111-1111-1111-111111111111"},{"subscriptionId":"22222222-2222-2222-2222-222222222222"}]}""" });
        var two = await Assert.ThrowsAsync<AksEgressException>(() => new AksEgressEngine().ConnectAsync(new ConnectRequest
        { AccessToken = emu.AccessToken, ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath }, new NullOperationContext()));
        Assert.Equal(ErrorIds.SubscriptionNotDetermined, two.ErrorId);
        Assert.Contains("2 subscriptions", two.Message);
    }

    [Fact]
    public async Task Connect_without_subscription_uses_AZURE_SUBSCRIPTION_ID_and_rejects_a_malformed_one()
    {
        await using var emu = await AksEmulator.StartAsync(new EmulatorOptions());
        using (SubscriptionVariable(emu.SubscriptionId))
        {
            var engine = new AksEgressEngine();
            var conn = await engine.ConnectAsync(new ConnectRequest { AccessToken = emu.AccessToken, ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath }, new NullOperationContext());
            Assert.Equal(emu.SubscriptionId, conn.SubscriptionId);
            Assert.DoesNotContain(emu.Requests.Entries, e => e.PathAndQuery.StartsWith("/subscriptions?"));
        }
        using (SubscriptionVariable("not-a-guid"))
        {
            var e = await Assert.ThrowsAsync<AksEgressException>(() => new AksEgressEngine().ConnectAsync(new ConnectRequest
            { AccessToken = emu.AccessToken, ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath }, new NullOperationContext()));
            Assert.Equal(ErrorIds.InvalidSubscriptionId, e.ErrorId);
            Assert.Contains("AZURE_SUBSCRIPTION_ID", e.Message);
            Assert.Empty(emu.Requests.Entries);   // refused before any request
        }
    }
}

public class ArmConnectTests
{
    [Fact]
    public async Task Reset_connections_are_retried_then_reported_as_unreachable()
    {
        await using var f = await ArmFixture.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "managedClusters/standard-lb", ResetConnection = true, Count = 1 });
        Assert.Equal("standard-lb", (await f.Engine.GetClusterAsync(f.Cluster("standard-lb"), new NullOperationContext())).ClusterName);
        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "managedClusters/udr", ResetConnection = true, Count = -1 });
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.GetClusterAsync(f.Cluster("udr"), new NullOperationContext()));
        Assert.Equal(ErrorIds.EndpointUnreachable, e.ErrorId);
        Assert.Equal(4, f.Arm.Count(r => r.PathAndQuery.Contains("managedClusters/udr")));
    }

    [Fact]
    public async Task Connection_holds_no_secret_and_debug_output_is_redacted()
    {
        await using var emu = await AksEmulator.StartAsync(new EmulatorOptions());
        var engine = new AksEgressEngine();
        var conn = await engine.ConnectAsync(new ConnectRequest
        { AccessToken = emu.AccessToken, ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath, SubscriptionId = emu.SubscriptionId }, new NullOperationContext());
        Assert.Equal("AccessToken", conn.AuthenticationMethod);
        Assert.Equal(emu.ArmEndpoint, conn.ArmEndpoint);
        Assert.Same(conn, engine.Connection);
        Assert.DoesNotContain(emu.AccessToken, System.Text.Json.JsonSerializer.Serialize(conn));
        var ctx = new RecordingContext();
        var yaml = await engine.GetClusterKubeconfigAsync(new ClusterRef(null, "demo-rg", "standard-lb"), admin: false, ctx);
        Assert.Contains("clusters:", yaml);
        Assert.Contains(ctx.Debug, d => d.Contains("POST") && d.Contains("listClusterUserCredential"));
        Assert.Contains(ctx.Debug, d => d.Contains("Authorization: " + Redaction.Mask));
        Assert.Contains(ctx.Debug, d => d.Contains("credential response, not logged"));
        Assert.All(ctx.Debug, d => Assert.DoesNotContain(emu.AccessToken, d));
        Assert.All(ctx.Debug, d => Assert.DoesNotContain("clusters:", d));
        engine.Disconnect();
        Assert.Null(engine.Connection);
    }

    [Fact]
    public async Task Untrusted_certificate_is_a_tls_error_naming_the_ca_parameter()
    {
        await using var emu = await AksEmulator.StartAsync(new EmulatorOptions());
        var engine = new AksEgressEngine();
        await engine.ConnectAsync(new ConnectRequest { AccessToken = emu.AccessToken, ArmEndpoint = emu.ArmEndpoint, SubscriptionId = emu.SubscriptionId }, new NullOperationContext());
        var e = await Assert.ThrowsAsync<AksEgressException>(() => engine.GetClusterAsync(new ClusterRef(null, "demo-rg", "standard-lb"), new NullOperationContext()));
        Assert.Equal(ErrorIds.TlsValidationFailed, e.ErrorId);
        Assert.Contains("-CaCertificatePath", e.RecommendedAction);
        Assert.Empty(emu.Requests.Entries);
    }

    [Fact]
    public async Task Wrong_host_name_is_rejected_even_with_the_right_ca()
    {
        await using var emu = await AksEmulator.StartAsync(new EmulatorOptions());
        var engine = new AksEgressEngine();
        // the certificate is for 127.0.0.1/localhost; this machine's own name also resolves to 127.0.0.1 here but is not in it
        var host = System.Net.Dns.GetHostName();
        var addrs = await System.Net.Dns.GetHostAddressesAsync(host);
        Assert.True(addrs.Any(System.Net.IPAddress.IsLoopback) && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase),
            $"test needs a host name other than localhost that resolves to 127.0.0.1 ({host})");
        var ep = new UriBuilder(emu.ArmEndpoint) { Host = host }.Uri;
        await engine.ConnectAsync(new ConnectRequest { AccessToken = emu.AccessToken, ArmEndpoint = ep, CaCertificatePath = emu.CaCertificatePath, SubscriptionId = emu.SubscriptionId }, new NullOperationContext());
        var e = await Assert.ThrowsAsync<AksEgressException>(() => engine.GetClusterAsync(new ClusterRef(null, "demo-rg", "standard-lb"), new NullOperationContext()));
        Assert.Equal(ErrorIds.TlsValidationFailed, e.ErrorId);
    }

    [Fact]
    public async Task Throttling_is_retried_then_reported()
    {
        await using var f = await ArmFixture.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "managedClusters/standard-lb", Status = 429, Count = 1, Headers = new() { ["Retry-After"] = "0" } });
        var c = await f.Engine.GetClusterAsync(f.Cluster("standard-lb"), new NullOperationContext());
        Assert.Equal("standard-lb", c.ClusterName);
        Assert.Equal(2, f.Arm.Count);
        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "managedClusters/udr", Status = 429, Count = -1, Headers = new() { ["Retry-After"] = "0" },
            Body = """{"error":{"code":"SubscriptionRequestsThrottled","message":"Number of 'read' requests for subscription exceeded."}}""" });
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.GetClusterAsync(f.Cluster("udr"), new NullOperationContext()));
        Assert.Equal(ErrorIds.ArmThrottled, e.ErrorId);
        Assert.Equal(429, e.HttpStatus);
    }

    [Fact]
    public async Task Unreachable_endpoint_is_reported_after_retries()
    {
        var engine = new AksEgressEngine();
        var ca = Path.GetTempFileName();
        await using (var emu = await AksEmulator.StartAsync(new EmulatorOptions())) File.Copy(emu.CaCertificatePath, ca, true);
        await engine.ConnectAsync(new ConnectRequest { AccessToken = "x-token-123456", ArmEndpoint = new Uri("https://127.0.0.1:1/"), CaCertificatePath = ca, SubscriptionId = "00000000-0000-0000-0000-000000000000" }, new NullOperationContext());
        var e = await Assert.ThrowsAsync<AksEgressException>(() => engine.GetClusterAsync(new ClusterRef(null, "demo-rg", "x"), new NullOperationContext()));
        Assert.Equal(ErrorIds.EndpointUnreachable, e.ErrorId);
        Assert.Equal(EgressErrorCategory.ConnectionError, e.Category);
        File.Delete(ca);
    }
}

public class ArmPublicIpTests
{
    [Fact]
    public async Task New_ip_for_a_piped_cluster_is_created_once_then_returned_unchanged()
    {
        await using var f = await ArmFixture.StartAsync();
        var info = await f.Engine.GetClusterAsync(f.Cluster("standard-lb"), new NullOperationContext());
        f.Emu.Requests.Clear();
        var ctx = new RecordingContext();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "egress-1", ResourceGroupName = "egress-rg", ClusterInfo = info, Tags = new Dictionary<string, string> { ["purpose"] = "egress" } }, ctx);
        Assert.True(ip.Created);
        Assert.Equal(f.Emu.World.GetPublicIpAddress("egress-rg", "egress-1"), ip.IpAddress);
        Assert.Equal("Standard", ip.Sku);
        Assert.Equal("Static", ip.AllocationMethod);
        Assert.Equal("eastus", ip.Location);
        Assert.Equal("standard-lb", ip.ClusterName);
        Assert.Equal("demo-rg", ip.ClusterResourceGroupName);
        Assert.Equal("MC_demo-rg_standard-lb_eastus", ip.NodeResourceGroup);
        Assert.Equal("egress", ip.Tags["purpose"]);
        var lines = f.ArmLines;
        Assert.Equal("GET /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/egress-rg/providers/Microsoft.Network/publicIPAddresses/egress-1", lines[0]);
        Assert.StartsWith("PUT ", lines[1]);
        Assert.All(lines[2..^1], l => Assert.Contains("/operations/", l));
        Assert.True(lines.Length >= 4);
        Assert.StartsWith("GET ", lines[^1]);
        Assert.EndsWith("/publicIPAddresses/egress-1", lines[^1]);
        Assert.Contains(ctx.Verbose, v => v.StartsWith("Creating public IP egress-rg/egress-1 in eastus (Standard, Static"));
        Assert.Contains(ctx.Progress, p => p.Activity.StartsWith("Waiting for") && !p.Completed);
        Assert.Contains(ctx.Progress, p => p.Completed);
        Assert.Contains(ctx.ShouldProcessCalls, c => c.Target == "egress-rg/egress-1" && c.Action == "Create static Standard public IP in eastus");

        f.Emu.Requests.Clear();
        var again = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "egress-1", ResourceGroupName = "egress-rg", ClusterInfo = info }, new NullOperationContext());
        Assert.False(again.Created);
        Assert.Equal(ip.IpAddress, again.IpAddress);
        Assert.Single(f.Arm);
        Assert.Equal("GET", f.Arm[0].Method);
    }

    [Fact]
    public async Task New_ip_defaults_to_the_node_resource_group_and_the_cluster_location()
    {
        await using var f = await ArmFixture.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "in-nrg", Cluster = f.Cluster("standard-lb") }, new NullOperationContext());
        Assert.Equal("MC_demo-rg_standard-lb_eastus", ip.ResourceGroupName);
        Assert.NotNull(f.Emu.World.GetPublicIp("MC_demo-rg_standard-lb_eastus", "in-nrg"));
        // no cluster at all: the resource group's location is used
        var bare = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "bare", ResourceGroupName = "egress-rg" }, new NullOperationContext());
        Assert.Equal("eastus", bare.Location);
        Assert.Null(bare.ClusterName);
        Assert.Contains(f.Arm, e => e.Method == "GET" && e.PathAndQuery.Contains("/resourceGroups/egress-rg?api-version=2024-03-01"));
    }

    [Fact]
    public async Task Locked_node_resource_group_is_refused_before_any_write()
    {
        await using var f = await ArmFixture.StartAsync();
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "x", Cluster = f.Cluster("locked") }, new NullOperationContext()));
        Assert.Equal(ErrorIds.NodeResourceGroupLocked, e.ErrorId);
        Assert.Equal(EgressErrorCategory.PermissionDenied, e.Category);
        Assert.Contains("New-AksEgressIp -ResourceGroupName egress-rg", e.RecommendedAction);
        Assert.DoesNotContain(f.Arm, r => r.Method == "PUT");
        // the same text when ARM itself refuses (node RG given by name only)
        var e2 = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "x", ResourceGroupName = "MC_demo-rg_locked_eastus", Location = "eastus" }, new NullOperationContext()));
        Assert.Equal(ErrorIds.NodeResourceGroupLocked, e2.ErrorId);
        Assert.Equal("DenyAssignmentAuthorizationFailed", e2.RemoteCode);
        Assert.Equal(403, e2.HttpStatus);
    }

    [Fact]
    public async Task Existing_ip_with_other_settings_is_a_conflict_that_says_what_differs()
    {
        await using var f = await ArmFixture.StartAsync();
        f.Emu.World.AddPublicIp("egress-rg", "old-basic", sku: "Basic");
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "old-basic", ResourceGroupName = "egress-rg" }, new NullOperationContext()));
        Assert.Equal(ErrorIds.PublicIpConflict, e.ErrorId);
        Assert.Equal(EgressErrorCategory.ResourceExists, e.Category);
        Assert.Contains("SKU is Basic", e.Message);
        f.Emu.World.AddPublicIp("egress-rg", "east");
        var loc = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "east", ResourceGroupName = "egress-rg", Location = "westus" }, new NullOperationContext()));
        Assert.Contains("location is eastus, not westus", loc.Message);
        Assert.DoesNotContain(f.Arm, r => r.Method == "PUT");
    }

    [Fact]
    public async Task Input_errors_are_caught_before_any_request()
    {
        await using var f = await ArmFixture.StartAsync();
        var ctx = new NullOperationContext();
        Assert.Equal(ErrorIds.InvalidPublicIpName, (await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "Allow Egress", ResourceGroupName = "egress-rg" }, ctx))).ErrorId);
        var basic = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "a", ResourceGroupName = "egress-rg", Sku = "Basic" }, ctx));
        Assert.Equal(ErrorIds.BasicSkuRetired, basic.ErrorId);
        Assert.Contains("30 September 2025", basic.Message);
        Assert.Equal(ErrorIds.InvalidZone, (await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "a", ResourceGroupName = "egress-rg", Zones = new[] { "4" } }, ctx))).ErrorId);
        Assert.Equal(ErrorIds.InvalidTag, (await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "a", ResourceGroupName = "egress-rg", Tags = new Dictionary<string, string> { ["a/b"] = "x" } }, ctx))).ErrorId);
        Assert.Equal(ErrorIds.MissingClusterContext, (await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "a" }, ctx))).ErrorId);
        Assert.Empty(f.Arm);
    }

    [Fact]
    public async Task Quota_and_name_rejections_from_azure_are_mapped()
    {
        await using var f = await ArmFixture.StartAsync();
        f.Emu.World.PublicIpQuota = 0;
        var q = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "q", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext()));
        Assert.Equal(ErrorIds.PublicIpQuotaExceeded, q.ErrorId);
        Assert.Equal(EgressErrorCategory.QuotaExceeded, q.Category);
        Assert.Equal("PublicIPCountLimitReached", q.RemoteCode);
        f.Emu.World.PublicIpQuota = 100;
        f.Emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "publicIPAddresses/n1", Status = 400,
            Body = """{"error":{"code":"InvalidResourceName","message":"Resource name n1 is invalid. The name can be up to 80 characters long.","details":[]}}""" });
        var n = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "n1", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext()));
        Assert.Equal(ErrorIds.InvalidPublicIpName, n.ErrorId);
        var rg = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "n2", ResourceGroupName = "no-such-rg", Location = "eastus" }, new NullOperationContext()));
        Assert.Equal(ErrorIds.ResourceGroupNotFound, rg.ErrorId);
    }

    [Fact]
    public async Task Lro_failure_and_timeout_are_reported()
    {
        await using var f = await ArmFixture.StartAsync(new EmulatorOptions { LroInProgressPolls = 2 });
        f.Emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "publicIPAddresses/fails", LroOutcome = "failed", LroErrorCode = "InternalServerError", LroErrorMessage = "Something broke." });
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "fails", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext()));
        Assert.Equal(ErrorIds.OperationFailed, e.ErrorId);
        Assert.Equal("InternalServerError", e.RemoteCode);
        Assert.Contains("Something broke.", e.Message);

        f.Emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "publicIPAddresses/stuck", LroOutcome = "stuck" });
        var ctx = new RecordingContext();
        var t = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "stuck", ResourceGroupName = "egress-rg", Location = "eastus", TimeoutSeconds = 1 }, ctx));
        Assert.Equal(ErrorIds.OperationTimedOut, t.ErrorId);
        Assert.Equal(EgressErrorCategory.OperationTimeout, t.Category);
        Assert.Contains("may still complete in Azure", t.Message);
        Assert.Contains(ctx.Progress, p => p.Completed);
        Assert.True(f.Arm.Count(r => r.PathAndQuery.Contains("/operations/")) < 40, "polling must not spin");
    }

    [Fact]
    public async Task Lro_polling_waits_as_long_as_retry_after_says()
    {
        await using var f = await ArmFixture.StartAsync(new EmulatorOptions { LroInProgressPolls = 1 });
        f.Emu.Options.LroRetryAfterSeconds = 1;   // the fixture sets 0; this emulator answers Retry-After: 1
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "slow", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        Assert.NotNull(ip.IpAddress);
        var polls = f.Arm.Where(r => r.PathAndQuery.Contains("/operations/")).OrderBy(r => r.Timestamp).ToArray();
        Assert.Equal(2, polls.Length);   // InProgress, then Succeeded
        var put = f.Arm.Single(r => r.Method == "PUT");
        Assert.True(polls[0].Timestamp - put.Timestamp >= TimeSpan.FromMilliseconds(900), "first poll must wait for Retry-After");
        Assert.True(polls[1].Timestamp - polls[0].Timestamp >= TimeSpan.FromMilliseconds(900), "second poll must wait for Retry-After");
    }

    [Fact]
    public async Task Lro_can_be_cancelled()
    {
        await using var f = await ArmFixture.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "publicIPAddresses/c1", LroOutcome = "stuck" });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "c1", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext(cts.Token)));
    }

    [Fact]
    public async Task WhatIf_creates_nothing_and_returns_null()
    {
        await using var f = await ArmFixture.StartAsync();
        var ctx = new RecordingContext { Approve = false };
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "w", ResourceGroupName = "egress-rg", Location = "eastus" }, ctx);
        Assert.Null(ip);
        Assert.DoesNotContain(f.Arm, r => r.Method == "PUT");
        Assert.Null(f.Emu.World.GetPublicIp("egress-rg", "w"));
    }

    [Fact]
    public async Task Remove_refuses_an_ip_in_use_and_deletes_a_free_one()
    {
        await using var f = await ArmFixture.StartAsync();
        var cfg = await f.Engine.GetEgressConfigurationAsync(f.Cluster("standard-lb"), null, new NullOperationContext());
        var inUse = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.RemoveEgressIpAsync(new RemoveEgressIpRequest { PublicIpId = cfg.EgressIps[0].Id }, new NullOperationContext()));
        Assert.Equal(ErrorIds.PublicIpInUse, inUse.ErrorId);
        Assert.DoesNotContain(f.Arm, r => r.Method == "DELETE");

        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "temp", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        Assert.False(await f.Engine.RemoveEgressIpAsync(new RemoveEgressIpRequest { PublicIpId = ip.Id }, new RecordingContext { Approve = false }));
        Assert.NotNull(f.Emu.World.GetPublicIp("egress-rg", "temp"));
        Assert.True(await f.Engine.RemoveEgressIpAsync(new RemoveEgressIpRequest { PublicIpId = ip.Id }, new NullOperationContext()));
        Assert.Null(f.Emu.World.GetPublicIp("egress-rg", "temp"));
        Assert.False(await f.Engine.RemoveEgressIpAsync(new RemoveEgressIpRequest { PublicIpId = ip.Id }, new NullOperationContext()));
    }
}

public class ArmEgressTests
{
    [Fact]
    public async Task Egress_configuration_per_cluster_kind()
    {
        await using var f = await ArmFixture.StartAsync();
        var ctx = new NullOperationContext();
        var slb = await f.Engine.GetEgressConfigurationAsync(f.Cluster("standard-lb"), null, ctx);
        Assert.Equal(2, f.Arm.Count);   // GET cluster + GET its one outbound IP
        Assert.Equal(EgressDecider.LoadBalancerOutboundRule, slb.EgressDecidedBy);
        Assert.Equal("ManagedOutboundIPs", slb.OutboundIpSource);
        Assert.Equal("Set-AksOutboundIp", slb.PinWith);
        Assert.Equal(f.Emu.World.GetExpectedEgressAddresses("standard-lb").ToArray(), slb.EgressIpAddress);
        Assert.True(slb.EgressIps.Single().AksManaged);

        var basic = await f.Engine.GetEgressConfigurationAsync(f.Cluster("legacy-basic"), null, ctx);
        Assert.Equal(EgressDecider.BasicLoadBalancerFrontend, basic.EgressDecidedBy);
        Assert.Equal("Set-AksEgressService", basic.PinWith);
        Assert.Empty(basic.EgressIpAddress);
        Assert.Contains("first LoadBalancer Service", basic.Explanation);

        var nat = await f.Engine.GetEgressConfigurationAsync(f.Cluster("natgw"), null, ctx);
        Assert.Equal(EgressDecider.NatGateway, nat.EgressDecidedBy);
        Assert.Null(nat.PinWith);
        Assert.Single(nat.EgressIpAddress);
        Assert.Equal(f.Emu.World.GetExpectedEgressAddresses("natgw").ToArray(), nat.EgressIpAddress);
        Assert.Contains("NAT gateway", nat.Explanation);

        var udr = await f.Engine.GetEgressConfigurationAsync(f.Cluster("udr"), null, ctx);
        Assert.Equal(EgressDecider.UserDefinedRouting, udr.EgressDecidedBy);
        Assert.Empty(udr.EgressIpAddress);
        Assert.Null(udr.PinWith);
        Assert.Contains("firewall", udr.Explanation);
    }

    [Fact]
    public async Task Set_outbound_ip_replaces_managed_ips_and_is_idempotent()
    {
        await using var f = await ArmFixture.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "pinned", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        var before = f.Emu.World.GetExpectedEgressAddresses("standard-lb").ToArray();
        f.Emu.Requests.Clear();
        var ctx = new RecordingContext();
        var r = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id } }, ctx);
        Assert.Equal("Updated", r.Action);
        Assert.Equal(new[] { ip.IpAddress }, r.EgressIpAddress);
        Assert.Equal(before, r.PreviousEgressIpAddress);
        Assert.Equal(new[] { ip.IpAddress! }, f.Emu.World.GetExpectedEgressAddresses("standard-lb").ToArray());
        var lbp = f.Emu.World.GetCluster("standard-lb")!["properties"]!["networkProfile"]!["loadBalancerProfile"]!.AsObject();
        Assert.False(lbp.ContainsKey("managedOutboundIPs"));
        Assert.False(lbp.ContainsKey("outboundIPPrefixes"));
        Assert.Equal(ip.Id, lbp["outboundIPs"]!["publicIPs"]![0]!["id"]!.GetValue<string>(), ignoreCase: true);
        Assert.Single(f.Arm, e => e.Method == "PUT");
        Assert.Contains(ctx.ShouldProcessCalls, c => c.Action.Contains("existing outbound connections drop") && c.Action.Contains("standard-lb"));

        f.Emu.Requests.Clear();
        var again = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id.ToUpperInvariant().Replace("/SUBSCRIPTIONS/", "/subscriptions/") } }, new NullOperationContext());
        Assert.Equal("Unchanged", again.Action);
        Assert.DoesNotContain(f.Arm, e => e.Method == "PUT");

        var cfg = await f.Engine.GetEgressConfigurationAsync(f.Cluster("standard-lb"), null, new NullOperationContext());
        Assert.Equal("OutboundIPs", cfg.OutboundIpSource);
        Assert.Equal(new[] { ip.IpAddress! }, cfg.EgressIpAddress);

        // same IPs, new idle timeout: that is a change
        f.Emu.Requests.Clear();
        var idle = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id }, IdleTimeoutInMinutes = 10 }, new NullOperationContext());
        Assert.Equal("Updated", idle.Action);
        Assert.Equal(10, idle.IdleTimeoutInMinutes);
        Assert.Equal(new[] { ip.IpAddress }, idle.PreviousEgressIpAddress);
        Assert.Single(f.Arm, e => e.Method == "PUT");
    }

    [Fact]
    public async Task Ip_the_cluster_identity_cannot_join_gives_the_role_assignment_fix()
    {
        await using var f = await ArmFixture.StartAsync();
        f.Emu.World.AddPublicIp("noperm-rg", "foreign");
        var info = await f.Engine.GetClusterAsync(f.Cluster("standard-lb"), new NullOperationContext());
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest
        { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { f.Emu.World.GetPublicIpId("noperm-rg", "foreign") } }, new NullOperationContext()));
        Assert.Equal(ErrorIds.LinkedAuthorizationFailed, e.ErrorId);
        Assert.Contains(info.IdentityPrincipalId!, e.Message);
        Assert.Contains($"New-AzRoleAssignment -ObjectId {info.IdentityPrincipalId} -RoleDefinitionName 'Network Contributor' -Scope /subscriptions/{f.Sub}/resourceGroups/noperm-rg", e.RecommendedAction);
    }

    [Fact]
    public async Task Clusters_where_the_load_balancer_does_not_decide_egress_are_refused()
    {
        await using var f = await ArmFixture.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "p", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        foreach (var (name, hint) in new[] { ("udr", "firewall"), ("natgw", "NAT gateway"), ("legacy-basic", "Set-AksEgressService") })
        {
            var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster(name), PublicIpIds = new[] { ip.Id } }, new NullOperationContext()));
            Assert.Equal(ErrorIds.EgressNotConfigurableHere, e.ErrorId);
            Assert.Contains(hint, e.Message + e.RecommendedAction);
        }
        Assert.DoesNotContain(f.Arm, r => r.Method == "PUT" && r.PathAndQuery.Contains("managedClusters"));
    }

    [Fact]
    public async Task Too_few_snat_ports_are_refused_with_the_numbers()
    {
        await using var f = await ArmFixture.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "p", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest
        { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id }, AllocatedOutboundPorts = 32000 }, new NullOperationContext()));
        Assert.Equal(ErrorIds.InsufficientOutboundPorts, e.ErrorId);
        Assert.Equal(EgressErrorCategory.LimitsExceeded, e.Category);
        Assert.Contains("needs 4 (3 nodes + 1 surge", e.Message);
        Assert.Contains("-AllocatedOutboundPorts 16000", e.RecommendedAction);
        Assert.DoesNotContain(f.Arm, r => r.Method == "PUT" && r.PathAndQuery.Contains("managedClusters"));
        var ok = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id }, AllocatedOutboundPorts = 16000 }, new NullOperationContext());
        Assert.Equal(16000, ok.AllocatedOutboundPorts);
    }

    [Fact]
    public async Task Outbound_ip_input_is_checked_before_the_update()
    {
        await using var f = await ArmFixture.StartAsync();
        var ctx = new NullOperationContext();
        Assert.Equal(ErrorIds.InvalidResourceId, (await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest
        { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { $"/subscriptions/{f.Sub}/resourceGroups/egress-rg/providers/Microsoft.Network/natGateways/x" } }, ctx))).ErrorId);
        Assert.Equal(ErrorIds.InvalidOutboundPorts, (await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest
        { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { f.Emu.World.GetPublicIpId("egress-rg", "x") }, AllocatedOutboundPorts = 1001 }, ctx))).ErrorId);
        Assert.Empty(f.Arm);
        var missing = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest
        { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { f.Emu.World.GetPublicIpId("egress-rg", "missing") } }, ctx));
        Assert.Equal(ErrorIds.PublicIpNotFound, missing.ErrorId);
        var managed = (await f.Engine.GetEgressConfigurationAsync(f.Cluster("standard-lb"), null, ctx)).EgressIps[0].Id;
        var m = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { managed } }, ctx));
        Assert.Equal(ErrorIds.PublicIpConflict, m.ErrorId);
        Assert.DoesNotContain(f.Arm, r => r.Method == "PUT");
    }
}

public class ArmCredentialTests
{
    [Fact]
    public async Task Admin_credentials_of_a_cluster_without_local_accounts_are_refused_before_the_post()
    {
        await using var f = await ArmFixture.StartAsync();
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.GetClusterKubeconfigAsync(f.Cluster("aad"), admin: true, new NullOperationContext()));
        Assert.Equal(ErrorIds.LocalAccountsDisabled, e.ErrorId);
        Assert.DoesNotContain(f.Arm, r => r.Method == "POST");
        var noAad = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.GetAksAadTokenAsync(new NullOperationContext()));
        Assert.Equal(ErrorIds.AuthenticationFailed, noAad.ErrorId);
        Assert.Contains("-AccessToken", noAad.Message);
        var admin = await f.Engine.GetClusterKubeconfigAsync(f.Cluster("standard-lb"), admin: true, new NullOperationContext());
        Assert.Contains("clusterAdmin", admin);
        Assert.Contains(f.Arm, r => r.Method == "POST" && r.PathAndQuery.Contains("listClusterAdminCredential"));
    }

    [Fact]
    public async Task Completion_lists_clusters_and_resource_groups_and_never_throws()
    {
        await using var f = await ArmFixture.StartAsync();
        var clusters = await f.Engine.CompleteAsync(CompletionKind.Cluster, "demo-rg", null, default);
        Assert.Contains("standard-lb", clusters);
        Assert.Equal(6, clusters.Count);
        var rgs = await f.Engine.CompleteAsync(CompletionKind.ResourceGroup, null, null, default);
        Assert.Contains("egress-rg", rgs);
        var n = f.Arm.Count;
        await f.Engine.CompleteAsync(CompletionKind.Cluster, "demo-rg", null, default);
        Assert.Equal(n, f.Arm.Count);
        Assert.Empty(await f.Engine.CompleteAsync(CompletionKind.Cluster, "no-such-rg", null, default));
        var kubeconfig = f.Emu.GetKubeconfigPath("standard-lb");
        Assert.NotEmpty(await f.Engine.CompleteAsync(CompletionKind.KubeContext, null, kubeconfig, default));
        Assert.Contains("default", await f.Engine.CompleteAsync(CompletionKind.Namespace, null, kubeconfig, default));
        Assert.Empty(await f.Engine.CompleteAsync(CompletionKind.Namespace, null, "/nonexistent/kubeconfig", default));
    }
}

public class ArmConcurrencyTests
{
    [Fact]
    public async Task Parallel_calls_each_write_only_their_own_debug_lines()
    {
        await using var f = await ArmFixture.StartAsync();
        var names = new[] { "standard-lb", "natgw", "udr", "legacy-basic", "locked", "aad" };
        var contexts = names.ToDictionary(n => n, _ => new RecordingContext());
        await Task.WhenAll(names.Select(n => Task.Run(() => f.Engine.GetEgressConfigurationAsync(f.Cluster(n), null, contexts[n]))));
        foreach (var n in names)
        {
            var clusterLines = contexts[n].Debug.Where(d => d.Contains("/managedClusters/")).ToArray();
            Assert.NotEmpty(clusterLines);
            Assert.All(clusterLines, d => Assert.Contains("/managedClusters/" + n + "?", d));
        }
    }
}
