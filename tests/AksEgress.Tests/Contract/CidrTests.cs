using AksEgress.Contract;
using Xunit;

namespace AksEgress.Tests.Contract;

public class CidrTests
{
    [Theory]
    [InlineData("203.0.113.10/32", "203.0.113.10", true)]
    [InlineData("203.0.113.10/32", "203.0.113.11", false)]
    [InlineData("192.0.2.0/30", "192.0.2.3", true)]
    [InlineData("192.0.2.0/30", "192.0.2.4", false)]
    [InlineData("192.0.2.0/31", "192.0.2.1", true)]
    [InlineData("10.0.0.0/9", "10.127.255.255", true)]
    [InlineData("10.0.0.0/9", "10.128.0.0", false)]
    [InlineData("0.0.0.0/0", "198.51.100.7", true)]
    [InlineData("203.0.113.10", "203.0.113.10", true)]          // a bare address is its /32
    [InlineData("2001:db8::/124", "2001:db8::f", true)]
    [InlineData("2001:db8::/124", "2001:db8::10", false)]
    [InlineData("2001:db8::1/128", "2001:db8::1", true)]
    [InlineData("2001:db8::/32", "203.0.113.10", false)]        // families never match
    [InlineData("203.0.113.0/24", "::ffff:203.0.113.9", true)]   // IPv4-mapped IPv6 is the IPv4 address
    [InlineData("203.0.113.0/33", "203.0.113.9", false)]
    [InlineData("not-a-cidr", "203.0.113.9", false)]
    public void Contains_is_cidr_membership_for_ipv4_and_ipv6(string cidr, string address, bool expected) =>
        Assert.Equal(expected, Cidr.Contains(cidr, address));

    [Theory]
    [InlineData("203.0.113.10", "203.0.113.10/32")]
    [InlineData("2001:db8::1", "2001:db8::1/128")]
    public void One_address_is_allowed_as_a_host_route(string address, string entry) => Assert.Equal(entry, Cidr.ForAddress(address));

    [Theory]
    [InlineData("192.0.2.0/28", true)]
    [InlineData("2001:db8::/64", true)]
    [InlineData("192.0.2.0/-1", false)]
    [InlineData("192.0.2.0/", false)]
    [InlineData("", false)]
    [InlineData("example.com/32", false)]
    public void TryParse_accepts_only_addresses_and_prefix_lengths_of_their_family(string text, bool ok) =>
        Assert.Equal(ok, Cidr.TryParse(text, out _, out _));
}
