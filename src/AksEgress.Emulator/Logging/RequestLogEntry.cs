namespace AksEgress.Emulator;

/// <summary>One recorded request.</summary>
public sealed class RequestLogEntry
{
    public string Method { get; init; } = "";
    public string PathAndQuery { get; init; } = "";
    public int Status { get; set; }
    /// <summary>"arm", "k8s:&lt;cluster&gt;" or "msi".</summary>
    public string Target { get; init; } = "";
    public DateTimeOffset Timestamp { get; init; }
    /// <summary>True for /_emulator admin calls.</summary>
    public bool IsAdmin { get; init; }
    /// <summary>Names (never values) of the request headers.</summary>
    public IReadOnlyList<string> HeaderNames { get; init; } = Array.Empty<string>();
    public bool FaultInjected { get; set; }
    /// <summary>Server time from the request's arrival to the end of its response (watches: until the watch closed).</summary>
    public double DurationMilliseconds { get; set; }
    /// <summary>Watches only: the resourceVersion of the last event the response carried (null when it sent none), so a test
    /// can check that a client resumes from it.</summary>
    public string? LastWatchEventResourceVersion { get; set; }

    internal JsonObject ToJson() => new()
    {
        ["method"] = Method, ["pathAndQuery"] = PathAndQuery, ["status"] = Status, ["target"] = Target,
        ["timestamp"] = Timestamp.ToString("o"), ["isAdmin"] = IsAdmin, ["faultInjected"] = FaultInjected,
        ["durationMs"] = Math.Round(DurationMilliseconds, 3),
        ["headerNames"] = new JsonArray(HeaderNames.Select(h => (JsonNode)JsonValue.Create(h)!).ToArray()),
    };
}
