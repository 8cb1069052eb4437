using AksEgress.Engine;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>New-AksEgressIpPrefix against the emulator: a Standard IPv4 prefix, idempotent, conflicts named, -WhatIf writes nothing.</summary>
public class ArmPublicIpPrefixTests
{
    [Fact]
    public async Task A_prefix_for_a_cluster_goes_to_its_node_resource_group_and_a_rerun_returns_it_unchanged()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ctx = new RecordingContext();
        var p = await f.Engine.NewEgressIpPrefixAsync(new NewEgressIpPrefixRequest { Name = "egress-prefix", PrefixLength = 29, Cluster = f.Cluster("standard-lb") }, ctx);
        Assert.NotNull(p);
        Assert.True(p.Created);
        Assert.Equal("MC_demo-rg_standard-lb_eastus", p.ResourceGroupName);
        Assert.Equal(f.Emu.World.GetPublicIpPrefix("MC_demo-rg_standard-lb_eastus", "egress-prefix"), p.Prefix);
        Assert.EndsWith("/29", p.Prefix, StringComparison.Ordinal);
        Assert.Equal(29, p.PrefixLength);
        Assert.Equal(new[] { p.Prefix }, p.AllowList.ToArray());
        Assert.Equal("eastus", p.Location);
        Assert.Equal("standard-lb", p.ClusterName);
        Assert.EndsWith("/managedClusters/standard-lb", p.ClusterId, StringComparison.Ordinal);
        Assert.Contains(ctx.ShouldProcessCalls, c => c.Target == "MC_demo-rg_standard-lb_eastus/egress-prefix" && c.Action == "Create Standard IPv4 public IP prefix /29 (8 addresses) in eastus");
        Assert.Contains(f.Arm, e => e.Method == "PUT" && e.PathAndQuery.Contains("/publicIPPrefixes/egress-prefix?api-version=2025-07-01", StringComparison.Ordinal));

        f.Emu.Requests.Clear();
        var again = await f.Engine.NewEgressIpPrefixAsync(new NewEgressIpPrefixRequest { Name = "egress-prefix", PrefixLength = 29, Cluster = f.Cluster("standard-lb") }, new RecordingContext());
        Assert.NotNull(again);
        Assert.False(again.Created);
        Assert.Equal(p.Prefix, again.Prefix);
        Assert.DoesNotContain(f.Arm, e => e.Method == "PUT");

        // A second prefix gets a range of its own, aligned to its length.
        var other = await f.Engine.NewEgressIpPrefixAsync(new NewEgressIpPrefixRequest { Name = "egress-prefix-2", PrefixLength = 28, ResourceGroupName = "egress-rg" }, new RecordingContext());
        Assert.NotNull(other);
        Assert.NotEqual(p.Prefix, other.Prefix);
        var last = int.Parse(other.Prefix!.Split('/')[0].Split('.')[3], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(0, last % 16);
        Assert.DoesNotContain(other.Prefix!.Split('/')[0], p.Prefix, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_existing_prefix_with_another_length_or_zones_is_a_conflict_before_any_write()
    {
        await using var f = await ConnectedEngine.StartAsync();
        await f.Engine.NewEgressIpPrefixAsync(new NewEgressIpPrefixRequest { Name = "p", PrefixLength = 30, ResourceGroupName = "egress-rg" }, new RecordingContext());
        f.Emu.Requests.Clear();
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressIpPrefixAsync(new NewEgressIpPrefixRequest { Name = "p", PrefixLength = 28, ResourceGroupName = "egress-rg" }, new RecordingContext()));
        Assert.Equal(ErrorIds.PublicIpPrefixConflict, e.ErrorId);
        Assert.Equal(EgressErrorCategory.ResourceExists, e.Category);
        Assert.Contains("length is /30, not /28", e.Message, StringComparison.Ordinal);
        var z = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressIpPrefixAsync(new NewEgressIpPrefixRequest { Name = "p", PrefixLength = 30, ResourceGroupName = "egress-rg", Zones = ["1", "2", "3"] }, new RecordingContext()));
        Assert.Equal(ErrorIds.PublicIpPrefixConflict, z.ErrorId);
        Assert.Contains("zones are none, not 1,2,3", z.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(f.Arm, r => r.Method == "PUT");
    }

    [Fact]
    public async Task WhatIf_creates_nothing_and_a_locked_node_resource_group_is_refused_before_the_write()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var declined = await f.Engine.NewEgressIpPrefixAsync(new NewEgressIpPrefixRequest { Name = "p", ResourceGroupName = "egress-rg" }, new RecordingContext(approve: false));
        Assert.Null(declined);
        Assert.Null(f.Emu.World.GetPublicIpPrefix("egress-rg", "p"));
        var locked = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressIpPrefixAsync(new NewEgressIpPrefixRequest { Name = "p", Cluster = f.Cluster("locked") }, new RecordingContext()));
        Assert.Equal(ErrorIds.NodeResourceGroupLocked, locked.ErrorId);
        Assert.Contains("New-AksEgressIpPrefix -ResourceGroupName", locked.RecommendedAction, StringComparison.Ordinal);
        Assert.DoesNotContain(f.Arm, r => r.Method == "PUT");
    }

    [Theory]
    [InlineData(27)]
    [InlineData(32)]
    [InlineData(24)]
    public async Task A_prefix_length_outside_28_to_31_is_refused_before_any_request(int length)
    {
        var e = await Assert.ThrowsAsync<AksEgressException>(() => new AksEgressEngine().NewEgressIpPrefixAsync(new NewEgressIpPrefixRequest { Name = "p", PrefixLength = length, ResourceGroupName = "rg" }, new NullOperationContext()));
        Assert.Equal(ErrorIds.InvalidPrefixLength, e.ErrorId);
        Assert.Equal(EgressErrorCategory.InvalidArgument, e.Category);
        Assert.Contains($"PrefixLength {length} is invalid", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_name_zone_and_missing_target_are_named_before_any_request()
    {
        static async Task<string> Id(NewEgressIpPrefixRequest r) =>
            (await Assert.ThrowsAsync<AksEgressException>(() => new AksEgressEngine().NewEgressIpPrefixAsync(r, new NullOperationContext()))).ErrorId;
        Assert.Equal(ErrorIds.InvalidPublicIpName, await Id(new NewEgressIpPrefixRequest { Name = "-bad", ResourceGroupName = "rg" }));
        Assert.Equal(ErrorIds.InvalidZone, await Id(new NewEgressIpPrefixRequest { Name = "p", ResourceGroupName = "rg", Zones = ["4"] }));
        Assert.Equal(ErrorIds.MissingClusterContext, await Id(new NewEgressIpPrefixRequest { Name = "p" }));
    }
}
