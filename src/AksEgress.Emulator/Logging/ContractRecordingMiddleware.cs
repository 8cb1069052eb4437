namespace AksEgress.Emulator;

/// <summary>
/// Right after <see cref="RequestLoggingMiddleware"/> (only when contract recording is on): keeps the request body
/// (rewound for the handler) and a copy of the response body, and hands both to <see cref="ContractRecorder"/> when the
/// response is done. It sits outside error handling and fault injection, so injected faults and 500s are recorded as the
/// client saw them (marked faultInjected). Admin calls, the managed-identity endpoint, watches and log streams are not
/// recorded (<see cref="ContractRecorder.Wants"/>).
/// </summary>
internal sealed class ContractRecordingMiddleware(RequestDelegate next, ContractRecorder recorder)
{
    private readonly RequestDelegate _next = next;

    public async Task InvokeAsync(HttpContext ctx)
    {
        var request = EmulatorRequest.Of(ctx);
        if (!ContractRecorder.Wants(ctx, request.Target, request.IsAdmin))
        {
            await _next(ctx);
            return;
        }
        var requestBody = await ContractRecorder.CaptureRequestAsync(ctx);
        var original = ctx.Response.Body;
        var tee = new TeeStream(original, ContractRecorder.MaxBodyBytes);
        ctx.Response.Body = tee;
        try
        {
            await _next(ctx);
        }
        finally
        {
            ctx.Response.Body = original;
            if (!ctx.RequestAborted.IsCancellationRequested)
                recorder.Write(request.Target, ctx.Request.Method, ctx.Request.Path.Value ?? "/",
                    ctx.Request.Query["api-version"].ToString() is { Length: > 0 } av ? av : null,
                    ctx.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? ua : null,
                    ctx.Request.ContentType, requestBody, ctx.Response.StatusCode, ctx.Response.ContentType, tee, request.LogEntry.FaultInjected);
        }
    }
}
