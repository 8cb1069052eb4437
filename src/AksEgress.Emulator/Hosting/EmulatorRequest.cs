namespace AksEgress.Emulator;

/// <summary>
/// What the emulator's middlewares know about one request (an HttpContext feature): which listener it came in on,
/// whether it is an admin call, its log entry and the fault rule that matched it (the handlers read
/// <see cref="Fault"/> for LRO and watch outcomes).
/// </summary>
internal sealed class EmulatorRequest
{
    /// <summary>"arm", "msi", "k8s:&lt;cluster&gt;" or "k8s:fleet" (the shared port of the extra clusters).</summary>
    public required string Target { get; init; }
    /// <summary>True for /_emulator admin calls on the ARM port (never logged as API traffic, never faulted).</summary>
    public required bool IsAdmin { get; init; }
    public required string PathAndQuery { get; init; }
    public required RequestLogEntry LogEntry { get; init; }
    /// <summary>Set by <see cref="FaultInjectionMiddleware"/> when a rule matched and the request still reaches its handler.</summary>
    public FaultRule? Fault { get; set; }

    public static EmulatorRequest Of(HttpContext ctx) =>
        ctx.Features.Get<EmulatorRequest>() ?? throw new InvalidOperationException("RequestLoggingMiddleware must run first.");
}
