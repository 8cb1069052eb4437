namespace AksEgress.Emulator;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var options = new EmulatorOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"missing value for {args[i]}");
            switch (args[i])
            {
                case "--state-dir": options.StateDir = Next(); break;
                case "--lro-retry-after": options.LroRetryAfterSeconds = int.Parse(Next()); break;
                case "--lro-polls": options.LroInProgressPolls = int.Parse(Next()); break;
                case "--extra-clusters": options.ExtraClusters = int.Parse(Next()); break;
                case "--nodes": options.NodesPerCluster = int.Parse(Next()); break;
                case "--page-size": options.PageSize = int.Parse(Next()); break;
                case "--lb-delay-ms": options.LoadBalancerDelayMilliseconds = int.Parse(Next()); break;
                case "--pod-delay-ms": options.PodStartDelayMilliseconds = int.Parse(Next()); break;
                case "--pod-termination-ms": options.PodTerminationDelayMilliseconds = int.Parse(Next()); break;
                case "-h" or "--help":
                    Console.WriteLine("usage: AksEgress.Emulator --state-dir DIR [--lro-retry-after N] [--lro-polls N] [--extra-clusters N] [--nodes N] [--page-size N] [--lb-delay-ms N] [--pod-delay-ms N] [--pod-termination-ms N]");
                    return 0;
                default:
                    Console.Error.WriteLine($"unknown argument '{args[i]}'");
                    return 2;
            }
        }
        await using var emu = await AksEmulator.StartAsync(options);
        Console.WriteLine($"armEndpoint {emu.ArmEndpoint}");
        Console.WriteLine($"stateDir {emu.StateDir}");
        Console.WriteLine("ready");
        Console.Out.Flush();
        await emu.WaitForShutdownAsync();
        return 0;
    }
}
