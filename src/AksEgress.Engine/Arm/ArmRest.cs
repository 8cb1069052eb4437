using System.Diagnostics;
using System.Globalization;
using System.Text;
using Azure;
using Azure.Identity;

namespace AksEgress.Engine.Arm;

/// <summary>One ARM response, fully buffered.</summary>
internal sealed class ArmResult
{
    public int Status { get; init; }
    public string Content { get; init; } = "";
    public Dictionary<string, string> Headers { get; init; } = new(StringComparer.OrdinalIgnoreCase);
    public bool IsSuccess => Status is >= 200 and < 300;
    public JsonObject? Json => string.IsNullOrWhiteSpace(Content) ? null : JsonNode.Parse(Content) as JsonObject;
    public string? Header(string name) => Headers.TryGetValue(name, out var v) ? v : null;

    /// <summary>Retry-After (seconds or HTTP date, or retry-after-ms), capped; null when absent.</summary>
    public TimeSpan? RetryAfter
    {
        get
        {
            if (Header("retry-after-ms") is { } ms && int.TryParse(ms, out var m)) return TimeSpan.FromMilliseconds(Math.Max(0, m));
            if (Header("x-ms-retry-after-ms") is { } xms && int.TryParse(xms, out var xm)) return TimeSpan.FromMilliseconds(Math.Max(0, xm));
            var ra = Header("Retry-After");
            if (ra is null) return null;
            if (int.TryParse(ra, NumberStyles.Integer, CultureInfo.InvariantCulture, out var s)) return TimeSpan.FromSeconds(Math.Max(0, s));
            if (DateTimeOffset.TryParse(ra, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d))
            {
                var delta = d - DateTimeOffset.UtcNow;
                return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            }
            return null;
        }
    }
}

/// <summary>Raw ARM calls over the session's pipeline (pinned api-versions, our own LRO polling).</summary>
internal static class ArmRest
{
    public static readonly TimeSpan DefaultPollDelay = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan MaxPollDelay = TimeSpan.FromSeconds(30);

    public static Uri Url(ArmSession s, string path, string apiVersion, string? extraQuery = null) =>
        new(s.Endpoint, path.TrimStart('/') + "?api-version=" + apiVersion + (extraQuery is null ? "" : "&" + extraQuery));

    public static async Task<ArmResult> SendAsync(ArmSession s, RequestMethod method, Uri uri, JsonNode? body, IOperationContext ctx, string target, CancellationToken? ct = null,
        IReadOnlyDictionary<string, string>? requestHeaders = null)
    {
        var token = ct ?? ctx.CancellationToken;
        using var message = s.Pipeline.CreateMessage();
        message.Request.Method = method;
        message.Request.Uri.Reset(uri);
        message.Request.Headers.Add("Accept", "application/json");
        if (requestHeaders is not null) foreach (var (name, value) in requestHeaders) message.Request.Headers.SetValue(name, value);
        if (body is not null)
        {
            message.Request.Headers.Add("Content-Type", "application/json");
            message.Request.Content = RequestContent.Create(Encoding.UTF8.GetBytes(body.ToJsonString()));
        }
        else if (method == RequestMethod.Post)
        {
            message.Request.Content = RequestContent.Create(Array.Empty<byte>());
        }
        try
        {
            await s.Pipeline.SendAsync(message, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested) { throw; }
        catch (Exception e) when (e is RequestFailedException or AggregateException or HttpRequestException or IOException
                                      or AuthenticationFailedException or CredentialUnavailableException or OperationCanceledException)
        {
            if (e is CredentialUnavailableException cu)
                throw new AksEgressException(ErrorIds.AuthenticationFailed, EgressErrorCategory.AuthenticationError,
                    $"No Azure credential is available: {Redaction.Text(cu.Message)}", target,
                    "Sign in with az login or Connect-AzAccount, or run Connect-AksEgress (-Identity, -AccessToken).", e);
            throw ArmErrorMapper.MapTransport(e, s.Endpoint, s.Connection.CaCertificatePath is not null, target);
        }
        var r = message.Response;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var h in r.Headers) headers[h.Name] = h.Value;
        return new ArmResult { Status = r.Status, Content = r.Content.ToString(), Headers = headers };
    }

    /// <summary>Sends and maps any non-success (except 404 when allowed: then null).</summary>
    public static async Task<ArmResult?> SendCheckedAsync(ArmSession s, RequestMethod method, Uri uri, JsonNode? body, IOperationContext ctx, ErrorScope scope, bool allow404 = false,
        IReadOnlyDictionary<string, string>? headers = null)
    {
        var r = await SendAsync(s, method, uri, body, ctx, scope.Target, requestHeaders: headers).ConfigureAwait(false);
        if (r.IsSuccess) return r;
        var (code, msg) = ArmErrorMapper.ParseError(r.Content);
        if (r.Status == 404 && allow404 && !string.Equals(code, "ResourceGroupNotFound", StringComparison.OrdinalIgnoreCase)
            && !string.Equals(code, "SubscriptionNotFound", StringComparison.OrdinalIgnoreCase)) return null;
        throw ArmErrorMapper.MapBody(r.Status, r.Content, scope);
    }

    /// <summary>
    /// Waits for a long-running operation that started with <paramref name="initial"/>: polls Azure-AsyncOperation (else Location,
    /// else the resource's provisioningState) with the delay of the last Retry-After (default 1 s, cap 30 s), under a deadline,
    /// with a progress bar. Returns the final resource (GET of <paramref name="resourceUri"/>) when one is given.
    /// </summary>
    public static async Task<ArmResult?> WaitAsync(ArmSession s, ArmResult initial, Uri? resourceUri, string operation, int timeoutSeconds,
        IOperationContext ctx, ErrorScope scope)
    {
        var sw = Stopwatch.StartNew();
        var activityId = Math.Abs(operation.GetHashCode() % 100000) + 1;
        var deadline = TimeSpan.FromSeconds(Math.Max(1, timeoutSeconds));
        var last = initial;
        var asyncOp = initial.Header("Azure-AsyncOperation");
        var location = initial.Header("Location");
        var polls = 0;
        try
        {
            if (asyncOp is not null || location is not null)
            {
                var pollUri = new Uri(asyncOp ?? location!);
                ctx.WriteVerbose($"Waiting for {operation} (polling {(asyncOp is not null ? "Azure-AsyncOperation" : "Location")})");
                while (true)
                {
                    await DelayAsync(last, sw, deadline, operation, ctx, activityId, polls, scope).ConfigureAwait(false);
                    var r = await SendAsync(s, RequestMethod.Get, pollUri, null, ctx, scope.Target).ConfigureAwait(false);
                    polls++;
                    last = r;
                    if (!r.IsSuccess)
                    {
                        // Polling Location, the operation's failure comes back as the error status of the poll itself.
                        if (asyncOp is null && r.Status is >= 400 and < 500 and not 401 and not 403 and not 404 && ErrorObject(r) is { } error)
                            throw OperationFailed(operation, "Failed", error, scope);
                        throw ArmErrorMapper.MapBody(r.Status, r.Content, scope);
                    }
                    if (asyncOp is not null)
                    {
                        var json = r.Json;
                        var status = ManagedClusterModel.Str(json, "status") ?? "InProgress";
                        if (status.Equals("Succeeded", StringComparison.OrdinalIgnoreCase)) break;
                        if (status.Equals("Failed", StringComparison.OrdinalIgnoreCase) || status.Equals("Canceled", StringComparison.OrdinalIgnoreCase))
                            throw OperationFailed(operation, status, json?["error"] as JsonObject, scope);
                        ctx.WriteVerbose($"{operation}: {status} after {sw.Elapsed.TotalSeconds:0}s");
                    }
                    else if (r.Status != 202) break;
                }
            }
            else if (resourceUri is not null && IsNonTerminal(ProvisioningState(initial)))
            {
                while (true)
                {
                    await DelayAsync(last, sw, deadline, operation, ctx, activityId, polls, scope).ConfigureAwait(false);
                    var r = await SendCheckedAsync(s, RequestMethod.Get, resourceUri, null, ctx, scope).ConfigureAwait(false);
                    polls++;
                    last = r!;
                    var state = ProvisioningState(last);
                    if (string.Equals(state, "Failed", StringComparison.OrdinalIgnoreCase) || string.Equals(state, "Canceled", StringComparison.OrdinalIgnoreCase))
                        throw OperationFailed(operation, state!, null, scope);
                    if (!IsNonTerminal(state)) return last;
                }
            }
            else return resourceUri is null ? initial : initial.Status == 200 && initial.Json is not null ? initial : await FinalGet();

            return resourceUri is null ? last : await FinalGet();
        }
        finally
        {
            ctx.WriteProgress(new ProgressUpdate(activityId, $"Waiting for {operation}", "Done", 100, Completed: true));
        }

        async Task<ArmResult?> FinalGet() => await SendCheckedAsync(s, RequestMethod.Get, resourceUri!, null, ctx, scope).ConfigureAwait(false);
    }

    private static async Task DelayAsync(ArmResult last, Stopwatch sw, TimeSpan deadline, string operation, IOperationContext ctx, int activityId, int polls, ErrorScope scope)
    {
        var delay = last.RetryAfter ?? DefaultPollDelay;
        // Retry-After: 0 is honoured for the first polls; after that wait a little so a stuck operation is not polled in a tight loop.
        if (delay == TimeSpan.Zero && polls >= 3) delay = TimeSpan.FromMilliseconds(Math.Min(1000, 50 * polls));
        if (delay > MaxPollDelay) delay = MaxPollDelay;
        if (sw.Elapsed + delay > deadline)
        {
            var remaining = deadline - sw.Elapsed;
            if (remaining > TimeSpan.Zero) await Task.Delay(remaining, ctx.CancellationToken).ConfigureAwait(false);
            throw new AksEgressException(ErrorIds.OperationTimedOut, EgressErrorCategory.OperationTimeout,
                $"{operation} was still running after {(int)deadline.TotalSeconds} s, so this command stopped waiting. The operation may still complete in Azure.",
                scope.Target, "Check the resource's provisioningState in a few minutes (or run the command again: it is idempotent), or pass a larger -TimeoutSeconds.");
        }
        ctx.WriteProgress(new ProgressUpdate(activityId, $"Waiting for {operation}", $"{sw.Elapsed.TotalSeconds:0} s elapsed"));
        if (delay > TimeSpan.Zero) await Task.Delay(delay, ctx.CancellationToken).ConfigureAwait(false);
        ctx.CancellationToken.ThrowIfCancellationRequested();
    }

    private static JsonObject? ErrorObject(ArmResult r)
    {
        try { return r.Json?["error"] as JsonObject; } catch (System.Text.Json.JsonException) { return null; }
    }

    private static string? ProvisioningState(ArmResult r)
    {
        try { return ManagedClusterModel.Str(r.Json?["properties"], "provisioningState"); } catch { return null; }
    }

    private static bool IsNonTerminal(string? state) =>
        state is not null && !state.Equals("Succeeded", StringComparison.OrdinalIgnoreCase)
        && !state.Equals("Failed", StringComparison.OrdinalIgnoreCase) && !state.Equals("Canceled", StringComparison.OrdinalIgnoreCase);

    private static AksEgressException OperationFailed(string operation, string status, JsonObject? error, ErrorScope scope)
    {
        // The cause of a failed operation is often nested in details[]: map by the innermost useful code, keep the outer words.
        var innermost = ArmErrorMapper.Innermost(error);
        if (innermost is not null && !ReferenceEquals(innermost, error))
        {
            var outer = $"{ManagedClusterModel.Str(error, "code")}: {ManagedClusterModel.Str(error, "message")}";
            error = (JsonObject)innermost.DeepClone();
            error["message"] = $"{ManagedClusterModel.Str(innermost, "message")} (reported inside {outer})";
        }
        var code = ManagedClusterModel.Str(error, "code");
        var msg = Redaction.Text(ManagedClusterModel.Str(error, "message") ?? "(no error details)");
        // Authorization and quota failures reported asynchronously get the same mapping as synchronous ones.
        if (code is "LinkedAuthorizationFailed" or "AuthorizationFailed" or "DenyAssignmentAuthorizationFailed" or "RequestDisallowedByPolicy")
            return ArmErrorMapper.Map(403, code, msg, scope, error: error);
        if (code is "ScopeLocked")
            return ArmErrorMapper.Map(409, code, msg, scope, error: error);
        if (code is not null && (code.EndsWith("PublicIPCountLimitReached", StringComparison.OrdinalIgnoreCase) || code == "InvalidResourceName" || code == "PublicIPAddressInUse"))
            return ArmErrorMapper.Map(400, code, msg, scope);
        return new AksEgressException(ErrorIds.OperationFailed, EgressErrorCategory.InvalidResult,
            $"{operation} ended {status}: {code}{(code is null ? "" : ": ")}{msg}", scope.Target,
            "Read the error above; fix its cause and run the command again (it is idempotent).")
        { RemoteCode = code, HttpStatus = 200 };
    }
}
