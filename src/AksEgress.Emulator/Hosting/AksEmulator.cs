using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AksEgress.Emulator;

/// <summary>An HTTPS ARM + Kubernetes API emulator on 127.0.0.1 that models AKS egress.</summary>
public sealed class AksEmulator : IAsyncDisposable
{
    internal const string AksServerAppId = "6dae42f8-4368-4678-94ff-3960e28e3630";

    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Dictionary<int, string> _clusterPorts = new();
    private readonly Dictionary<string, int> _portOfCluster = new(StringComparer.OrdinalIgnoreCase);
    private int _armPort, _msiPort, _sharedPort;
    private readonly X509Certificate2 _ca, _leaf;
    private ArmApi _arm = null!;
    private K8sApi _k8s = null!;
    private int _disposed;

    public Uri ArmEndpoint { get; private set; } = null!;
    public string CaCertificatePem { get; }
    public string CaCertificatePath { get; }
    public string AccessToken => Tokens.AccessToken;
    public string SubscriptionId => World.SubscriptionId;
    public string StateDir { get; }
    public Uri ManagedIdentityEndpoint { get; private set; } = null!;
    public string ManagedIdentityHeader => Tokens.MiHeader;
    public EmulatorWorld World { get; }
    public FaultInjector Faults { get; } = new();
    public RequestLog Requests { get; } = new();
    /// <summary>Optional Kubernetes RBAC for a per-cluster limited user (Rbac.cs); off until rules are applied.</summary>
    public RbacEnforcer Rbac { get; }
    public EmulatorOptions Options { get; }
    /// <summary>The CA certificate (public part) clients must trust.</summary>
    public X509Certificate2 CaCertificate => X509CertificateLoader.LoadCertificate(_ca.RawData);

    internal TokenService Tokens { get; }
    internal K8sSimulation Simulation { get; }
    internal CancellationToken Stopping => _stopping.Token;

    private AksEmulator(EmulatorOptions options, string stateDir, X509Certificate2 ca, X509Certificate2 leaf, WebApplication app, EmulatorWorld world)
    {
        Options = options; StateDir = stateDir; _ca = ca; _leaf = leaf; _app = app; World = world;
        CaCertificatePem = ca.ExportCertificatePem() + "\n";
        CaCertificatePath = Path.Combine(stateDir, "ca.pem");
        Tokens = new TokenService(world.TenantId);
        Simulation = new K8sSimulation(world, _stopping.Token);
        Rbac = new RbacEnforcer(this);
        world.Owner = this;
    }

    /// <summary>Starts an emulator: creates the certificates, binds the listeners and writes StateDir/connection.json.</summary>
    public static async Task<AksEmulator> StartAsync(EmulatorOptions? options = null, CancellationToken ct = default)
    {
        options ??= new EmulatorOptions();
        var stateDir = options.StateDir ?? Path.Combine(Path.GetTempPath(), "aksegress-emulator-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(stateDir);
        stateDir = Path.GetFullPath(stateDir);
        var (ca, leaf) = Certificates.Create();
        var world = new EmulatorWorld(options);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = Array.Empty<string>(), ContentRootPath = stateDir });
        builder.Logging.ClearProviders();
        var armListen = default(ListenOptions); var msiListen = default(ListenOptions); var sharedListen = default(ListenOptions);
        var clusterListens = new Dictionary<string, ListenOptions>();
        var k8sClusters = world.ClusterNames.Where(n => EmulatorWorld.DefaultClusterNames.Contains(n)).ToList();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, 0, lo => { lo.UseHttps(leaf); armListen = lo; });
            k.Listen(IPAddress.Loopback, 0, lo => { msiListen = lo; });
            foreach (var n in k8sClusters) k.Listen(IPAddress.Loopback, 0, lo => { lo.UseHttps(leaf); clusterListens[n] = lo; });
            if (options.ExtraClusters > 0) k.Listen(IPAddress.Loopback, 0, lo => { lo.UseHttps(leaf); sharedListen = lo; });
        });
        var app = builder.Build();
        var emu = new AksEmulator(options, stateDir, ca, leaf, app, world);
        emu._arm = new ArmApi(emu);
        emu._k8s = new K8sApi(emu);
        app.Run(emu.Dispatch);
        await app.StartAsync(ct);

        emu._armPort = armListen!.IPEndPoint!.Port;
        emu._msiPort = msiListen!.IPEndPoint!.Port;
        foreach (var (n, lo) in clusterListens) { emu._clusterPorts[lo.IPEndPoint!.Port] = n; emu._portOfCluster[n] = lo.IPEndPoint!.Port; }
        if (sharedListen is not null) emu._sharedPort = sharedListen.IPEndPoint!.Port;
        emu.ArmEndpoint = new Uri($"https://127.0.0.1:{emu._armPort}/");
        emu.ManagedIdentityEndpoint = new Uri($"http://127.0.0.1:{emu._msiPort}/msi/token");
        await File.WriteAllTextAsync(emu.CaCertificatePath, emu.CaCertificatePem, ct);
        emu.WriteStateFiles();
        return emu;
    }

    private void WriteStateFiles()
    {
        var clusters = new JsonObject();
        foreach (var name in World.ClusterNames)
        {
            string rg;
            lock (World.Sync) rg = World.Clusters[name].ResourceGroup;
            var o = new JsonObject { ["resourceGroupName"] = rg };
            o["kubeconfigPath"] = GetKubeconfigPath(name);
            o["kubernetesEndpoint"] = GetKubernetesEndpoint(name).ToString().TrimEnd('/');
            clusters[name] = o;
        }
        var conn = new JsonObject
        {
            ["armEndpoint"] = ArmEndpoint.ToString(),
            ["caCertificatePath"] = CaCertificatePath,
            ["accessToken"] = AccessToken,
            ["subscriptionId"] = SubscriptionId,
            ["tenantId"] = World.TenantId,
            ["managedIdentityEndpoint"] = ManagedIdentityEndpoint.ToString(),
            ["managedIdentityHeader"] = ManagedIdentityHeader,
            ["clusters"] = clusters,
        };
        File.WriteAllText(Path.Combine(StateDir, "connection.json"), conn.ToJsonString(JsonUtil.Indented));
    }

    /// <summary>Kubeconfig YAML (token user) for the cluster's Kubernetes API. For "aad" the token is an Entra token for the AKS server app.</summary>
    public string GetKubeconfig(string clusterName)
    {
        Cluster? found;
        lock (World.Sync) found = World.Clusters.GetValueOrDefault(clusterName);
        var c = found ?? throw new ArgumentException($"unknown cluster '{clusterName}'", nameof(clusterName));
        string token = c.Aad ? Tokens.Issue(AksServerAppId, null, TimeSpan.FromDays(1)).Token : Tokens.UserToken(c.Name);
        return BuildKubeconfig(c.Name, $"clusterUser_{c.ResourceGroup}_{c.Name}", c.Name, token, exec: false);
    }

    /// <summary>Writes <see cref="GetKubeconfig"/> to StateDir/&lt;cluster&gt;.kubeconfig and returns the path.</summary>
    public string GetKubeconfigPath(string clusterName)
    {
        var path = Path.Combine(StateDir, clusterName + ".kubeconfig");
        File.WriteAllText(path, GetKubeconfig(clusterName));
        return path;
    }

    public Uri GetKubernetesEndpoint(string clusterName)
    {
        if (_portOfCluster.TryGetValue(clusterName, out var p)) return new Uri($"https://127.0.0.1:{p}/");
        if (World.Clusters.ContainsKey(clusterName) && _sharedPort != 0) return new Uri($"https://127.0.0.1:{_sharedPort}/");
        throw new ArgumentException($"unknown cluster '{clusterName}'", nameof(clusterName));
    }

    internal string BuildKubeconfig(string cluster, string user, string context, string? token, bool exec)
    {
        var server = GetKubernetesEndpoint(cluster).ToString().TrimEnd('/');
        var ca = Convert.ToBase64String(Encoding.ASCII.GetBytes(CaCertificatePem));
        var sb = new StringBuilder();
        sb.Append("apiVersion: v1\nclusters:\n- cluster:\n");
        sb.Append($"    certificate-authority-data: {ca}\n    server: {server}\n  name: {cluster}\n");
        sb.Append($"contexts:\n- context:\n    cluster: {cluster}\n    user: {user}\n  name: {context}\n");
        sb.Append($"current-context: {context}\nkind: Config\npreferences: {{}}\nusers:\n- name: {user}\n  user:\n");
        if (exec)
        {
            sb.Append("    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      args:\n      - get-token\n      - --environment\n      - AzurePublicCloud\n");
            sb.Append($"      - --server-id\n      - {AksServerAppId}\n      - --client-id\n      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a\n      - --tenant-id\n      - {World.TenantId}\n      - --login\n      - devicecode\n");
            sb.Append("      command: kubelogin\n      env: null\n      installHint: |2\n\n        kubelogin is not installed which is required to connect to AAD enabled cluster.\n\n        To learn more, please go to https://aka.ms/aks/kubelogin\n      interactiveMode: IfAvailable\n      provideClusterInfo: false\n");
        }
        else sb.Append($"    token: {token}\n");
        return sb.ToString();
    }

    /// <summary>Back to the default world; faults and request log cleared. Ports, tokens and the CA stay.</summary>
    public void Reset()
    {
        World.Reset();
        Faults.Clear();
        Rbac.Clear();
        Requests.Clear();
    }

    internal Task WaitForShutdownAsync(CancellationToken ct = default) => _app.WaitForShutdownAsync(ct);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        _stopping.Cancel();
        try { await _app.StopAsync(TimeSpan.FromSeconds(5)); } catch { }
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    // ------------------------------------------------------------------ dispatch
    private async Task Dispatch(HttpContext ctx)
    {
        var port = ctx.Connection.LocalPort;
        var path = ctx.Request.Path.Value ?? "/";
        var pathAndQuery = path + ctx.Request.QueryString.Value;
        string target = port == _armPort ? "arm" : port == _msiPort ? "msi" : _clusterPorts.TryGetValue(port, out var cn) ? "k8s:" + cn : "k8s:fleet";
        var isAdmin = target == "arm" && path.StartsWith("/_emulator", StringComparison.OrdinalIgnoreCase);
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var entry = new RequestLogEntry
        {
            Method = ctx.Request.Method, PathAndQuery = pathAndQuery, Target = target, Timestamp = DateTimeOffset.UtcNow, IsAdmin = isAdmin,
            HeaderNames = ctx.Request.Headers.Keys.ToArray(),
        };
        Requests.Add(entry);
        try
        {
            FaultRule? fault = isAdmin ? null : Faults.Take(ctx.Request.Method, pathAndQuery, target);
            if (fault is not null)
            {
                entry.FaultInjected = true;
                if (fault.LatencyMilliseconds > 0) await Task.Delay(fault.LatencyMilliseconds, ctx.RequestAborted);
                if (fault.HoldUntil is not null) await fault.HoldUntil.WaitAsync(ctx.RequestAborted);
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
                    await ctx.Response.WriteAsync(fault.Body ?? DefaultFaultBody(st, target, fault));
                    return;
                }
                if (fault.Headers is not null) foreach (var (k, v) in fault.Headers) ctx.Response.Headers[k] = v;
            }
            if (isAdmin) { await Admin(ctx); return; }
            switch (target)
            {
                case "arm": await _arm.Handle(ctx, fault); break;
                case "msi": await ManagedIdentity(ctx); break;
                case "k8s:fleet":
                    await K8sApi.WriteStatus(ctx, 404, "NotFound", "the Kubernetes API of fleet clusters is not modelled by the AksEgress emulator", new JsonObject());
                    break;
                default:
                    Cluster? c;
                    lock (World.Sync) c = World.Clusters.GetValueOrDefault(target[4..]);
                    if (c is null) { await K8sApi.WriteStatus(ctx, 404, "NotFound", "the server could not find the requested resource", new JsonObject()); break; }
                    await _k8s.Handle(ctx, c, fault);
                    break;
            }
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested) { }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"emulator: unhandled error for {ctx.Request.Method} {pathAndQuery}: {ex}");
            if (!ctx.Response.HasStarted)
            {
                ctx.Response.StatusCode = 500;
                ctx.Response.ContentType = "application/json";
                await ctx.Response.WriteAsync(JsonUtil.Str(new JsonObject { ["error"] = new JsonObject { ["code"] = "InternalServerError", ["message"] = "The emulator hit an internal error: " + ex.Message } }));
            }
        }
        finally
        {
            entry.Status = ctx.Response.StatusCode;
            entry.DurationMilliseconds = System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        }
    }

    private static string DefaultFaultBody(int status, string target, FaultRule fault)
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

    // ------------------------------------------------------------------ managed identity (App Service protocol)
    private async Task ManagedIdentity(HttpContext ctx)
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
        {
            ctx.Response.StatusCode = 400;
            await ctx.Response.WriteAsync("{\"statusCode\":400,\"message\":\"Missing X-IDENTITY-HEADER header.\",\"correlationId\":\"" + Guid.NewGuid() + "\"}");
            return;
        }
        if (header != Tokens.MiHeader)
        {
            ctx.Response.StatusCode = 401;
            await ctx.Response.WriteAsync("{\"statusCode\":401,\"message\":\"Unauthorized: the X-IDENTITY-HEADER value is not valid.\",\"correlationId\":\"" + Guid.NewGuid() + "\"}");
            return;
        }
        var resource = ctx.Request.Query["resource"].ToString();
        if (string.IsNullOrEmpty(resource))
        {
            ctx.Response.StatusCode = 400;
            await ctx.Response.WriteAsync("{\"statusCode\":400,\"message\":\"Missing required query parameter 'resource'.\",\"correlationId\":\"" + Guid.NewGuid() + "\"}");
            return;
        }
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

    // ------------------------------------------------------------------ admin API
    private static readonly JsonSerializerOptions FaultJson = new() { PropertyNameCaseInsensitive = true };

    private async Task Admin(HttpContext ctx)
    {
        var auth = ctx.Request.Headers.Authorization.ToString();
        if (!auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || auth[7..].Trim() != AccessToken)
        {
            await ArmApi.Write(ctx, 401, new JsonObject { ["error"] = new JsonObject { ["code"] = "AuthenticationFailed", ["message"] = "The admin API requires 'Authorization: Bearer <accessToken>'." } });
            return;
        }
        var path = ctx.Request.Path.Value!.TrimEnd('/').ToLowerInvariant();
        var m = ctx.Request.Method;
        switch (path, m)
        {
            case ("/_emulator/reset", "POST"): Reset(); ctx.Response.StatusCode = 204; return;
            case ("/_emulator/requests", "GET"):
                var includeAdmin = ctx.Request.Query["includeAdmin"] == "true";
                var list = includeAdmin ? Requests.All : Requests.Entries;
                await ArmApi.Write(ctx, 200, new JsonArray(list.Select(e => (JsonNode)e.ToJson()).ToArray()), "application/json");
                return;
            case ("/_emulator/requests", "DELETE"): Requests.Clear(); ctx.Response.StatusCode = 204; return;
            case ("/_emulator/faults", "POST"):
                FaultRule? rule;
                try { rule = await JsonSerializer.DeserializeAsync<FaultRule>(ctx.Request.Body, FaultJson); }
                catch (JsonException ex) { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidFaultRule", ["message"] = ex.Message } }); return; }
                if (rule is null) { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidFaultRule", ["message"] = "empty body" } }); return; }
                Faults.Add(rule);
                await ArmApi.Write(ctx, 201, JsonSerializer.SerializeToNode(rule), "application/json");
                return;
            case ("/_emulator/faults", "GET"):
                await ArmApi.Write(ctx, 200, JsonSerializer.SerializeToNode(Faults.Rules), "application/json"); return;
            case ("/_emulator/faults", "DELETE"): Faults.Clear(); ctx.Response.StatusCode = 204; return;
            case ("/_emulator/rbac", _): await Rbac.HandleAdmin(ctx); return;
            case ("/_emulator/world", "GET"): await ArmApi.Write(ctx, 200, World.Dump(), "application/json"); return;
            case ("/_emulator/publicips", "POST"):
            {
                var b = await K8sApi.ReadBody(ctx);
                var rg = JsonUtil.S(b, "resourceGroup"); var name = JsonUtil.S(b, "name");
                if (string.IsNullOrEmpty(rg) || string.IsNullOrEmpty(name))
                { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidRequest", ["message"] = "resourceGroup and name are required" } }); return; }
                Dictionary<string, string>? tags = JsonUtil.Get(b, "tags") is JsonObject t ? t.ToDictionary(kv => kv.Key, kv => kv.Value?.ToString() ?? "") : null;
                var address = World.AddPublicIp(rg, name, JsonUtil.S(b, "sku") ?? "Standard", tags);
                await ArmApi.Write(ctx, 201, new JsonObject { ["id"] = World.GetPublicIpId(rg, name), ["ipAddress"] = address }, "application/json");
                return;
            }
            case ("/_emulator/permissions", "PUT"):
            {
                var b = await K8sApi.ReadBody(ctx);
                var cluster = JsonUtil.S(b, "cluster"); var rg = JsonUtil.S(b, "resourceGroup");
                if (string.IsNullOrEmpty(cluster) || string.IsNullOrEmpty(rg) || !World.ClusterNames.Contains(cluster, StringComparer.OrdinalIgnoreCase))
                { await ArmApi.Write(ctx, 400, new JsonObject { ["error"] = new JsonObject { ["code"] = "InvalidRequest", ["message"] = "an existing cluster and a resourceGroup are required" } }); return; }
                if (JsonUtil.Bool(JsonUtil.Get(b, "networkContributor")) == false) World.RevokeNetworkContributor(cluster, rg); else World.GrantNetworkContributor(cluster, rg);
                ctx.Response.StatusCode = 204;
                return;
            }
            case ("/_emulator/quota", "PUT"):
                var q = await K8sApi.ReadBody(ctx);
                if (JsonUtil.Int(q?["publicIpQuota"]) is int quota) World.PublicIpQuota = quota;
                await ArmApi.Write(ctx, 200, new JsonObject { ["publicIpQuota"] = World.PublicIpQuota }, "application/json");
                return;
        }
        await ArmApi.Write(ctx, 404, new JsonObject { ["error"] = new JsonObject { ["code"] = "NotFound", ["message"] = $"Unknown admin route {m} {path}." } });
    }
}
