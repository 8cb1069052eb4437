using System.Text.Json.Nodes;
using Xunit;
using Xunit.Abstractions;

namespace AksEgress.Contracts.Tests;

/// <summary>
/// The whole run's traffic against the published contracts. build.ps1 Test runs these LAST (trait Category=ContractTraffic),
/// after the xunit and Pester suites filled out/contracts/traffic through the emulators' ContractRecorder. One test per
/// distinct operation seen; each fails with the request, the JSON path and the rule of every finding not in
/// tests/contracts/exceptions.json. Run alone they fail: there is no traffic to judge.
/// </summary>
[Trait("Category", "ContractTraffic")]
public sealed class TrafficTests(ITestOutputHelper output)
{
    private sealed class Run
    {
        public required IReadOnlyList<TrafficRecord> Records { get; init; }
        public required Dictionary<string, List<CheckOutcome>> ByGroup { get; init; }
        public required ContractChecker Checker { get; init; }
        public required Allowlist Allow { get; init; }
    }

    private static readonly Lazy<Run> Shared = new(() =>
    {
        var records = TrafficRecord.ReadDirectory(ContractPaths.TrafficDirectory);
        var allow = Allowlist.Load(Path.Combine(ContractPaths.ContractsRoot, "exceptions.json"));
        var checker = new ContractChecker(SpecSet.Instance);
        var byGroup = new Dictionary<string, List<CheckOutcome>>(StringComparer.Ordinal);
        foreach (var r in records)
        {
            var o = checker.Check(r, allow.Allows);
            if (!byGroup.TryGetValue(o.Group, out var list)) byGroup[o.Group] = list = new();
            list.Add(o);
        }
        var run = new Run { Records = records, ByGroup = byGroup, Checker = checker, Allow = allow };
        WriteSummary(run);
        return run;
    });

    private const string NoTraffic = "(no traffic recorded: run dotnet pwsh ./build.ps1 Test)";

    public static IEnumerable<object[]> Groups()
    {
        var groups = Shared.Value.ByGroup.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (groups.Count == 0) groups.Add(NoTraffic);
        return groups.Select(g => new object[] { g });
    }

    [Theory]
    [MemberData(nameof(Groups))]
    public void Operation_meets_its_published_contract(string group)
    {
        Assert.False(group == NoTraffic, $"No traffic in {ContractPaths.TrafficDirectory}: the contract check judges the traffic of a whole build.ps1 Test run.");
        var outcomes = Shared.Value.ByGroup[group];
        var covered = outcomes.Where(o => o.Covered).ToList();
        output.WriteLine($"{outcomes.Count} distinct request/response records, {covered.Count} checked against the specs.");
        foreach (var reason in outcomes.Where(o => !o.Covered).Select(o => o.NotCoveredReason).Distinct()) output.WriteLine("not covered: " + reason);
        var violations = outcomes.SelectMany(o => o.Violations).Distinct().ToList();
        Assert.True(violations.Count == 0,
            $"{violations.Count} contract violation(s) for {group}:\n" + string.Join("\n", violations.Take(25).Select(v => " - " + v)) +
            (violations.Count > 25 ? $"\n ... and {violations.Count - 25} more (out/contracts/summary.json)" : "") +
            "\nFix the module or the emulator; only a justified, temporary finding goes into tests/contracts/exceptions.json.");
    }

    [Fact]
    public void The_run_exercised_every_operation_and_kind_the_module_uses()
    {
        var run = Shared.Value;
        Assert.NotEmpty(run.Records);
        var expected = new[]
        {
            "arm GET ManagedClusters_Get (2025-10-01)", "arm GET ManagedClusters_List (2025-10-01)", "arm GET ManagedClusters_ListByResourceGroup (2025-10-01)",
            "arm PUT ManagedClusters_CreateOrUpdate (2025-10-01)", "arm POST ManagedClusters_ListClusterUserCredentials (2025-10-01)",
            "arm GET PublicIPAddresses_Get (2025-07-01)", "arm PUT PublicIPAddresses_CreateOrUpdate (2025-07-01)", "arm DELETE PublicIPAddresses_Delete (2025-07-01)",
            // Get-AksEgressConfiguration's allowlist resolution (issue 11)
            "arm GET Subnets_Get (2025-07-01)", "arm GET RouteTables_Get (2025-07-01)", "arm GET VirtualNetworks_Get (2025-07-01)",
            "arm GET AzureFirewalls_Get (2025-07-01)", "arm POST Resources (2024-04-01)", "arm GET NatGateways_Get (2025-07-01)",
            "arm GET PublicIPPrefixes_Get (2025-07-01)", "arm GET PublicIPAddresses_ListVirtualMachineScaleSetPublicIPAddresses (2017-03-30)",
        };
        var missing = expected.Where(e => !run.Checker.OperationsCovered.Contains(e)).ToList();
        Assert.True(missing.Count == 0, "Not exercised by the run: " + string.Join(", ", missing) + "\nSeen: " + string.Join(", ", run.Checker.OperationsCovered));
        foreach (var kind in new[] { "io.k8s.api.core.v1.Pod", "io.k8s.api.core.v1.Service", "io.k8s.api.core.v1.PodList", "io.k8s.api.core.v1.ServiceList",
                     "io.k8s.api.core.v1.NodeList", "io.k8s.apimachinery.pkg.apis.meta.v1.Status" })
            Assert.Contains(kind, run.Checker.KindsCovered);
    }

    [Fact]
    public void Every_allow_list_entry_is_still_needed()
    {
        var run = Shared.Value;
        Assert.NotEmpty(run.Records);
        _ = run.ByGroup.Count;
        var unused = run.Allow.Entries.Where(e => e.Used == 0).ToList();
        Assert.True(unused.Count == 0, "tests/contracts/exceptions.json entries no request needed any more (delete them): " +
            string.Join("; ", unused.Select(e => $"{e.Operation} {e.Direction} {e.Rule} {e.Path}")));
    }

    private static void WriteSummary(Run run)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(ContractPaths.TrafficDirectory))!;
        Directory.CreateDirectory(dir);
        var summary = new JsonObject
        {
            ["records"] = run.Records.Count,
            ["checks"] = run.Checker.Checks,
            ["operations"] = new JsonArray(run.Checker.OperationsCovered.Select(o => (JsonNode)JsonValue.Create(o)!).ToArray()),
            ["kubernetesKinds"] = new JsonArray(run.Checker.KindsCovered.Select(o => (JsonNode)JsonValue.Create(o)!).ToArray()),
            ["notCovered"] = new JsonArray(run.ByGroup.Values.SelectMany(v => v).Where(o => !o.Covered)
                .Select(o => $"{o.Group}: {o.NotCoveredReason}").Distinct().Order(StringComparer.Ordinal).Select(s => (JsonNode)JsonValue.Create(s)!).ToArray()),
            ["allowed"] = new JsonArray(run.Allow.Entries.Select(e => (JsonNode)new JsonObject { ["operation"] = e.Operation, ["path"] = e.Path, ["rule"] = e.Rule, ["used"] = e.Used }).ToArray()),
            ["violations"] = new JsonArray(run.ByGroup.Values.SelectMany(v => v).SelectMany(o => o.Violations).Distinct().Take(500)
                .Select(v => (JsonNode)JsonValue.Create(v.ToString())!).ToArray()),
        };
        File.WriteAllText(Path.Combine(dir, "summary.json"), summary.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"contracts: {run.Checker.Checks} checks over {run.Records.Count} records, {run.Checker.OperationsCovered.Count} operations, {run.Checker.KindsCovered.Count} Kubernetes kinds");
    }
}
