using AksEgress.Emulator;
using Xunit;

namespace AksEgress.Tests.Faults;

/// <summary>
/// Counts what the fault matrix did: faults the emulator injected (requests it answered with a fault) and leaks found
/// (test pods, half-provisioned resources). Each row appends one line to fault-matrix.log next to the test assembly;
/// docs/reliability.md quotes the totals.
/// </summary>
internal static class FaultLedger
{
    private static readonly object Gate = new();
    private static bool _started;
    public static string LogPath => Path.Combine(AppContext.BaseDirectory, "fault-matrix.log");

    public static int Injected(AksEmulator emu) => emu.Requests.All.Count(r => r.FaultInjected);

    /// <summary>Records the row and fails it when something leaked.</summary>
    /// <param name="modelled">faults produced by the emulator's own model (permissions, quota) rather than a FaultRule</param>
    public static void Record(string row, AksEmulator emu, IReadOnlyCollection<string> leaks, int modelled = 0)
    {
        var injected = Injected(emu) + modelled;
        lock (Gate)
        {
            if (!_started) { File.WriteAllText(LogPath, ""); _started = true; }   // one run per file
            File.AppendAllText(LogPath, $"{DateTimeOffset.UtcNow:o}\t{row}\tfaults={injected}\tleaks={leaks.Count}\n");
        }
        Assert.True(injected > 0, $"{row}: no fault was injected");
        Assert.True(leaks.Count == 0, $"{row}: leaked {string.Join(", ", leaks)}");
    }

    /// <summary>Everything a re-run could trip over: egress test pods in any namespace, public IPs not Succeeded, clusters not Succeeded.</summary>
    public static List<string> Leaks(AksEmulator emu)
    {
        var leaks = new List<string>();
        var world = emu.World.Dump();
        foreach (var ip in world["publicIPAddresses"]?.AsArray() ?? new System.Text.Json.Nodes.JsonArray())
        {
            var state = (string?)ip?["properties"]?["provisioningState"];
            if (state != "Succeeded") leaks.Add($"public IP {(string?)ip?["name"]} is {state}");
        }
        foreach (var name in emu.World.ClusterNames)
        {
            var state = (string?)emu.World.GetCluster(name)?["properties"]?["provisioningState"];
            if (state is not null && state != "Succeeded") leaks.Add($"cluster {name} is {state}");
            foreach (var pod in world["clusters"]?[name]?["pods"]?.AsArray() ?? new System.Text.Json.Nodes.JsonArray())
            {
                var podName = (string?)pod?["metadata"]?["name"];
                if (podName?.StartsWith("aks-egress-test-", StringComparison.Ordinal) == true) leaks.Add($"pod {name}/{podName}");
            }
        }
        return leaks;
    }
}
