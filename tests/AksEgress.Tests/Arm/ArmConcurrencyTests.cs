using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

public class ArmConcurrencyTests
{
    [Fact]
    public async Task Parallel_calls_each_write_only_their_own_debug_lines()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var names = new[] { "standard-lb", "natgw", "udr", "legacy-basic", "locked", "aad" };
        var contexts = names.ToDictionary(n => n, _ => new RecordingContext());
        await Task.WhenAll(names.Select(n => Task.Run(() => f.Engine.GetEgressConfigurationAsync(f.Cluster(n), null, contexts[n]))));
        foreach (var n in names)
        {
            var clusterLines = contexts[n].Debug.Where(d => d.Contains("/managedClusters/")).ToArray();
            Assert.NotEmpty(clusterLines);
            Assert.All(clusterLines, d => Assert.Contains("/managedClusters/" + n + "?", d));
        }
    }
}
