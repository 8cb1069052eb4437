using System.Text.Json.Nodes;
using AksEgress.Engine.StaticEgressGateway;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.StaticEgressGateway;

public class GatewayPrefixTests
{
    [Theory]
    [InlineData("20.65.41.84/30", "20.65.41.84", true)]
    [InlineData("20.65.41.84/30", "20.65.41.87", true)]
    [InlineData("20.65.41.84/30", "20.65.41.88", false)]
    [InlineData("20.65.41.84/30", "20.65.41.83", false)]
    [InlineData("192.0.2.16/28", "192.0.2.31", true)]
    [InlineData("192.0.2.16/28", "192.0.2.32", false)]
    [InlineData("10.0.1.8,10.0.1.9", "10.0.1.9", true)]   // private mode: a list, not a CIDR
    [InlineData("10.0.1.8,10.0.1.9", "10.0.1.10", false)]
    [InlineData("20.65.41.84/30", null, false)]
    [InlineData("", "20.65.41.84", false)]
    public void Contains_reads_a_cidr_or_a_private_list(string prefix, string? address, bool expected) =>
        Assert.Equal(expected, GatewayPrefix.Contains(prefix, address));

    [Fact]
    public void AllowList_expands_the_prefix()
    {
        Assert.Equal(new[] { "20.65.41.84", "20.65.41.85", "20.65.41.86", "20.65.41.87" }, GatewayPrefix.AllowList("20.65.41.84/30"));
        Assert.Equal(16, GatewayPrefix.AllowList("192.0.2.16/28").Count);
        Assert.Equal(new[] { "10.0.1.8", "10.0.1.9" }, GatewayPrefix.AllowList("10.0.1.8, 10.0.1.9"));
        Assert.Empty(GatewayPrefix.AllowList(null));
    }
}

public class GatewayBodyTests
{
    [Fact]
    public void Pool_body_is_a_gateway_pool_with_the_prefix_size()
    {
        var body = GatewayPoolService.BuildPoolPutBody(4, 30, null);
        Assert.Equal("Gateway", body["properties"]!["mode"]!.GetValue<string>());
        Assert.Equal(4, body["properties"]!["count"]!.GetValue<int>());
        Assert.Equal(30, body["properties"]!["gatewayProfile"]!["publicIPPrefixSize"]!.GetValue<int>());
        Assert.Null(body["properties"]!["vmSize"]);
        Assert.Equal("Standard_D4s_v5", GatewayPoolService.BuildPoolPutBody(2, 31, "Standard_D4s_v5")["properties"]!["vmSize"]!.GetValue<string>());
    }

    [Fact]
    public void Flag_body_sets_the_profile_and_sends_no_read_only_property()
    {
        var cluster = JsonNode.Parse("""{"id":"x","name":"aks","eTag":"e","location":"eastus","properties":{"provisioningState":"Succeeded","fqdn":"f","networkProfile":{"outboundType":"loadBalancer","loadBalancerProfile":{"effectiveOutboundIPs":[{"id":"i"}]}}}}""")!.AsObject();
        var body = GatewayPoolService.BuildFlagPutBody(cluster, true);
        Assert.True(body["properties"]!["networkProfile"]!["staticEgressGatewayProfile"]!["enabled"]!.GetValue<bool>());
        Assert.Null(body["eTag"]);
        Assert.Null(body["properties"]!["provisioningState"]);
        Assert.Null(body["properties"]!["networkProfile"]!["loadBalancerProfile"]!["effectiveOutboundIPs"]);
        Assert.Equal("loadBalancer", body["properties"]!["networkProfile"]!["outboundType"]!.GetValue<string>());
        Assert.False(GatewayPoolService.BuildFlagPutBody(cluster, false)["properties"]!["networkProfile"]!["staticEgressGatewayProfile"]!["enabled"]!.GetValue<bool>());
    }

    [Fact]
    public void Configuration_body_and_same_spec()
    {
        var req = new NewEgressGatewayRequest { Name = "app-gw", Namespace = "apps", PoolName = "gwpool", ExcludeCidr = new[] { "10.0.0.0/8" } };
        var sgc = GatewayService.BuildConfiguration(req);
        Assert.Equal("egressgateway.kubernetes.azure.com/v1alpha1", sgc["apiVersion"]!.GetValue<string>());
        Assert.Equal("StaticGatewayConfiguration", sgc["kind"]!.GetValue<string>());
        Assert.Equal("gwpool", sgc["spec"]!["gatewayNodepoolName"]!.GetValue<string>());
        Assert.Equal("10.0.0.0/8", sgc["spec"]!["excludeCidrs"]![0]!.GetValue<string>());
        Assert.True(GatewayService.SameSpec(sgc, req));
        Assert.False(GatewayService.SameSpec(sgc, req with { PoolName = "other" }));
        Assert.False(GatewayService.SameSpec(sgc, req with { ExcludeCidr = Array.Empty<string>() }));
        Assert.False(GatewayService.SameSpec(sgc, req with { DefaultRoute = "azureNetworking" }));
    }
}

public class GatewayValidationTests
{
    private static readonly ClusterRef C = new(null, "rg", "aks");

    [Theory]
    [InlineData(27, 2, ErrorIds.InvalidPrefixSize)]
    [InlineData(32, 2, ErrorIds.InvalidPrefixSize)]
    [InlineData(31, 3, ErrorIds.InvalidGatewayNodeCount)]
    [InlineData(30, 5, ErrorIds.InvalidGatewayNodeCount)]
    [InlineData(28, 17, ErrorIds.InvalidGatewayNodeCount)]
    [InlineData(28, 1, ErrorIds.InvalidGatewayNodeCount)]
    public void Pool_rules_fail_before_any_request(int size, int count, string errorId)
    {
        var e = Assert.Throws<AksEgressException>(() => RequestValidation.Validate(new NewEgressGatewayPoolRequest { Cluster = C, Name = "gwpool", PrefixSize = size, Count = count }));
        Assert.Equal(errorId, e.ErrorId);
    }

    [Theory]
    [InlineData(31, 2)]
    [InlineData(30, 4)]
    [InlineData(28, 16)]
    public void Pool_limits_are_inclusive(int size, int count) =>
        RequestValidation.Validate(new NewEgressGatewayPoolRequest { Cluster = C, Name = "gwpool", PrefixSize = size, Count = count });

    [Theory]
    [InlineData("GwPool")]
    [InlineData("1pool")]
    [InlineData("gateway-pool")]
    [InlineData("abcdefghijklm")]
    public void Pool_names_AKS_refuses(string name) =>
        Assert.Equal(ErrorIds.InvalidAgentPoolName, Assert.Throws<AksEgressException>(() => RequestValidation.Validate(new NewEgressGatewayPoolRequest { Cluster = C, Name = name })).ErrorId);

    [Theory]
    [InlineData("10.0.0.0", ErrorIds.InvalidCidr)]
    [InlineData("10.0.0.0/33", ErrorIds.InvalidCidr)]
    [InlineData("fd00::/8", ErrorIds.InvalidCidr)]
    [InlineData("10.0.0/8", ErrorIds.InvalidCidr)]
    public void Exclude_cidrs_are_IPv4_cidrs(string cidr, string errorId) =>
        Assert.Equal(errorId, Assert.Throws<AksEgressException>(() => RequestValidation.Validate(new NewEgressGatewayRequest { Name = "gw", PoolName = "gwpool", ExcludeCidr = new[] { cidr } })).ErrorId);

    [Fact]
    public void Gateway_test_takes_no_expected_ip_nor_several_pods()
    {
        Assert.Equal(ErrorIds.ConflictingParameters, Assert.Throws<AksEgressException>(() => RequestValidation.Validate(new TestEgressIpRequest { Gateway = "gw", ExpectedIpAddress = new[] { "203.0.113.10" } })).ErrorId);
        Assert.Equal(ErrorIds.ConflictingParameters, Assert.Throws<AksEgressException>(() => RequestValidation.Validate(new TestEgressIpRequest { Gateway = "gw", AllNodes = true })).ErrorId);
        Assert.Equal(ErrorIds.InvalidKubernetesName, Assert.Throws<AksEgressException>(() => RequestValidation.Validate(new TestEgressIpRequest { Gateway = "Bad_Name" })).ErrorId);
        Assert.Equal(ErrorIds.InvalidDefaultRoute, Assert.Throws<AksEgressException>(() => RequestValidation.Validate(new NewEgressGatewayRequest { Name = "gw", PoolName = "gwpool", DefaultRoute = "block" })).ErrorId);
    }
}

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
