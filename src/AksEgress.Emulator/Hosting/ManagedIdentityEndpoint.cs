namespace AksEgress.Emulator;

/// <summary>The managed identity token endpoint (App Service protocol: X-IDENTITY-HEADER, GET /msi/token?resource=...), on its own plain-http port.</summary>
internal sealed class ManagedIdentityEndpoint(TokenService tokens)
{
    private TokenService Tokens => tokens;

    /// <summary>The App Service error shape: <c>{"statusCode":N,"message":"...","correlationId":"&lt;guid&gt;"}</c>.</summary>
    private static Task Refuse(HttpContext ctx, int status, string message)
    {
        ctx.Response.StatusCode = status;
        return ctx.Response.WriteAsync("{\"statusCode\":" + status + ",\"message\":\"" + message + "\",\"correlationId\":\"" + Guid.NewGuid() + "\"}");
    }

    public async Task Handle(HttpContext ctx)
    {
        ctx.Response.ContentType = "application/json; charset=utf-8";
        if (!ctx.Request.Path.Value!.Equals("/msi/token", StringComparison.OrdinalIgnoreCase))
        {
            ctx.Response.StatusCode = 404;
            await ctx.Response.WriteAsync("{\"error\":\"not_found\",\"error_description\":\"Unknown path. The token endpoint is /msi/token.\"}");
            return;
        }
        var header = ctx.Request.Headers["X-IDENTITY-HEADER"].ToString();
        if (string.IsNullOrEmpty(header))
        { await Refuse(ctx, 400, "Missing X-IDENTITY-HEADER header."); return; }
        if (header != Tokens.MiHeader)
        { await Refuse(ctx, 401, "Unauthorized: the X-IDENTITY-HEADER value is not valid."); return; }
        var resource = ctx.Request.Query["resource"].ToString();
        if (string.IsNullOrEmpty(resource))
        { await Refuse(ctx, 400, "Missing required query parameter 'resource'."); return; }
        var clientId = ctx.Request.Query["client_id"].ToString();
        if (string.IsNullOrEmpty(clientId)) clientId = Tokens.MiClientId;
        var (token, exp) = Tokens.Issue(resource, clientId);
        ctx.Response.StatusCode = 200;
        await ctx.Response.WriteAsync(JsonUtil.Str(new JsonObject
        {
            ["access_token"] = token,
            ["expires_on"] = exp.ToUnixTimeSeconds().ToString(),
            ["resource"] = resource,
            ["token_type"] = "Bearer",
            ["client_id"] = clientId,
        }));
    }
}
