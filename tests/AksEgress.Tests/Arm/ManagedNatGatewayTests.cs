using AksEgress.Engine;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>Set-AksOutboundIp -ManagedNatGatewayIpCount: the managed NAT gateway's IP count and idle timeout (natGatewayProfile).</summary>
public class ManagedNatGatewayTests
{
    private static readonly ClusterRef Nat = new(null, "demo-rg", "natgw");

    private static async Task<AksEgressException> Refused(SetOutboundIpRequest r) =>
        await Assert.ThrowsAsync<AksEgressException>(() => new AksEgressEngine().SetOutboundIpAsync(r, new NullOperationContext()));

    [Fact]
    public async Task The_count_and_its_companions_are_checked_before_any_request()
    {
        foreach (var bad in new[] { 0, 17 })
        {
            var e = await Refused(new SetOutboundIpRequest { Cluster = Nat, ManagedNatGatewayIpCount = bad });
            Assert.Equal(ErrorIds.InvalidCount, e.ErrorId);
            Assert.Contains("1 to 16", e.Message, StringComparison.Ordinal);
        }
        Assert.Equal(ErrorIds.InvalidIdleTimeout, (await Refused(new SetOutboundIpRequest { Cluster = Nat, ManagedNatGatewayIpCount = 2, IdleTimeoutInMinutes = 121 })).ErrorId);
        var ports = await Refused(new SetOutboundIpRequest { Cluster = Nat, ManagedNatGatewayIpCount = 2, AllocatedOutboundPorts = 1024 });
        Assert.Equal(ErrorIds.ConflictingParameters, ports.ErrorId);
        Assert.Contains("load balancer setting", ports.Message, StringComparison.Ordinal);
        var mixed = await Refused(new SetOutboundIpRequest { Cluster = Nat, ManagedNatGatewayIpCount = 2, ManagedOutboundIpCount = 1 });
        Assert.Equal(ErrorIds.ConflictingParameters, mixed.ErrorId);
        Assert.Contains("managed NAT gateway IP count", mixed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_classifier_names_who_owns_the_NAT_gateway()
    {
        Assert.Equal(NatGatewayOwner.Aks, EgressClassifier.NatGatewayOwnerOf("Standard", "managedNATGateway"));
        Assert.Equal(NatGatewayOwner.Aks, EgressClassifier.NatGatewayOwnerOf("standard", "MANAGEDNATGATEWAY"));
        Assert.Equal(NatGatewayOwner.User, EgressClassifier.NatGatewayOwnerOf("Standard", "userAssignedNATGateway"));
        Assert.Equal(NatGatewayOwner.None, EgressClassifier.NatGatewayOwnerOf("Standard", "managedNATGatewayV2"));
        Assert.Equal(NatGatewayOwner.None, EgressClassifier.NatGatewayOwnerOf("Standard", "loadBalancer"));
        Assert.Equal(NatGatewayOwner.None, EgressClassifier.NatGatewayOwnerOf("Basic", "managedNATGateway"));
    }

    [Fact]
    public async Task The_count_and_idle_timeout_change_the_managed_NAT_gateway_and_egress_then_a_rerun_changes_nothing()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var before = f.Emu.World.GetExpectedEgressAddresses("natgw");
        Assert.Single(before);
        var ctx = new RecordingContext();
        var r = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = Nat, ManagedNatGatewayIpCount = 3, IdleTimeoutInMinutes = 10 }, ctx);
        Assert.NotNull(r);
        Assert.Equal("Updated", r.Action);
        Assert.Equal(3, r.ManagedNatGatewayIpCount);
        Assert.Equal(10, r.IdleTimeoutInMinutes);
        Assert.Null(r.ManagedOutboundIpCount);
        Assert.Equal(3, r.EgressIpAddress.Count);
        Assert.Equal(r.EgressIpAddress.Select(Cidr.ForAddress), r.AllowList);
        Assert.Equal(before, r.PreviousEgressIpAddress);
        var (_, question) = Assert.Single(ctx.ShouldProcessCalls);
        Assert.Contains("3 AKS-managed NAT gateway outbound IP(s)", question, StringComparison.Ordinal);
        Assert.Contains("idle timeout of outbound connections from 4 to 10 minutes", question, StringComparison.Ordinal);
        // The PUT is conditional and sets natGatewayProfile, never a load balancer profile source.
        var put = Assert.Single(f.Arm, e => e.Method == "PUT");
        Assert.Contains("/managedClusters/natgw", put.PathAndQuery, StringComparison.Ordinal);
        // What pods now leave from: the three managed NAT gateway IPs.
        Assert.Equal(r.EgressIpAddress.Order(), f.Emu.World.GetExpectedEgressAddresses("natgw").Order());
        var cfg = await f.Engine.GetEgressConfigurationAsync(Nat, null, new RecordingContext());
        Assert.Equal(r.AllowList.Order(), cfg.AllowList.Order());

        f.Emu.Requests.Clear();
        var again = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = Nat, ManagedNatGatewayIpCount = 3, IdleTimeoutInMinutes = 10 }, new RecordingContext());
        Assert.Equal("Unchanged", again!.Action);
        Assert.Equal(r.AllowList.Order(), again.AllowList.Order());
        Assert.DoesNotContain(f.Arm, e => e.Method == "PUT");

        var down = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = Nat, ManagedNatGatewayIpCount = 1 }, new RecordingContext());
        Assert.Equal("Updated", down!.Action);
        Assert.Single(down.EgressIpAddress);
        Assert.Equal(10, down.IdleTimeoutInMinutes);
        Assert.Equal(down.EgressIpAddress, f.Emu.World.GetExpectedEgressAddresses("natgw"));
    }

    [Fact]
    public async Task A_cluster_without_a_managed_NAT_gateway_is_refused_with_the_reason_and_where_to_go()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var lb = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(
            new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), ManagedNatGatewayIpCount = 2 }, new RecordingContext()));
        Assert.Equal(ErrorIds.EgressNotConfigurableHere, lb.ErrorId);
        Assert.Contains("outboundType is 'loadBalancer'", lb.Message, StringComparison.Ordinal);
        Assert.Contains("-ManagedOutboundIpCount", lb.RecommendedAction, StringComparison.Ordinal);
        var ua = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(
            new SetOutboundIpRequest { Cluster = new ClusterRef(null, "paths-rg", "uanat"), ManagedNatGatewayIpCount = 2 }, new RecordingContext()));
        Assert.Equal(ErrorIds.EgressNotConfigurableHere, ua.ErrorId);
        Assert.Contains("userAssignedNATGateway", ua.Message, StringComparison.Ordinal);
        Assert.Contains("Set-AksNatGatewayIp", ua.RecommendedAction, StringComparison.Ordinal);
        // And the load balancer parameters on the managed NAT cluster point at -ManagedNatGatewayIpCount.
        var back = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(
            new SetOutboundIpRequest { Cluster = Nat, ManagedOutboundIpCount = 2 }, new RecordingContext()));
        Assert.Equal(ErrorIds.EgressNotConfigurableHere, back.ErrorId);
        Assert.Contains("-ManagedNatGatewayIpCount", back.RecommendedAction, StringComparison.Ordinal);
        Assert.DoesNotContain(f.Arm, e => e.Method == "PUT");
    }
}
