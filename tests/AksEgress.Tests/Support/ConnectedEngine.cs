using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Models;

namespace AksEgress.Tests;

/// <summary>The one connected-engine fixture: an in-process emulator plus an engine connected to its ARM endpoint with
/// AccessToken + ArmEndpoint + CaCertificatePath (the ARM half then serves cluster, kubeconfig and egress truth).
/// Disposing it disconnects the engine and stops the emulator (which deletes the temp folder it wrote).</summary>
internal sealed class ConnectedEngine : IAsyncDisposable
{
    public required AksEmulator Emu { get; init; }
    public required AksEgressEngine Engine { get; init; }
    public string Sub => Emu.SubscriptionId;

    /// <summary>A fast emulator (no Retry-After, load balancer or pod delays) and a connected engine; the request log starts
    /// empty after the connect.</summary>
    public static async Task<ConnectedEngine> StartAsync(EmulatorOptions? options = null)
    {
        options ??= new EmulatorOptions();
        options.LroRetryAfterSeconds = 0;
        options.LoadBalancerDelayMilliseconds = 0;
        options.PodStartDelayMilliseconds = 0;
        var emu = await AksEmulator.StartAsync(options);
        try
        {
            var engine = await ConnectAsync(emu);
            emu.Requests.Clear();
            return new ConnectedEngine { Emu = emu, Engine = engine };
        }
        catch
        {
            await emu.DisposeAsync();
            throw;
        }
    }

    /// <summary>Another engine connected to the same emulator (tests that race two engines, or keep the emulator themselves).</summary>
    public static async Task<AksEgressEngine> ConnectAsync(AksEmulator emu)
    {
        var engine = new AksEgressEngine();
        await engine.ConnectAsync(new ConnectRequest
        {
            AccessToken = emu.AccessToken, ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath, SubscriptionId = emu.SubscriptionId,
        }, new NullOperationContext());
        return engine;
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
