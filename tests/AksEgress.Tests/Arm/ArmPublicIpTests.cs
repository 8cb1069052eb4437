using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

public class ArmPublicIpTests
{
    [Fact]
    public async Task New_ip_for_a_piped_cluster_is_created_once_then_returned_unchanged()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var info = await f.Engine.GetClusterAsync(f.Cluster("standard-lb"), new NullOperationContext());
        f.Emu.Requests.Clear();
        var ctx = new RecordingContext();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "egress-1", ResourceGroupName = "egress-rg", ClusterInfo = info, Tags = new Dictionary<string, string> { ["purpose"] = "egress" } }, ctx);
        Assert.NotNull(ip);
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
        Assert.Contains(ctx.Verbose, v => v.StartsWith("Creating public IP egress-rg/egress-1 in eastus (Standard, Static", StringComparison.Ordinal));
        Assert.Contains(ctx.Progress, p => p.Activity.StartsWith("Waiting for", StringComparison.Ordinal) && !p.Completed);
        Assert.Contains(ctx.Progress, p => p.Completed);
        Assert.Contains(ctx.ShouldProcessCalls, c => c.Target == "egress-rg/egress-1" && c.Action == "Create static Standard public IP in eastus");

        f.Emu.Requests.Clear();
        var again = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "egress-1", ResourceGroupName = "egress-rg", ClusterInfo = info }, new NullOperationContext());
        Assert.NotNull(again);
        Assert.False(again.Created);
        Assert.Equal(ip.IpAddress, again.IpAddress);
        Assert.Single(f.Arm);
        Assert.Equal("GET", f.Arm[0].Method);
    }

    [Fact]
    public async Task New_ip_defaults_to_the_node_resource_group_and_the_cluster_location()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "in-nrg", Cluster = f.Cluster("standard-lb") }, new NullOperationContext());
        Assert.NotNull(ip);
        Assert.Equal("MC_demo-rg_standard-lb_eastus", ip.ResourceGroupName);
        Assert.NotNull(f.Emu.World.GetPublicIp("MC_demo-rg_standard-lb_eastus", "in-nrg"));
        // no cluster at all: the resource group's location is used
        var bare = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "bare", ResourceGroupName = "egress-rg" }, new NullOperationContext());
        Assert.NotNull(bare);
        Assert.Equal("eastus", bare.Location);
        Assert.Null(bare.ClusterName);
        Assert.Contains(f.Arm, e => e.Method == "GET" && e.PathAndQuery.Contains("/resourceGroups/egress-rg?api-version=2024-03-01"));
    }

    [Fact]
    public async Task Locked_node_resource_group_is_refused_before_any_write()
    {
        await using var f = await ConnectedEngine.StartAsync();
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
        await using var f = await ConnectedEngine.StartAsync();
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
        await using var f = await ConnectedEngine.StartAsync();
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
        await using var f = await ConnectedEngine.StartAsync();
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
        await using var f = await ConnectedEngine.StartAsync(new EmulatorOptions { LroInProgressPolls = 2 });
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
        await using var f = await ConnectedEngine.StartAsync(new EmulatorOptions { LroInProgressPolls = 1 });
        f.Emu.Options.LroRetryAfterSeconds = 1;   // the fixture sets 0; this emulator answers Retry-After: 1
        var sw = System.Diagnostics.Stopwatch.StartNew();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "slow", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        Assert.NotNull(ip);
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
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "PUT", PathContains = "publicIPAddresses/c1", LroOutcome = "stuck" });
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "c1", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext(cts.Token)));
    }

    [Fact]
    public async Task WhatIf_creates_nothing_and_returns_null()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ctx = new RecordingContext { Approve = false };
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "w", ResourceGroupName = "egress-rg", Location = "eastus" }, ctx);
        Assert.Null(ip);
        Assert.DoesNotContain(f.Arm, r => r.Method == "PUT");
        Assert.Null(f.Emu.World.GetPublicIp("egress-rg", "w"));
    }

    [Fact]
    public async Task Remove_refuses_an_ip_in_use_and_deletes_a_free_one()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var cfg = await f.Engine.GetEgressConfigurationAsync(f.Cluster("standard-lb"), null, new NullOperationContext());
        var inUse = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.RemoveEgressIpAsync(new RemoveEgressIpRequest { PublicIpId = cfg.EgressIps[0].Id }, new NullOperationContext()));
        Assert.Equal(ErrorIds.PublicIpInUse, inUse.ErrorId);
        Assert.DoesNotContain(f.Arm, r => r.Method == "DELETE");

        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "temp", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        Assert.NotNull(ip);
        Assert.False(await f.Engine.RemoveEgressIpAsync(new RemoveEgressIpRequest { PublicIpId = ip.Id }, new RecordingContext { Approve = false }));
        Assert.NotNull(f.Emu.World.GetPublicIp("egress-rg", "temp"));
        Assert.True(await f.Engine.RemoveEgressIpAsync(new RemoveEgressIpRequest { PublicIpId = ip.Id }, new NullOperationContext()));
        Assert.Null(f.Emu.World.GetPublicIp("egress-rg", "temp"));
        Assert.False(await f.Engine.RemoveEgressIpAsync(new RemoveEgressIpRequest { PublicIpId = ip.Id }, new NullOperationContext()));
    }
}
