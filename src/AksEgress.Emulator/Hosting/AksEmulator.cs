using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
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
    private AdminApi _admin = null!;
    private ManagedIdentityEndpoint _managedIdentity = null!;
    private int _disposed;
    private readonly bool _ownsStateDir;

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
    /// <summary>The contract-test traffic recorder (Logging/ContractRecorder.cs), or null when recording is off.</summary>
    public ContractRecorder? Contracts { get; }
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
        Options = options; StateDir = stateDir; _ownsStateDir = options.StateDir is null; _ca = ca; _leaf = leaf; _app = app; World = world;
        CaCertificatePem = ca.ExportCertificatePem() + "\n";
        CaCertificatePath = Path.Combine(stateDir, "ca.pem");
        Tokens = new TokenService(world.TenantId);
        Simulation = new K8sSimulation(world, _stopping.Token);
        Rbac = new RbacEnforcer(this);
        world.Owner = this;
        Contracts = ContractRecorder.Create(options);
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
        var k8sClusters = world.ClusterNames.Where(n => EmulatorWorld.KubernetesClusterNames.Contains(n)).ToList();
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
        emu._admin = new AdminApi(emu);
        emu._managedIdentity = new ManagedIdentityEndpoint(emu.Tokens);
        emu.ConfigurePipeline(app);
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
        string token = c.Aad ? Tokens.Issue(c.ServerAppId, null, TimeSpan.FromDays(1)).Token : Tokens.UserToken(c.Name);
        return BuildKubeconfig(c.Name, $"clusterUser_{c.ResourceGroup}_{c.Name}", c.Name, token, exec: false);
    }

    /// <summary>Writes <see cref="GetKubeconfig"/> to StateDir/&lt;cluster&gt;.kubeconfig and returns the path.</summary>
    /// <summary>
    /// Creates an apps/v1 Deployment, StatefulSet or DaemonSet (a manifest as JSON) in a cluster as its API would (validation,
    /// defaults, the workload controller); returns the stored object. Throws InvalidOperationException with the validation causes.
    /// </summary>
    public JsonObject AddWorkload(string cluster, JsonObject manifest, string? ns = null)
    {
        Cluster? c;
        lock (World.Sync) c = World.Clusters.GetValueOrDefault(cluster);
        var kind = JsonUtil.S(manifest, "kind");
        if (c is null || kind is not ("Deployment" or "StatefulSet" or "DaemonSet"))
            throw new InvalidOperationException("an existing cluster and a Deployment, StatefulSet or DaemonSet manifest are required");
        var (code, created, causes) = _k8s.CreateWorkload(c, kind, ns ?? JsonUtil.S(manifest, "metadata", "namespace") ?? "default", (JsonObject)manifest.DeepClone());
        return created ?? throw new InvalidOperationException($"{kind} not created ({code}): {string.Join("; ", causes?.Select(x => x.Item1 + ": " + x.Item3) ?? Array.Empty<string>())}");
    }

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
        string serverAppId;
        lock (World.Sync) serverAppId = World.Clusters.GetValueOrDefault(cluster)?.ServerAppId ?? AksServerAppId;
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
            sb.Append($"      - --server-id\n      - {serverAppId}\n      - --client-id\n      - 80faf920-1908-4b52-b5ef-a8e7bedfc67a\n      - --tenant-id\n      - {World.TenantId}\n      - --login\n      - devicecode\n");
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
        Contracts?.Dispose();
        // The temp folder it created holds kubeconfigs and tokens: nothing of it may stay behind (a folder the caller named is theirs).
        if (_ownsStateDir)
        {
            try { Directory.Delete(StateDir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    // ------------------------------------------------------------------ pipeline
    /// <summary>The request pipeline: log, errors, faults, then the handler of the listener the request came in on.</summary>
    private void ConfigurePipeline(WebApplication app)
    {
        app.Use(next => new RequestLoggingMiddleware(next, this).InvokeAsync);
        if (Contracts is not null) app.Use(next => new ContractRecordingMiddleware(next, Contracts).InvokeAsync);
        app.Use(next => new UnhandledErrorMiddleware(next).InvokeAsync);
        app.Use(next => new FaultInjectionMiddleware(next, Faults).InvokeAsync);
        app.Run(Dispatch);
    }

    /// <summary>"arm", "msi", "k8s:&lt;cluster&gt;" or "k8s:fleet" for the local port a request came in on.</summary>
    internal string TargetOf(int port) =>
        port == _armPort ? "arm" : port == _msiPort ? "msi" : _clusterPorts.TryGetValue(port, out var cluster) ? "k8s:" + cluster : "k8s:fleet";

    private async Task Dispatch(HttpContext ctx)
    {
        var request = EmulatorRequest.Of(ctx);
        if (request.IsAdmin) { await _admin.Handle(ctx); return; }
        var target = request.Target;
        switch (target)
        {
            case "arm": await _arm.Handle(ctx, request.Fault); break;
            case "msi": await _managedIdentity.Handle(ctx); break;
            case "k8s:fleet":
                await K8sApi.WriteStatus(ctx, 404, "NotFound", "the Kubernetes API of fleet clusters is not modelled by the AksEgress emulator", new JsonObject());
                break;
            default:
                Cluster? c;
                lock (World.Sync) c = World.Clusters.GetValueOrDefault(target[4..]);
                if (c is null) { await K8sApi.WriteStatus(ctx, 404, "NotFound", "the server could not find the requested resource", new JsonObject()); break; }
                await _k8s.Handle(ctx, c, request.Fault);
                break;
        }
    }
}
