namespace AksEgress.Emulator;

/// <summary>Holds fault rules; thread-safe.</summary>
public sealed class FaultInjector
{
    private readonly List<FaultRule> _rules = new();
    public void Add(FaultRule rule) { lock (_rules) _rules.Add(rule); }
    public void Clear() { lock (_rules) _rules.Clear(); }
    public IReadOnlyList<FaultRule> Rules { get { lock (_rules) return _rules.ToArray(); } }

    internal FaultRule? Take(string method, string pathAndQuery, string target)
    {
        lock (_rules)
        {
            foreach (var r in _rules)
            {
                if (r.Count == 0 || !r.Matches(method, pathAndQuery, target)) continue;
                if (r.Count > 0) r.Count--;
                return r;
            }
        }
        return null;
    }
}
