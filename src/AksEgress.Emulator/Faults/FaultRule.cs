using System.Text.RegularExpressions;

namespace AksEgress.Emulator;

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
    /// <summary>With <see cref="Status"/> and no <see cref="Body"/> on an ARM request: a realistic ARM error body for this code
    /// (ScopeLocked, RequestDisallowedByPolicy, DenyAssignmentAuthorizationFailed that is not the lockdown, NestedRequestDisallowedByPolicy,
    /// AuthorizationFailed naming the read/write/delete action);
    /// see <c>ArmErrorBodies</c>.</summary>
    public string? ErrorCode { get; set; }
    public Dictionary<string, string>? Headers { get; set; }
    public int LatencyMilliseconds { get; set; }
    /// <summary>In-process only: the matching request waits for this task before it is served (deterministic races in tests).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public Task? HoldUntil { get; set; }
    /// <summary>A barrier, also over the fault API: each matching request is held until this many matching requests have
    /// arrived (or <see cref="HoldTimeoutMilliseconds"/> passed), then all go on together. Forces N clients to interleave at
    /// this request (e.g. N runs that all read "no Service" before any create reaches the server). Give Count at least this.</summary>
    public int HoldUntilCount { get; set; }
    /// <summary>How long a <see cref="HoldUntilCount"/> barrier waits for the others before it lets the held requests go.</summary>
    public int HoldTimeoutMilliseconds { get; set; } = 30_000;
    private int _arrived;
    private readonly TaskCompletionSource _barrier = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Counts this request at the <see cref="HoldUntilCount"/> barrier and waits until the barrier opens.</summary>
    internal async Task ArriveAndWaitAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _arrived) >= HoldUntilCount) _barrier.TrySetResult();
        try { await _barrier.Task.WaitAsync(TimeSpan.FromMilliseconds(HoldTimeoutMilliseconds), cancellationToken); }
        catch (TimeoutException) { _barrier.TrySetResult(); }
    }
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
