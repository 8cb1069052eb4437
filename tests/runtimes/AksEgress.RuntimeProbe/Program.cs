using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Text.Json;
using AksEgress.Contract;
using AksEgress.Internal;

namespace AksEgress.RuntimeProbe;

/// <summary>
/// Usage: AksEgress.RuntimeProbe --module DIR --connection FILE [--cluster NAME] [--ip-name NAME]
///   DIR: the assembled module (out/AksEgress); FILE: the emulator's connection.json.
/// Prints one line per fact (runtime, step, assembly) and exits 0 only when every step succeeded.
/// Lines: "runtime &lt;description&gt;", "runtime-dir &lt;framework directory&gt;", "step &lt;name&gt; ok &lt;detail&gt; (&lt;n&gt; ms)", "step &lt;name&gt; FAILED &lt;exception&gt;",
/// "assembly &lt;name&gt; &lt;version&gt; &lt;load context&gt; framework=&lt;version of the framework's copy or none&gt;".
/// </summary>
public static class Program
{
    private static readonly string[] Watched =
    {
        "System.Text.Json", "System.Diagnostics.DiagnosticSource", "System.Text.Encodings.Web", "System.IO.Pipelines",
        "System.Memory.Data", "System.ClientModel", "Azure.Core", "KubernetesClient", "YamlDotNet", "AksEgress", "AksEgress.Engine",
    };

    public static async Task<int> Main(string[] args)
    {
        var options = ParseArgs(args);
        var moduleDir = Path.GetFullPath(options["--module"]);
        Console.WriteLine($"runtime {RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})");
        Console.WriteLine($"runtime-dir {RuntimeEnvironment.GetRuntimeDirectory()}");

        // What PowerShell has done before a module's first cmdlet runs: its own System.Text.Json is loaded in the default context.
        using var connection = JsonDocument.Parse(File.ReadAllText(options["--connection"]));

        // Import-Module: the cmdlet assembly goes into the default context from the module directory. Binding by name
        // (this probe's reference to it) must find that copy, as PowerShell's module resolver arranges.
        var module = AssemblyLoadContext.Default.LoadFromAssemblyPath(Path.Combine(moduleDir, "AksEgress.dll"));
        AssemblyLoadContext.Default.Resolving += (_, name) => name.Name == module.GetName().Name ? module : null;

        var ok = await EngineSteps.RunAsync(connection.RootElement, options.GetValueOrDefault("--cluster", "legacy-basic"),
            options.GetValueOrDefault("--ip-name", "probe-ip"));

        foreach (var name in Watched)
        {
            var loaded = AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name == name).ToList();
            var framework = FrameworkVersion(name);
            if (loaded.Count == 0) Console.WriteLine($"assembly {name} - not-loaded framework={framework}");
            foreach (var a in loaded)
                Console.WriteLine($"assembly {name} {a.GetName().Version} {AssemblyLoadContext.GetLoadContext(a)?.Name} framework={framework}");
        }
        return ok ? 0 : 1;
    }

    private static string FrameworkVersion(string name)
    {
        var path = Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), name + ".dll");
        return File.Exists(path) ? AssemblyName.GetAssemblyName(path).Version?.ToString() ?? "?" : "none";
    }

    private static Dictionary<string, string> ParseArgs(string[] args)
    {
        var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i + 1 < args.Length; i += 2) d[args[i]] = args[i + 1];
        foreach (var required in new[] { "--module", "--connection" })
            if (!d.ContainsKey(required)) throw new ArgumentException($"missing {required}; usage: --module DIR --connection FILE [--cluster NAME] [--ip-name NAME]");
        return d;
    }
}

/// <summary>
/// Only this class touches module types: it is compiled (JIT) after Main has loaded AksEgress.dll from the module directory.
/// It depends on the public engine contract (IAksEgressEngine, requests, models) and on EngineHost (the module's loader).
/// </summary>
internal static class EngineSteps
{
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static async Task<bool> RunAsync(JsonElement c, string clusterName, string ipName)
    {
        var ctx = new ConsoleContext();
        var ok = true;

        async Task<T?> Step<T>(string name, Func<Task<T>> action, Func<T, string> describe)
        {
            if (!ok) { Console.WriteLine($"step {name} SKIPPED"); return default; }
            var watch = System.Diagnostics.Stopwatch.StartNew();
            try
            {
                var result = await action();
                Console.WriteLine($"step {name} ok {describe(result)} ({watch.ElapsedMilliseconds} ms)");
                return result;
            }
            catch (Exception e)
            {
                ok = false;
                Console.WriteLine($"step {name} FAILED {OneLine(e)}");
                Console.Error.WriteLine($"step {name}: {e}");
                return default;
            }
        }

        var engine = await Step("load", () => Task.FromResult(EngineHost.Engine),
            e => $"{e.GetType().FullName} in {AssemblyLoadContext.GetLoadContext(e.GetType().Assembly)?.Name}");
        if (engine is null) return false;

        await Step("connect", () => engine.ConnectAsync(new ConnectRequest
        {
            SubscriptionId = c.GetProperty("subscriptionId").GetString(),
            ArmEndpoint = new Uri(c.GetProperty("armEndpoint").GetString()!),
            CaCertificatePath = c.GetProperty("caCertificatePath").GetString(),
            AccessToken = c.GetProperty("accessToken").GetString(),
        }, ctx), conn => $"subscription={conn.SubscriptionId}");

        var clusterRef = new ClusterRef(null, "demo-rg", clusterName);
        var cluster = await Step("get-cluster", () => engine.GetClusterAsync(clusterRef, ctx),
            x => $"nodeResourceGroup={x.NodeResourceGroup} loadBalancerSku={x.LoadBalancerSku}");

        // The probe's context approves every change, so a null (ShouldProcess declined) result is a failure.
        var ip = await Step("new-ip", async () => await engine.NewEgressIpAsync(new NewEgressIpRequest
        {
            Name = ipName, Cluster = clusterRef, ClusterInfo = cluster,
        }, ctx) ?? throw new InvalidOperationException("NewEgressIpAsync returned no IP although the change was approved"), x => $"ipAddress={x.IpAddress} resourceGroup={x.ResourceGroupName} created={x.Created}");

        var kube = new KubeAccess { Cluster = clusterRef, ClusterInfo = cluster };
        var service = await Step("set-service", async () => await engine.SetEgressServiceAsync(new SetEgressServiceRequest
        {
            IpAddress = ip!.IpAddress!, PublicIpId = ip.Id, ServiceName = ipName, NodeResourceGroup = cluster!.NodeResourceGroup, Kube = kube,
        }, ctx) ?? throw new InvalidOperationException("SetEgressServiceAsync returned no Service although the change was approved"), x => $"service={x.Namespace}/{x.ServiceName} ingress={x.IngressIpAddress} decidesEgress={x.DecidesEgress}");

        await Step("test-egress", async () =>
        {
            var r = await engine.TestEgressIpAsync(new TestEgressIpRequest { ExpectedIpAddress = new[] { ip!.IpAddress! }, Kube = kube }, ctx);
            if (!r.Succeeded) throw new InvalidOperationException($"egress not proven: observed {r.ObservedIpAddress}, expected {ip.IpAddress}: {r.Explanation}");
            return r;
        }, r => $"succeeded={r.Succeeded} observed={r.ObservedIpAddress} pod={r.PodName}");

        await Step("remove-service", () => engine.RemoveEgressServiceAsync(new RemoveEgressServiceRequest { ServiceName = ipName, Kube = kube }, ctx),
            removed => $"removed={removed}");
        await Step("remove-ip", () => engine.RemoveEgressIpAsync(new RemoveEgressIpRequest { PublicIpId = ip!.Id }, ctx),
            removed => $"removed={removed}");
        engine.Disconnect();
        return ok;
    }

    private static string OneLine(Exception e)
    {
        // The innermost exception names the assembly that could not be bound; keep the whole chain on one line.
        var parts = new List<string>();
        for (var x = e; x is not null; x = x.InnerException) parts.Add($"{x.GetType().FullName}: {x.Message}");
        return string.Join(" ---> ", parts).ReplaceLineEndings(" ");
    }
}

/// <summary>Writes warnings (and, with AKSEGRESS_PROBE_VERBOSE=1, verbose text) to stderr; approves every change.</summary>
internal sealed class ConsoleContext : IOperationContext
{
    private static readonly bool Verbose = Environment.GetEnvironmentVariable("AKSEGRESS_PROBE_VERBOSE") == "1";
    public CancellationToken CancellationToken => CancellationToken.None;
    public void WriteVerbose(string message) { if (Verbose) Console.Error.WriteLine("VERBOSE: " + message); }
    public void WriteDebug(string message) { }
    public void WriteWarning(string message) => Console.Error.WriteLine("WARNING: " + message);
    public void WriteProgress(ProgressUpdate update) { }
    public bool ShouldProcess(string target, string action) => true;
}
