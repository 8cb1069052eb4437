using System.Text.Json.Nodes;
using AksEgress.Engine.StaticEgressGateway;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.StaticEgressGateway;

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
