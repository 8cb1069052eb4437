namespace AksEgress.Emulator;

/// <summary>
/// Fault injection: the first <see cref="FaultRule"/> that matches a (non-admin) request fires here. Latency and holds
/// delay it; ResetConnection sends half a body and aborts; a Status answers with that status (the rule's body or a
/// realistic default); otherwise the rule's headers are added and the request goes on to its handler with
/// <see cref="EmulatorRequest.Fault"/> set (LRO and watch outcomes are applied there).
/// </summary>
internal sealed class FaultInjectionMiddleware(RequestDelegate next, FaultInjector faults)
{
    private readonly RequestDelegate _next = next;

    public async Task InvokeAsync(HttpContext ctx)
    {
        var request = EmulatorRequest.Of(ctx);
        var target = request.Target;
        var fault = request.IsAdmin ? null : faults.Take(ctx.Request.Method, request.PathAndQuery, target);
        if (fault is not null)
        {
            request.Fault = fault;
            request.LogEntry.FaultInjected = true;
            if (fault.LatencyMilliseconds > 0) await Task.Delay(fault.LatencyMilliseconds, ctx.RequestAborted);
            if (fault.HoldUntil is not null) await fault.HoldUntil.WaitAsync(ctx.RequestAborted);
            if (fault.HoldUntilCount > 0) await fault.ArriveAndWaitAsync(ctx.RequestAborted);
            if (fault.ResetConnection)
            {
                ctx.Response.StatusCode = 200;
                ctx.Response.ContentType = "application/json";
                ctx.Response.ContentLength = 4096;
                await ctx.Response.WriteAsync("{\"value\":[{\"id\":\"");
                await ctx.Response.Body.FlushAsync();
                ctx.Abort();
                return;
            }
            if (fault.Status is int st)
            {
                ctx.Response.StatusCode = st;
                if (fault.Headers is not null) foreach (var (k, v) in fault.Headers) ctx.Response.Headers[k] = v;
                if (target == "arm")
                {
                    ctx.Response.Headers["x-ms-request-id"] = Guid.NewGuid().ToString();
                    ctx.Response.Headers["x-ms-correlation-request-id"] = ctx.Request.Headers["x-ms-correlation-request-id"].ToString() is { Length: > 0 } corr ? corr : Guid.NewGuid().ToString();
                }
                ctx.Response.ContentType = target == "k8s" || target.StartsWith("k8s:") ? "application/json" : "application/json; charset=utf-8";
                await ctx.Response.WriteAsync(fault.Body ?? DefaultFaultBody(st, target, fault, ctx.Request.Method, request.PathAndQuery));
                return;
            }
            if (fault.Headers is not null) foreach (var (k, v) in fault.Headers) ctx.Response.Headers[k] = v;
        }
        await _next(ctx);
    }

    private static string DefaultFaultBody(int status, string target, FaultRule fault, string method, string path)
    {
        if (target.StartsWith("k8s"))
        {
            var (reason, msg) = status switch
            {
                429 => ("TooManyRequests", "Too many requests: please try again later"),
                500 => ("InternalError", "Internal error occurred: injected by the emulator"),
                503 => ("ServiceUnavailable", "the server is currently unable to handle the request"),
                504 => ("Timeout", "Timeout: request did not complete within the allotted timeout"),
                409 => ("Conflict", "Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again"),
                403 => ("Forbidden", "forbidden: injected by the emulator"),
                401 => ("Unauthorized", "Unauthorized"),
                404 => ("NotFound", "the server could not find the requested resource"),
                _ => ("InternalError", "injected failure"),
            };
            return JsonUtil.Str(K8sApi.StatusBody(status, reason, msg, status == 429 ? new JsonObject { ["retryAfterSeconds"] = int.TryParse(fault.Headers?.GetValueOrDefault("Retry-After"), out var ra) ? ra : 1 } : null));
        }
        if (fault.ErrorCode is not null && ArmErrorBodies.For(fault.ErrorCode, method, path) is { } preset) return JsonUtil.Str(preset);
        var retry = fault.Headers?.GetValueOrDefault("Retry-After") ?? "1";
        var (code, message) = status switch
        {
            429 => ("SubscriptionRequestsThrottled", $"Number of 'read' requests for subscription '00000000-0000-0000-0000-000000000000' actor '5b1f6f3e-2a0d-4c55-9e0b-0c0ffee00001' exceeded. Please try again after '{retry}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information."),
            500 => ("InternalServerError", "Encountered internal server error. Diagnostic information: timestamp '" + DateTime.UtcNow.ToString("yyyyMMddTHHmmssZ") + "'."),
            502 => ("BadGateway", "The gateway did not receive a response from 'Microsoft.ContainerService' within the specified time period."),
            503 => ("ServiceUnavailable", "The server (leased) is currently unable to handle the request. Please try again later."),
            504 => ("GatewayTimeout", "The gateway did not receive a response from the resource provider within the specified time period."),
            409 => ("Conflict", "The request conflicts with the current state of the resource (injected by the emulator)."),
            _ => ("InjectedFault", $"Fault injected by the AksEgress emulator (HTTP {status})."),
        };
        return JsonUtil.Str(new JsonObject { ["error"] = new JsonObject { ["code"] = code, ["message"] = message } });
    }
}
