using System.Collections.Concurrent;
using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Models;

namespace AksEgress.Tests.Arm;

/// <summary>Records everything the engine writes; answers ShouldProcess with <see cref="Approve"/>.</summary>
internal sealed class RecordingContext : IOperationContext
{
    public RecordingContext(CancellationToken ct = default) => CancellationToken = ct;
    public CancellationToken CancellationToken { get; }
    public ConcurrentQueue<string> Verbose { get; } = new();
    public ConcurrentQueue<string> Debug { get; } = new();
    public ConcurrentQueue<string> Warnings { get; } = new();
    public ConcurrentQueue<ProgressUpdate> Progress { get; } = new();
    public ConcurrentQueue<(string Target, string Action)> ShouldProcessCalls { get; } = new();
    public bool Approve { get; set; } = true;
    public void WriteVerbose(string message) => Verbose.Enqueue(message);
    public void WriteDebug(string message) => Debug.Enqueue(message);
    public void WriteWarning(string message) => Warnings.Enqueue(message);
    public void WriteProgress(ProgressUpdate update) => Progress.Enqueue(update);
    public bool ShouldProcess(string target, string action) { ShouldProcessCalls.Enqueue((target, action)); return Approve; }
}

/// <summary>An emulator plus an engine connected to it with AccessToken + ArmEndpoint + CaCertificatePath.</summary>
internal sealed class ArmFixture : IAsyncDisposable
{
    public required AksEmulator Emu { get; init; }
    public required AksEgressEngine Engine { get; init; }
    public string Sub => Emu.SubscriptionId;

    public static async Task<ArmFixture> StartAsync(EmulatorOptions? options = null)
    {
        options ??= new EmulatorOptions();
        options.LroRetryAfterSeconds = 0;
        options.LoadBalancerDelayMilliseconds = 0;
        options.PodStartDelayMilliseconds = 0;
        var emu = await AksEmulator.StartAsync(options);
        var engine = new AksEgressEngine();
        await engine.ConnectAsync(new ConnectRequest
        {
            AccessToken = emu.AccessToken, ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath, SubscriptionId = emu.SubscriptionId,
        }, new NullOperationContext());
        emu.Requests.Clear();
        return new ArmFixture { Emu = emu, Engine = engine };
    }

    public IReadOnlyList<RequestLogEntry> Arm => Emu.Requests.Entries.Where(e => e.Target == "arm").ToArray();
    public string[] ArmLines => Arm.Select(e => $"{e.Method} {e.PathAndQuery.Split('?')[0]}").ToArray();

    public ClusterRef Cluster(string name) => new(null, "demo-rg", name);

    public async ValueTask DisposeAsync()
    {
        Engine.Disconnect();
        await Emu.DisposeAsync();
    }
}

/// <summary>Sets process environment variables for one test and restores the previous values (tests in the non-parallel
/// "process-environment" collection only).</summary>
internal sealed class EnvironmentOverride : IDisposable
{
    private readonly List<(string Name, string? Saved)> _saved = new();

    public EnvironmentOverride(params (string Name, string? Value)[] variables)
    {
        foreach (var (name, value) in variables)
        {
            _saved.Add((name, Environment.GetEnvironmentVariable(name)));
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    /// <summary>The App Service style managed identity of Azure Automation, pointing at the emulator.</summary>
    public static EnvironmentOverride ManagedIdentity(AksEmulator emu) =>
        new(("IDENTITY_ENDPOINT", emu.ManagedIdentityEndpoint.ToString()), ("IDENTITY_HEADER", emu.ManagedIdentityHeader));

    public void Dispose()
    {
        foreach (var (name, saved) in _saved) Environment.SetEnvironmentVariable(name, saved);
    }
}
