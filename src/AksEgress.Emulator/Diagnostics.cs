using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

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

    internal JsonObject ToJson() => new()
    {
        ["method"] = Method, ["pathAndQuery"] = PathAndQuery, ["status"] = Status, ["target"] = Target,
        ["timestamp"] = Timestamp.ToString("o"), ["isAdmin"] = IsAdmin, ["faultInjected"] = FaultInjected,
        ["durationMs"] = Math.Round(DurationMilliseconds, 3),
        ["headerNames"] = new JsonArray(HeaderNames.Select(h => (JsonNode)JsonValue.Create(h)!).ToArray()),
    };
}

/// <summary>Thread-safe log of every request the emulator served.</summary>
public sealed class RequestLog
{
    private readonly List<RequestLogEntry> _entries = new();
    internal void Add(RequestLogEntry e) { lock (_entries) _entries.Add(e); }
    /// <summary>Snapshot of all entries including admin calls.</summary>
    public IReadOnlyList<RequestLogEntry> All { get { lock (_entries) return _entries.ToArray(); } }
    /// <summary>Snapshot without admin (/_emulator) calls.</summary>
    public IReadOnlyList<RequestLogEntry> Entries { get { lock (_entries) return _entries.Where(e => !e.IsAdmin).ToArray(); } }
    public void Clear() { lock (_entries) _entries.Clear(); }
    public int Count(Func<RequestLogEntry, bool> predicate) { lock (_entries) return _entries.Count(predicate); }
}

/// <summary>A fault to inject. The first matching rule fires and its Count is decremented.</summary>
public sealed class FaultRule
{
    public string? Method { get; set; }
    public string? PathContains { get; set; }
    public string? PathRegex { get; set; }
    /// <summary>"arm", "k8s" (any cluster), a cluster name, or "msi". Null = any.</summary>
    public string? Target { get; set; }
    /// <summary>Times the rule fires; -1 = forever.</summary>
    public int Count { get; set; } = 1;
    public int? Status { get; set; }
    public string? Body { get; set; }
    public Dictionary<string, string>? Headers { get; set; }
    public int LatencyMilliseconds { get; set; }
    /// <summary>In-process only: the matching request waits for this task before it is served (deterministic races in tests).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Task? HoldUntil { get; set; }
    public bool ResetConnection { get; set; }
    /// <summary>"stuck" or "failed" (applies to the LRO started by the matching request).</summary>
    public string? LroOutcome { get; set; }
    public string? LroErrorCode { get; set; }
    public string? LroErrorMessage { get; set; }
    /// <summary>"location" = the LRO started by the matching request answers with a Location header only (no Azure-AsyncOperation),
    /// as some Azure operations do; it is then polled on operationResults (202 while running, 200/204 at the end, the error status when it failed).</summary>
    public string? LroHeaders { get; set; }
    /// <summary>"drop-after-1" or "gone" (applies to a matching watch request).</summary>
    public string? WatchOutcome { get; set; }

    internal bool Matches(string method, string pathAndQuery, string target)
    {
        if (Method is not null && !string.Equals(Method, method, StringComparison.OrdinalIgnoreCase)) return false;
        if (PathContains is not null && pathAndQuery.IndexOf(PathContains, StringComparison.OrdinalIgnoreCase) < 0) return false;
        if (PathRegex is not null && !Regex.IsMatch(pathAndQuery, PathRegex, RegexOptions.IgnoreCase)) return false;
        if (Target is not null)
        {
            var ok = Target.Equals(target, StringComparison.OrdinalIgnoreCase)
                || (Target.Equals("k8s", StringComparison.OrdinalIgnoreCase) && target.StartsWith("k8s:", StringComparison.Ordinal))
                || (target.StartsWith("k8s:", StringComparison.Ordinal) && target[4..].Equals(Target, StringComparison.OrdinalIgnoreCase));
            if (!ok) return false;
        }
        return true;
    }
}

/// <summary>Holds fault rules; thread-safe.</summary>
public sealed class FaultInjector
{
    private readonly List<FaultRule> _rules = new();
    public void Add(FaultRule rule) { lock (_rules) _rules.Add(rule); }
    public void Clear() { lock (_rules) _rules.Clear(); }
    public IReadOnlyList<FaultRule> Rules { get { lock (_rules) return _rules.ToArray(); } }

    internal FaultRule? Take(string method, string pathAndQuery, string target)
    {
        lock (_rules)
        {
            foreach (var r in _rules)
            {
                if (r.Count == 0 || !r.Matches(method, pathAndQuery, target)) continue;
                if (r.Count > 0) r.Count--;
                return r;
            }
        }
        return null;
    }
}
