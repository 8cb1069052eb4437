using AksEgress.Engine.Kubernetes;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

public class CheckResponseParserTests
{
    [Theory]
    [InlineData("98.207.254.136", "98.207.254.136")]                                   // api.ipify.org: bare, no newline
    [InlineData("98.207.254.136\n", "98.207.254.136")]                                 // icanhazip / amazonaws: IP + \n
    [InlineData("<html><head><title>Current IP Check</title></head><body>Current IP Address: 23.101.128.81</body></html>\r\n", "23.101.128.81")]
    [InlineData("{\"ip\":\"98.207.254.136\"}", "98.207.254.136")]                     // ipify ?format=json
    [InlineData("getip({\"ip\":\"98.207.254.136\"});", "98.207.254.136")]             // ipify jsonp
    [InlineData("{\"ip\":\"2a00:1450:400f:80d::200e\"}", "2a00:1450:400f:80d::200e")] // api64.ipify.org
    [InlineData("{\"ip_addr\":\"203.0.113.7\",\"remote_host\":\"unavailable\",\"user_agent\":\"curl/8.12.1\",\"port\":51234,\"via\":\"1.1 google\",\"forwarded\":\"203.0.113.7,34.160.111.145\"}", "203.0.113.7")]
    [InlineData("203.0.113.7, 10.0.0.1, 198.51.100.9\n", "198.51.100.9")]              // amazonaws comma list: last value
    [InlineData("203.0.113.7,", "203.0.113.7")]                                        // empty entries are not values
    [InlineData("2001:db8::1\n", "2001:db8::1")]
    [InlineData("  \t203.0.113.7\r\n", "203.0.113.7")]
    public void Parses_known_bodies(string body, string expected)
    {
        var r = CheckResponseParser.Parse(body);
        Assert.True(r.Success, r.Problem);
        Assert.Equal(expected, r.IpAddress);
    }

    // The problem text reaches the user (Test-AksEgressIp's Explanation): each kind of unusable body has its own.
    [Theory]
    [InlineData("", "the endpoint returned an empty response")]
    [InlineData(null, "the endpoint returned an empty response")]
    [InlineData("   \r\n", "the endpoint returned an empty response")]
    [InlineData("<!DOCTYPE html><html><head><title>What Is My IP Address? - ifconfig.me</title></head><body><strong id=\"ip_address\">203.0.113.7</strong></body></html>", "the endpoint returned an HTML page instead of an address")]
    [InlineData("curl: (6) Could not resolve host: api.ipify.org", "curl failed: curl: (6) Could not resolve host: api.ipify.org")]
    [InlineData("curl: (28) Connection timed out after 10001 milliseconds\nmore", "curl failed: curl: (28) Connection timed out after 10001 milliseconds")]
    [InlineData("1", "the response is not an IP address")]                      // IPAddress.TryParse would accept this as 0.0.0.1
    [InlineData("Service Unavailable", "the response is not an IP address")]
    [InlineData("{\"origin\":\"203.0.113.7\"}", "the JSON response has no 'ip' or 'ip_addr' field")]
    [InlineData("{\"ip\":\"nope\"}", "the JSON field 'ip' is not a valid IP address")]
    [InlineData("{\"ip_addr\":\"1\"}", "the JSON field 'ip_addr' is not a valid IP address")]
    [InlineData("{not json", "the response looks like JSON but could not be parsed")]
    [InlineData("<html><body>Current IP Address: 999.1.1.1</body></html>", "the dyndns page did not contain a valid IP address")]
    [InlineData("203.0.113.999", "the response is not an IP address")]
    public void Rejects_unusable_bodies_saying_why(string? body, string problem)
    {
        var r = CheckResponseParser.Parse(body);
        Assert.False(r.Success);
        Assert.Null(r.IpAddress);
        Assert.Equal(problem, r.Problem);
    }

    // JSONP (callback({...}); or callback({...})) is unwrapped; a body that only looks like it is not.
    [Theory]
    [InlineData("callback({\"ip\":\"203.0.113.7\"})", "203.0.113.7", null)]
    [InlineData("cb({\"ip\":\"203.0.113.7\"});", "203.0.113.7", null)]
    [InlineData("{\"ip\":\"203.0.113.7\"});", null, "the response looks like JSON but could not be parsed")]
    [InlineData("{\"ip\":\"203.0.113.7\"})", null, "the response looks like JSON but could not be parsed")]
    [InlineData("ip = {\"ip\":\"203.0.113.7\"}", null, "the response is not an IP address")]
    [InlineData("203.0.113.7);", null, "the response is not an IP address")]
    [InlineData("(203.0.113.7)", null, "the response is not an IP address")]
    public void Jsonp_is_unwrapped_only_around_an_object(string body, string? ip, string? problem)
    {
        var r = CheckResponseParser.Parse(body);
        Assert.Equal((ip, problem), (r.IpAddress, r.Problem));
    }

    [Fact]
    public void No_text_is_no_address() => Assert.False(CheckResponseParser.TryAddress(null, out _));

    [Fact]
    public void Curl_error_problem_quotes_curl()
    {
        var r = CheckResponseParser.Parse("curl: (7) Failed to connect to api.ipify.org port 443 after 3 ms: Couldn't connect to server\n");
        Assert.StartsWith("curl failed: curl: (7)", r.Problem);
    }
}
