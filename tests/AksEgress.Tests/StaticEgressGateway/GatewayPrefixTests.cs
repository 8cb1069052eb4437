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
