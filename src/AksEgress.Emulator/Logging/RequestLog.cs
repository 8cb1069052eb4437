namespace AksEgress.Emulator;

/// <summary>Thread-safe log of every request the emulator served.</summary>
public sealed class RequestLog
{
    private readonly List<RequestLogEntry> _entries = new();
    internal void Add(RequestLogEntry e) { lock (_entries) _entries.Add(e); }
    /// <summary>Snapshot of all entries including admin calls.</summary>
    public IReadOnlyList<RequestLogEntry> All { get { lock (_entries) return _entries.ToArray(); } }
    /// <summary>Snapshot without admin (/_emulator) calls.</summary>
    public IReadOnlyList<RequestLogEntry> Entries { get { lock (_entries) return _entries.Where(e => !e.IsAdmin).ToArray(); } }
    public void Clear() { lock (_entries) _entries.Clear(); }
    public int Count(Func<RequestLogEntry, bool> predicate) { lock (_entries) return _entries.Count(predicate); }
}
