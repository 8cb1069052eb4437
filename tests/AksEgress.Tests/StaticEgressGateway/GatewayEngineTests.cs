using System.Text.Json.Nodes;
using AksEgress.Engine.StaticEgressGateway;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.StaticEgressGateway;

/// <summary>The engine against the emulator: the ARM and Kubernetes requests of the gateway services.</summary>
public class GatewayEngineTests
{
    [Fact]
    public async Task Enable_pool_gateway_test_and_teardown_through_the_engine()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ctx = new NullOperationContext();
        var cluster = f.Cluster("standard-lb");
        var kube = new KubeAccess { Cluster = cluster };

        var notYet = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressGatewayPoolAsync(new NewEgressGatewayPoolRequest { Cluster = cluster, Name = "gwpool" }, ctx));
        Assert.Equal(ErrorIds.StaticEgressGatewayNotEnabled, notYet.ErrorId);
        Assert.DoesNotContain(f.Arm, e => e.Method == "PUT");

        f.Emu.Requests.Clear();
        var on = await f.Engine.SetStaticEgressGatewayAsync(new SetStaticEgressGatewayRequest { Cluster = cluster, Enabled = true }, ctx);
        Assert.Equal("Enabled", on!.Action);
        var put = Assert.Single(f.Arm, e => e.Method == "PUT");
        Assert.Contains("If-Match", put.HeaderNames, StringComparer.OrdinalIgnoreCase);
        Assert.True(f.Emu.World.GetCluster("standard-lb")!["properties"]!["networkProfile"]!["staticEgressGatewayProfile"]!["enabled"]!.GetValue<bool>());
        Assert.Equal("Unchanged", (await f.Engine.SetStaticEgressGatewayAsync(new SetStaticEgressGatewayRequest { Cluster = cluster, Enabled = true }, ctx))!.Action);

        var pool = await f.Engine.NewEgressGatewayPoolAsync(new NewEgressGatewayPoolRequest { Cluster = cluster, Name = "gwpool", PrefixSize = 30, Count = 3 }, ctx);
        Assert.Equal("Created", pool!.Action);
        Assert.Equal(4, pool.MaxCount);
        Assert.Equal(3, f.Emu.World.GetGatewayNodeNames("standard-lb").Count);
        Assert.Equal("Unchanged", (await f.Engine.NewEgressGatewayPoolAsync(new NewEgressGatewayPoolRequest { Cluster = cluster, Name = "gwpool", PrefixSize = 30, Count = 3 }, ctx))!.Action);
        var conflict = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.NewEgressGatewayPoolAsync(new NewEgressGatewayPoolRequest { Cluster = cluster, Name = "gwpool", PrefixSize = 31 }, ctx));
        Assert.Equal(ErrorIds.GatewayPoolConflict, conflict.ErrorId);

        var gw = await f.Engine.NewEgressGatewayAsync(new NewEgressGatewayRequest { Name = "app-gw", PoolName = "gwpool", Kube = kube }, ctx);
        Assert.Equal("Created", gw!.Action);
        Assert.EndsWith("/30", gw.Prefix);
        Assert.Equal(4, gw.AllowList.Count);
        Assert.Equal(gw.Prefix, f.Emu.World.GetGatewayConfiguration("standard-lb", "default", "app-gw")!["status"]!["egressIpPrefix"]!.GetValue<string>());

        f.Emu.Requests.Clear();
        var config = await f.Engine.GetEgressConfigurationAsync(cluster, null, ctx);
        Assert.True(config.StaticEgressGatewayEnabled);
        var listed = Assert.Single(config.Gateways);
        Assert.Equal(("default", "app-gw", "gwpool", gw.Prefix), (listed.Namespace, listed.GatewayName, listed.PoolName, listed.Prefix));
        f.Emu.Requests.Clear();
        var other = await f.Engine.GetEgressConfigurationAsync(f.Cluster("natgw"), null, ctx);
        Assert.False(other.StaticEgressGatewayEnabled);
        Assert.Empty(other.Gateways);
        Assert.DoesNotContain(f.Emu.Requests.Entries, e => e.Target.StartsWith("k8s", StringComparison.Ordinal));   // no Kubernetes call without the add-on

        var proof = await f.Engine.TestEgressIpAsync(new TestEgressIpRequest { Gateway = "app-gw", Kube = kube }, ctx);
        Assert.True(proof.Succeeded, proof.Explanation);
        Assert.Contains(proof.Samples.Single(s => s.Gateway == "app-gw").ObservedIpAddress, gw.AllowList);
        Assert.DoesNotContain(proof.Samples.Single(s => s.Gateway is null).ObservedIpAddress, gw.AllowList);

        var inUse = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.RemoveEgressGatewayPoolAsync(new RemoveEgressGatewayPoolRequest { Cluster = cluster, Name = "gwpool" }, ctx));
        Assert.Equal(ErrorIds.StaticEgressGatewayInUse, inUse.ErrorId);
        Assert.True(await f.Engine.RemoveEgressGatewayAsync(new RemoveEgressGatewayRequest { Name = "app-gw", Kube = kube }, false, ctx));
        Assert.Null(f.Emu.World.GetGatewayConfiguration("standard-lb", "default", "app-gw"));
        Assert.Equal(0, f.Emu.World.GatewayPrefixCount);
        Assert.True(await f.Engine.RemoveEgressGatewayPoolAsync(new RemoveEgressGatewayPoolRequest { Cluster = cluster, Name = "gwpool" }, ctx));
        Assert.Empty(f.Emu.World.GetGatewayNodeNames("standard-lb"));
        Assert.Equal("Disabled", (await f.Engine.SetStaticEgressGatewayAsync(new SetStaticEgressGatewayRequest { Cluster = cluster, Enabled = false }, ctx))!.Action);
    }

    [Fact]
    public async Task Dual_stack_clusters_are_refused_before_any_write()
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.World.ChangeCluster("standard-lb", c => c["properties"]!["networkProfile"]!["ipFamilies"] = new JsonArray("IPv4", "IPv6"));
        f.Emu.Requests.Clear();
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetStaticEgressGatewayAsync(new SetStaticEgressGatewayRequest { Cluster = f.Cluster("standard-lb"), Enabled = true }, new NullOperationContext()));
        Assert.Equal(ErrorIds.StaticEgressGatewayNotSupported, e.ErrorId);
        Assert.Contains("dual-stack", e.Message);
        Assert.DoesNotContain(f.Arm, r => r.Method == "PUT");
    }
}
