using System.Diagnostics;

namespace AksEgress.Emulator;

/// <summary>
/// The first middleware: resolves which listener a request came in on, records it in <see cref="RequestLog"/> and
/// completes its entry (status, duration) when the response is done. This is the one place where a request is
/// recorded; anything more a log entry should carry (e.g. request/response bodies) is captured here, around
/// <c>_next</c>.
/// </summary>
internal sealed class RequestLoggingMiddleware(RequestDelegate next, AksEmulator emulator)
{
    private readonly RequestDelegate _next = next;

    public async Task InvokeAsync(HttpContext ctx)
    {
        var path = ctx.Request.Path.Value ?? "/";
        var pathAndQuery = path + ctx.Request.QueryString.Value;
        var target = emulator.TargetOf(ctx.Connection.LocalPort);
        var isAdmin = target == "arm" && path.StartsWith("/_emulator", StringComparison.OrdinalIgnoreCase);
        var started = Stopwatch.GetTimestamp();
        var entry = new RequestLogEntry
        {
            Method = ctx.Request.Method, PathAndQuery = pathAndQuery, Target = target, Timestamp = DateTimeOffset.UtcNow, IsAdmin = isAdmin,
            HeaderNames = ctx.Request.Headers.Keys.ToArray(),
        };
        emulator.Requests.Add(entry);
        ctx.Features.Set(new EmulatorRequest { Target = target, IsAdmin = isAdmin, PathAndQuery = pathAndQuery, LogEntry = entry });
        try
        {
            await _next(ctx);
        }
        finally
        {
            entry.Status = ctx.Response.StatusCode;
            entry.DurationMilliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
    }
}
