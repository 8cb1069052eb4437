namespace AksEgress.Emulator;

/// <summary>Turns an exception of a handler into a 500 with an ARM-style error body (and a line on stderr); a request the client aborted ends quietly.</summary>
internal sealed class UnhandledErrorMiddleware(RequestDelegate next)
{
    private readonly RequestDelegate _next = next;

    public async Task InvokeAsync(HttpContext ctx)
    {
        try
        {
            await _next(ctx);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested) { }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"emulator: unhandled error for {ctx.Request.Method} {EmulatorRequest.Of(ctx).PathAndQuery}: {ex}");
            if (!ctx.Response.HasStarted)
            {
                ctx.Response.StatusCode = 500;
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync(JsonUtil.Str(new JsonObject { ["error"] = new JsonObject { ["code"] = "InternalServerError", ["message"] = "The emulator hit an internal error: " + ex.Message } }));
            }
        }
    }
}
