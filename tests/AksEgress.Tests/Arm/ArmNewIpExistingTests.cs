using AksEgress.Engine;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>
/// Issue 14 item 9: New-AksEgressIp on an IP that already exists. Zones are fixed at creation, so other zones are a
/// PublicIpConflict naming both; other tags are set (with ShouldProcess, the IP's other tags kept), never silently ignored.
/// </summary>
public class ArmNewIpExistingTests
{
    private static async Task<EgressIp> CreateAsync(ConnectedEngine f, string name, string[] zones, Dictionary<string, string>? tags = null)
    {
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = name, ResourceGroupName = "egress-rg", Location = "eastus", Zones = zones, Tags = tags ?? new() }, new NullOperationContext());
        Assert.NotNull(ip);   // approved: the IP is there
        return ip;
    }

    [Fact]
    public async Task Other_zones_are_a_conflict_that_names_both_and_sends_no_write()
    {
        await using var f = await ConnectedEngine.StartAsync();
        await CreateAsync(f, "zonal", new[] { "1", "2", "3" });
        f.Emu.Requests.Clear();
        var e = await Assert.ThrowsAsync<AksEgressException>(() => CreateAsync(f, "zonal", new[] { "1" }));
        Assert.Equal(ErrorIds.PublicIpConflict, e.ErrorId);
        Assert.Equal(EgressErrorCategory.ResourceExists, e.Category);
        Assert.Contains("zones are 1,2,3, not 1 (the zones of a public IP cannot be changed)", e.Message);
        Assert.Equal("egress-rg/zonal", e.TargetObject);
        Assert.DoesNotContain(f.Arm, r => r.Method is "PUT" or "PATCH");

        await CreateAsync(f, "regional", Array.Empty<string>());
        var r = await Assert.ThrowsAsync<AksEgressException>(() => CreateAsync(f, "regional", new[] { "2" }));
        Assert.Contains("zones are none (regional), not 2", r.Message);
    }

    [Fact]
    public async Task Same_zones_in_another_order_or_no_zone_asked_for_return_the_ip_unchanged()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await CreateAsync(f, "zonal", new[] { "1", "2", "3" });
        f.Emu.Requests.Clear();
        var same = await CreateAsync(f, "zonal", new[] { "3", "1", "2" });
        var none = await CreateAsync(f, "zonal", Array.Empty<string>());
        Assert.False(same.Created);
        Assert.False(none.Created);
        Assert.Equal(ip.IpAddress, none.IpAddress);
        Assert.All(f.Arm, r => Assert.Equal("GET", r.Method));
    }

    [Fact]
    public async Task Other_tags_are_set_with_ShouldProcess_and_the_ips_other_tags_are_kept()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await CreateAsync(f, "tagged", Array.Empty<string>(), new() { ["owner"] = "net", ["env"] = "test" });
        f.Emu.Requests.Clear();
        var ctx = new RecordingContext();
        var again = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "tagged", ResourceGroupName = "egress-rg", Location = "eastus",
            Tags = new Dictionary<string, string> { ["env"] = "prod", ["cost"] = "42" } }, ctx);
        Assert.NotNull(again);
        Assert.False(again.Created);
        Assert.Equal(ip.IpAddress, again.IpAddress);
        Assert.Equal("net", again.Tags["owner"]);
        Assert.Equal("prod", again.Tags["env"]);
        Assert.Equal("42", again.Tags["cost"]);
        var (target, action) = Assert.Single(ctx.ShouldProcessCalls);
        Assert.Equal("egress-rg/tagged", target);
        Assert.Equal($"Update the tags of existing public IP {ip.IpAddress}: env=prod (was test), cost=42 (new)", action);
        Assert.Equal(new[] { "GET", "PATCH" }, f.Arm.Select(r => r.Method));
        var stored = f.Emu.World.GetPublicIp("egress-rg", "tagged")!;
        Assert.Equal("prod", stored["tags"]!["env"]!.GetValue<string>());
        Assert.Equal("net", stored["tags"]!["owner"]!.GetValue<string>());

        // Run again with the same tags: nothing to do, no write.
        f.Emu.Requests.Clear();
        await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "tagged", ResourceGroupName = "egress-rg", Location = "eastus",
            Tags = new Dictionary<string, string> { ["env"] = "prod" } }, new NullOperationContext());
        Assert.Equal(new[] { "GET" }, f.Arm.Select(r => r.Method));
    }

    [Fact]
    public async Task WhatIf_on_other_tags_changes_nothing_and_returns_null()
    {
        await using var f = await ConnectedEngine.StartAsync();
        await CreateAsync(f, "tagged", Array.Empty<string>(), new() { ["env"] = "test" });
        f.Emu.Requests.Clear();
        var ctx = new RecordingContext { Approve = false };
        var r = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "tagged", ResourceGroupName = "egress-rg", Location = "eastus",
            Tags = new Dictionary<string, string> { ["env"] = "prod" } }, ctx);
        Assert.Null(r);
        Assert.Single(ctx.ShouldProcessCalls);
        Assert.DoesNotContain(f.Arm, x => x.Method == "PATCH");
        Assert.Equal("test", f.Emu.World.GetPublicIp("egress-rg", "tagged")!["tags"]!["env"]!.GetValue<string>());
    }
}
