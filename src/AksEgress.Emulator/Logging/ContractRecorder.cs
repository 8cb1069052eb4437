using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace AksEgress.Emulator;

/// <summary>
/// Records ARM and Kubernetes traffic (method, path, api-version, request and response bodies) for the contract tests
/// (tests/AksEgress.Contracts.Tests, docs/contracts.md). Off unless <see cref="EmulatorOptions.ContractTrafficDirectory"/>
/// or the AKSEGRESS_CONTRACT_TRAFFIC environment variable names a directory; then each emulator instance appends JSON lines
/// to its own file there. Never recorded: header values (except the User-Agent, which tells the module's requests from a
/// test's own), the managed-identity endpoint, admin calls, watch streams and
/// log streams. Secrets are removed before writing: JWT-shaped strings and bearer tokens become "&lt;redacted&gt;", and
/// the kubeconfigs of listCluster*Credential answers are replaced by a base64 placeholder. Memory stays bounded:
/// bodies over <see cref="MaxBodyBytes"/> are cut (and marked), identical records are written once, and an instance
/// writes at most <see cref="MaxRecords"/> records.
/// </summary>
public sealed class ContractRecorder : IDisposable
{
    public const string EnvironmentVariable = "AKSEGRESS_CONTRACT_TRAFFIC";
    public const int MaxBodyBytes = 512 * 1024;
    public const int MaxRecords = 20000;

    private readonly object _sync = new();
    private readonly StreamWriter _writer;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private int _written;
    private bool _disposed;

    public string FilePath { get; }

    private ContractRecorder(string directory)
    {
        Directory.CreateDirectory(directory);
        FilePath = Path.Combine(directory, $"traffic-{Environment.ProcessId}-{Guid.NewGuid():N}.jsonl");
        _writer = new StreamWriter(new FileStream(FilePath, FileMode.CreateNew, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
    }

    internal static ContractRecorder? Create(EmulatorOptions options)
    {
        var dir = options.ContractTrafficDirectory ?? Environment.GetEnvironmentVariable(EnvironmentVariable);
        return string.IsNullOrWhiteSpace(dir) ? null : new ContractRecorder(dir);
    }

    /// <summary>True for requests whose bodies are recorded: ARM and Kubernetes, no admin, no streams.</summary>
    internal static bool Wants(HttpContext ctx, string target, bool isAdmin)
    {
        if (isAdmin || target == "msi") return false;
        var q = ctx.Request.Query;
        if (q["watch"] == "true" || q["watch"] == "1" || q["follow"] == "true") return false;
        if ((ctx.Request.Path.Value ?? "").EndsWith("/log", StringComparison.Ordinal)) return false;
        return true;
    }

    /// <summary>Reads the request body (the handlers read it again: the stream is rewound).</summary>
    internal static async Task<string?> CaptureRequestAsync(HttpContext ctx)
    {
        if (ctx.Request.ContentLength is 0) return null;
        ctx.Request.EnableBuffering();
        var buffer = new byte[MaxBodyBytes + 1];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await ctx.Request.Body.ReadAsync(buffer.AsMemory(read), ctx.RequestAborted);
            if (n == 0) break;
            read += n;
        }
        ctx.Request.Body.Position = 0;
        if (read == 0) return null;
        return read > MaxBodyBytes ? null : Encoding.UTF8.GetString(buffer, 0, read);
    }

    internal void Write(string target, string method, string path, string? apiVersion, string? userAgent, string? requestContentType, string? requestBody,
        int status, string? responseContentType, TeeStream? response, bool faultInjected)
    {
        var responseText = response is null ? null : response.Truncated ? null : Encoding.UTF8.GetString(response.Captured);
        var o = new JsonObject
        {
            ["target"] = target.StartsWith("k8s", StringComparison.Ordinal) ? "k8s" : target,
            ["method"] = method,
            ["path"] = path,
            ["apiVersion"] = apiVersion,
            ["userAgent"] = userAgent is null ? null : userAgent[..Math.Min(200, userAgent.Length)],
            ["status"] = status,
            ["faultInjected"] = faultInjected,
            ["requestContentType"] = requestContentType,
            ["request"] = Redact(ParseOrText(requestBody), null),
            ["responseContentType"] = responseContentType,
            ["responseTruncated"] = response?.Truncated ?? false,
            ["response"] = Redact(ParseOrText(responseText), path),
        };
        var line = o.ToJsonString();
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(line)));
        lock (_sync)
        {
            if (_disposed || _written >= MaxRecords || !_seen.Add(key)) return;
            _written++;
            _writer.WriteLine(line);
            _writer.Flush();
        }
    }

    private static JsonNode? ParseOrText(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try { return JsonNode.Parse(text); }
        catch (System.Text.Json.JsonException) { return JsonValue.Create("<non-JSON body of " + text.Length + " characters>"); }
    }

    private static readonly Regex Jwt = new(@"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*", RegexOptions.Compiled);
    /// <summary>base64("redacted by the AksEgress contract recorder"): still a valid 'byte' string for the schema.</summary>
    private static readonly string KubeconfigPlaceholder = Convert.ToBase64String(Encoding.UTF8.GetBytes("redacted by the AksEgress contract recorder"));

    internal static JsonNode? Redact(JsonNode? node, string? path)
    {
        if (node is null) return null;
        var credentials = path is not null && Regex.IsMatch(path, "/listCluster[A-Za-z]*Credential$", RegexOptions.IgnoreCase);
        return Walk(node, credentials, null);

        static JsonNode? Walk(JsonNode? n, bool credentials, string? name)
        {
            switch (n)
            {
                case JsonObject obj:
                    foreach (var key in obj.Select(kv => kv.Key).ToList())
                        obj[key] = Walk(obj[key]?.DeepClone(), credentials, key);
                    return obj;
                case JsonArray arr:
                    for (var i = 0; i < arr.Count; i++) arr[i] = Walk(arr[i]?.DeepClone(), credentials, name);
                    return arr;
                case JsonValue v when v.TryGetValue<string>(out var s):
                    if (credentials && name == "value") return JsonValue.Create(KubeconfigPlaceholder);
                    if (Jwt.IsMatch(s)) return JsonValue.Create(Jwt.Replace(s, "<redacted>"));
                    if (name is "token" or "access_token" or "refresh_token" or "client_secret" or "secret" or "password") return JsonValue.Create("<redacted>");
                    return v;
                default:
                    return n;
            }
        }
    }

    public void Dispose()
    {
        lock (_sync) { _disposed = true; _writer.Dispose(); }
    }
}

/// <summary>A response body stream that passes everything through and keeps a copy of the first bytes.</summary>
internal sealed class TeeStream(Stream inner, int limit) : Stream
{
    private readonly MemoryStream _copy = new();
    public bool Truncated { get; private set; }
    public byte[] Captured => _copy.ToArray();

    private void Keep(ReadOnlySpan<byte> data)
    {
        if (Truncated) return;
        if (_copy.Length + data.Length > limit) { Truncated = true; _copy.SetLength(0); return; }
        _copy.Write(data);
    }

    public override void Write(byte[] buffer, int offset, int count) { Keep(buffer.AsSpan(offset, count)); inner.Write(buffer, offset, count); }
    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    { Keep(buffer.Span); await inner.WriteAsync(buffer, cancellationToken); }
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
