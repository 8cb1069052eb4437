using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AksEgress.Contracts.Tests;

/// <summary>
/// tests/contracts/exceptions.json: contract findings accepted for now, each with its reason and the issue that removes it.
/// An entry matches a violation by operation, direction, rule and JSON path (array indexes written as *; a path ending in
/// /** matches everything below it). Every entry must still be needed: an entry no check used fails the run.
/// </summary>
internal sealed class Allowlist
{
    public sealed record Entry(string Operation, string Direction, string Rule, string Path, string Reason, string Issue)
    {
        public int Used;
    }

    public IReadOnlyList<Entry> Entries { get; }

    private Allowlist(IReadOnlyList<Entry> entries) => Entries = entries;

    public static Allowlist Load(string file)
    {
        var arr = JsonNode.Parse(File.ReadAllText(file))!["exceptions"]!.AsArray();
        var entries = arr.Select(n => new Entry(
            n!["operation"]!.GetValue<string>(), n["direction"]!.GetValue<string>(), n["rule"]!.GetValue<string>(), n["path"]!.GetValue<string>(),
            n["reason"]!.GetValue<string>(), n["issue"]!.GetValue<string>())).ToList();
        foreach (var e in entries)
            if (string.IsNullOrWhiteSpace(e.Reason) || string.IsNullOrWhiteSpace(e.Issue))
                throw new InvalidDataException($"{file}: every exception needs a reason and an issue ({e.Operation} {e.Path}).");
        return new Allowlist(entries);
    }

    public static string Normalise(string jsonPath) => Regex.Replace(jsonPath, "/[0-9]+(?=/|$)", "/*");

    public bool Allows(Violation v)
    {
        var path = Normalise(v.JsonPath);
        foreach (var e in Entries)
        {
            if (e.Operation != v.Operation || e.Direction != v.Direction || e.Rule != v.Rule) continue;
            var ok = e.Path.EndsWith("/**", StringComparison.Ordinal)
                ? path.StartsWith(e.Path[..^3], StringComparison.Ordinal)
                : path == e.Path;
            if (!ok) continue;
            Interlocked.Increment(ref e.Used);
            return true;
        }
        return false;
    }
}
