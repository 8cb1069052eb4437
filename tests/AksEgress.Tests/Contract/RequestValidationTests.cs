using AksEgress.Engine;
using Xunit;

namespace AksEgress.Tests.Contract;

/// <summary>One validator per request type, run by the engine before any request; each ErrorId names what is wrong.</summary>
public class RequestValidationTests
{
    private static async Task<string> ErrorIdOf(Func<AksEgressEngine, Task> call)
    {
        var e = await Assert.ThrowsAsync<AksEgressException>(() => call(new AksEgressEngine()));
        Assert.Equal(EgressErrorCategory.InvalidArgument, e.Category);
        return e.ErrorId;
    }

    private const string Sub = "00000000-0000-0000-0000-000000000000";
    private static readonly ConnectRequest Token = new() { AccessToken = "t", SubscriptionId = Sub };

    [Fact]
    public async Task Connect_names_each_wrong_value_and_keeps_ConflictingParameters_for_conflicts()
    {
        var ctx = new NullOperationContext();
        Assert.Equal(ErrorIds.InvalidTenantId, await ErrorIdOf(e => e.ConnectAsync(Token with { TenantId = "not a tenant" }, ctx)));
        Assert.Equal(ErrorIds.InvalidEnvironment, await ErrorIdOf(e => e.ConnectAsync(Token with { Environment = "Mars" }, ctx)));
        Assert.Equal(ErrorIds.InvalidArmEndpoint, await ErrorIdOf(e => e.ConnectAsync(Token with { ArmEndpoint = new Uri("http://127.0.0.1:1/") }, ctx)));
        Assert.Equal(ErrorIds.ConflictingParameters, await ErrorIdOf(e => e.ConnectAsync(Token with { CaCertificatePath = "/nonexistent/ca.pem" }, ctx)));
        Assert.Equal(ErrorIds.ConflictingParameters, await ErrorIdOf(e => e.ConnectAsync(Token with { Identity = true }, ctx)));
    }

    [Fact]
    public async Task New_egress_ip_refuses_sku_and_tags_in_the_engine()
    {
        var ctx = new NullOperationContext();
        var basic = await Assert.ThrowsAsync<AksEgressException>(() => new AksEgressEngine().NewEgressIpAsync(new NewEgressIpRequest { Name = "a", ResourceGroupName = "rg", Sku = "basic" }, ctx));
        Assert.Equal(ErrorIds.BasicSkuRetired, basic.ErrorId);
        Assert.Contains("-Sku Standard", basic.Message);
        Assert.Equal(ErrorIds.InvalidSku, await ErrorIdOf(e => e.NewEgressIpAsync(new NewEgressIpRequest { Name = "a", ResourceGroupName = "rg", Sku = "Premium" }, ctx)));
        var tooMany = Enumerable.Range(0, 51).ToDictionary(i => $"t{i}", i => "v");
        Assert.Equal(ErrorIds.InvalidTag, await ErrorIdOf(e => e.NewEgressIpAsync(new NewEgressIpRequest { Name = "a", ResourceGroupName = "rg", Tags = tooMany }, ctx)));
        Assert.Equal(ErrorIds.InvalidTag, await ErrorIdOf(e => e.NewEgressIpAsync(new NewEgressIpRequest { Name = "a", ResourceGroupName = "rg", Tags = new Dictionary<string, string> { [" "] = "v" } }, ctx)));
    }

    [Fact]
    public async Task Egress_test_names_an_empty_image_and_keeps_ConflictingParameters_for_AllNodes_with_NodeName()
    {
        var ctx = new NullOperationContext();
        Assert.Equal(ErrorIds.InvalidImage, await ErrorIdOf(e => e.TestEgressIpAsync(new TestEgressIpRequest { Image = " " }, ctx)));
        Assert.Equal(ErrorIds.ConflictingParameters, await ErrorIdOf(e => e.TestEgressIpAsync(new TestEgressIpRequest { AllNodes = true, NodeName = "n" }, ctx)));
        Assert.Equal(ErrorIds.NonPublicIpAddress, await ErrorIdOf(e => e.TestEgressIpAsync(new TestEgressIpRequest { ExpectedIpAddress = new[] { "10.0.0.4" } }, ctx)));
    }

    [Theory]
    [InlineData("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Network/loadBalancers/kubernetes")]
    [InlineData("/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Compute/publicIPAddresses/ip")]
    [InlineData("not-an-id")]
    [InlineData("")]
    public async Task Every_public_ip_id_is_checked_the_same_way(string id)
    {
        var ctx = new NullOperationContext();
        var cluster = new ClusterRef(Sub, "rg", "aks");
        Assert.Equal(ErrorIds.InvalidResourceId, await ErrorIdOf(e => e.RemoveEgressIpAsync(new RemoveEgressIpRequest { PublicIpId = id }, ctx)));
        Assert.Equal(ErrorIds.InvalidResourceId, await ErrorIdOf(e => e.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = cluster, PublicIpIds = new[] { id } }, ctx)));
        if (id.Length > 0)   // an empty -PublicIpId on Set-AksEgressService means "no id"
            Assert.Equal(ErrorIds.InvalidResourceId, await ErrorIdOf(e => e.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = "203.0.113.7", PublicIpId = id }, ctx)));
        Assert.Throws<AksEgressException>(() => ResourceIdParser.ParsePublicIpId(id));
    }

    [Fact]
    public void A_public_ip_id_parses_in_any_casing()
    {
        var p = ResourceIdParser.ParsePublicIpId($"/subscriptions/{Sub}/resourcegroups/RG/providers/microsoft.network/PUBLICIPADDRESSES/ip");
        Assert.Equal("RG", p.ResourceGroupName);
        Assert.Equal("ip", p.Name);
    }
}
