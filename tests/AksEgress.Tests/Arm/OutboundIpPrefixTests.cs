using AksEgress.Engine;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>Set-AksOutboundIp with public IP prefixes and back to managed IPs; the exactly-one-source rule before any request.</summary>
public class OutboundIpPrefixTests
{
    private static readonly ClusterRef Std = new(null, "demo-rg", "standard-lb");
    private const string Prefix = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/publicIPPrefixes/p";
    private const string Ip = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/publicIPAddresses/ip";

    private static async Task<AksEgressException> Refused(SetOutboundIpRequest r) =>
        await Assert.ThrowsAsync<AksEgressException>(() => new AksEgressEngine().SetOutboundIpAsync(r, new NullOperationContext()));

    [Fact]
    public async Task Exactly_one_outbound_source_is_enforced_before_any_request_with_the_reason()
    {
        var both = await Refused(new SetOutboundIpRequest { Cluster = Std, PublicIpIds = [Ip], PublicIpPrefixIds = [Prefix] });
        Assert.Equal(ErrorIds.ConflictingParameters, both.ErrorId);
        Assert.Contains("exactly one outbound IP source, not public IPs (outboundIPs) and public IP prefixes (outboundIPPrefixes)", both.Message, StringComparison.Ordinal);
        Assert.Contains("InvalidLoadBalancerProfile", both.Message, StringComparison.Ordinal);
        var managed = await Refused(new SetOutboundIpRequest { Cluster = Std, PublicIpPrefixIds = [Prefix], ManagedOutboundIpCount = 2 });
        Assert.Equal(ErrorIds.ConflictingParameters, managed.ErrorId);
        Assert.Contains("managedOutboundIPs", managed.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorIds.InvalidResourceId, (await Refused(new SetOutboundIpRequest { Cluster = Std })).ErrorId);
        Assert.Equal(ErrorIds.InvalidResourceId, (await Refused(new SetOutboundIpRequest { Cluster = Std, PublicIpPrefixIds = [Ip] })).ErrorId);
        Assert.Equal(ErrorIds.InvalidCount, (await Refused(new SetOutboundIpRequest { Cluster = Std, ManagedOutboundIpCount = 0 })).ErrorId);
        Assert.Equal(ErrorIds.ConflictingParameters, (await Refused(new SetOutboundIpRequest { Cluster = Std, ManagedOutboundIpv6Count = 1 })).ErrorId);
    }

    [Fact]
    public async Task A_prefix_becomes_the_egress_then_a_rerun_changes_nothing_and_a_managed_count_returns_to_managed_ips()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var prefix = await f.Engine.NewEgressIpPrefixAsync(new NewEgressIpPrefixRequest { Name = "out-prefix", PrefixLength = 30, Cluster = Std }, new RecordingContext());
        Assert.NotNull(prefix);
        var ctx = new RecordingContext();
        var r = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = Std, PublicIpPrefixIds = [prefix.Id] }, ctx);
        Assert.NotNull(r);
        Assert.Equal("Updated", r.Action);
        Assert.Equal(new[] { prefix.Id }, r.PublicIpPrefixId.ToArray());
        Assert.Equal(new[] { prefix.Prefix }, r.EgressIpPrefix.ToArray());
        Assert.Equal(new[] { prefix.Prefix }, r.AllowList.ToArray());
        Assert.Empty(r.PublicIpId);
        Assert.Contains(ctx.ShouldProcessCalls, c => c.Action.Contains($"with the public IP prefixes out-prefix ({prefix.Prefix})", StringComparison.Ordinal));
        // What pods now leave from: addresses of the prefix only.
        var seen = f.Emu.World.GetExpectedEgressAddresses("standard-lb");
        Assert.Equal(4, seen.Count);
        Assert.All(seen, a => Assert.True(Cidr.Contains(prefix.Prefix!, a), a));

        f.Emu.Requests.Clear();
        var again = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = Std, PublicIpPrefixIds = [prefix.Id] }, new RecordingContext());
        Assert.NotNull(again);
        Assert.Equal("Unchanged", again.Action);
        Assert.Equal(new[] { prefix.Prefix }, again.AllowList.ToArray());
        Assert.DoesNotContain(f.Arm, e => e.Method == "PUT");

        var back = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = Std, ManagedOutboundIpCount = 2 }, new RecordingContext());
        Assert.NotNull(back);
        Assert.Equal("Updated", back.Action);
        Assert.Equal(2, back.ManagedOutboundIpCount);
        Assert.Equal(2, back.EgressIpAddress.Count);
        Assert.Empty(back.EgressIpPrefix);
        Assert.All(f.Emu.World.GetExpectedEgressAddresses("standard-lb"), a => Assert.False(Cidr.Contains(prefix.Prefix!, a), a));
        var managedAgain = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = Std, ManagedOutboundIpCount = 2 }, new RecordingContext());
        Assert.Equal("Unchanged", managedAgain!.Action);
    }

    [Fact]
    public async Task A_missing_prefix_or_one_serving_a_NAT_gateway_is_refused_before_the_cluster_update()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var missing = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = Std,
            PublicIpPrefixIds = [$"/subscriptions/{f.Sub}/resourceGroups/MC_demo-rg_standard-lb_eastus/providers/Microsoft.Network/publicIPPrefixes/nope"] }, new RecordingContext()));
        Assert.Equal(ErrorIds.PublicIpPrefixNotFound, missing.ErrorId);
        var busy = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = Std,
            PublicIpPrefixIds = [$"/subscriptions/{f.Sub}/resourceGroups/paths-rg/providers/Microsoft.Network/publicIPPrefixes/uanat-prefix"] }, new RecordingContext()));
        Assert.Equal(ErrorIds.PublicIpInUse, busy.ErrorId);
        Assert.Contains("NAT gateway", busy.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(f.Arm, e => e.Method == "PUT");
    }
}
