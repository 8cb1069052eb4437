using System.Globalization;
using AksEgress.Engine.Arm;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>What the engine reads from one buffered ARM response: success range, JSON body, and the Retry-After that paces polling.</summary>
public class ArmResultTests
{
    private static ArmResult With(params (string Name, string Value)[] headers)
    {
        var h = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (n, v) in headers) h[n] = v;
        return new ArmResult { Status = 200, Headers = h };
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(201, true)]
    [InlineData(299, true)]
    [InlineData(199, false)]
    [InlineData(300, false)]
    [InlineData(404, false)]
    public void Success_is_exactly_the_2xx_range(int status, bool success) =>
        Assert.Equal(success, new ArmResult { Status = status }.IsSuccess);

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("[1,2]")]
    public void Json_is_null_for_an_empty_body_or_a_non_object(string content) =>
        Assert.Null(new ArmResult { Status = 200, Content = content }.Json);

    [Fact]
    public void A_response_without_content_has_no_json() => Assert.Null(new ArmResult { Status = 204 }.Json);

    [Fact]
    public void Json_reads_an_object_body()
    {
        var json = new ArmResult { Status = 200, Content = """{"status":"InProgress"}""" }.Json;
        Assert.Equal("InProgress", (string?)json!["status"]);
    }

    [Fact]
    public void Header_lookup_ignores_case_and_is_null_when_absent()
    {
        var r = With(("Azure-AsyncOperation", "https://x/op"));
        Assert.Equal("https://x/op", r.Header("azure-asyncoperation"));
        Assert.Null(r.Header("Location"));
    }

    [Fact]
    public void No_retry_after_header_means_no_hint() => Assert.Null(With().RetryAfter);

    [Fact]
    public void Retry_after_in_seconds() => Assert.Equal(TimeSpan.FromSeconds(7), With(("Retry-After", "7")).RetryAfter);

    [Fact]
    public void Retry_after_ms_wins_over_retry_after_in_seconds() =>
        Assert.Equal(TimeSpan.FromMilliseconds(1500), With(("retry-after-ms", "1500"), ("Retry-After", "9")).RetryAfter);

    [Fact]
    public void X_ms_retry_after_ms_is_read_and_wins_over_retry_after() =>
        Assert.Equal(TimeSpan.FromMilliseconds(250), With(("x-ms-retry-after-ms", "250"), ("Retry-After", "9")).RetryAfter);

    [Theory]
    [InlineData("retry-after-ms", "-40")]
    [InlineData("x-ms-retry-after-ms", "-40")]
    [InlineData("Retry-After", "-3")]
    public void A_negative_hint_means_no_wait_not_a_negative_delay(string header, string value) =>
        Assert.Equal(TimeSpan.Zero, With((header, value)).RetryAfter);

    [Fact]
    public void Retry_after_as_a_future_http_date_is_the_time_until_then()
    {
        var at = DateTimeOffset.UtcNow.AddSeconds(20).ToString("r", CultureInfo.InvariantCulture);
        var delay = With(("Retry-After", at)).RetryAfter!.Value;
        Assert.InRange(delay, TimeSpan.FromSeconds(15), TimeSpan.FromSeconds(21));
    }

    [Fact]
    public void Retry_after_as_a_past_http_date_means_no_wait()
    {
        var at = DateTimeOffset.UtcNow.AddMinutes(-5).ToString("r", CultureInfo.InvariantCulture);
        Assert.Equal(TimeSpan.Zero, With(("Retry-After", at)).RetryAfter);
    }

    [Fact]
    public void An_unreadable_retry_after_is_ignored() => Assert.Null(With(("Retry-After", "soon")).RetryAfter);

    [Fact]
    public void An_unreadable_retry_after_ms_falls_back_to_retry_after() =>
        Assert.Equal(TimeSpan.FromSeconds(4), With(("retry-after-ms", "x"), ("Retry-After", "4")).RetryAfter);
}
