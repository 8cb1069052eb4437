namespace AksEgress.Emulator;

/// <summary>
/// A request path template such as <c>/subscriptions/{sub}/resourcegroups/{rg}</c>. Literal segments match
/// case-insensitively (ARM paths are case-insensitive); <c>{name}</c> matches one non-empty segment;
/// <c>{name:a|b}</c> matches one of the listed literals (case-insensitively; the value keeps the request's spelling);
/// a final <c>{*name}</c> matches whatever follows, also nothing. The path must already be trimmed of its trailing '/'.
/// </summary>
internal sealed class RouteTemplate
{
    private readonly record struct Segment(string? Literal, string? Name, string[]? Choices);

    private readonly Segment[] _segments;
    private readonly string? _catchAll;

    public RouteTemplate(string template)
    {
        Text = template;
        var parts = template.TrimStart('/').Split('/');
        var segments = new List<Segment>();
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.StartsWith("{*", StringComparison.Ordinal))
            {
                if (i != parts.Length - 1) throw new ArgumentException($"catch-all must be the last segment: {template}", nameof(template));
                _catchAll = part[2..^1];
                break;
            }
            if (part.StartsWith('{'))
            {
                var inner = part[1..^1];
                var colon = inner.IndexOf(':');
                segments.Add(colon < 0 ? new Segment(null, inner, null) : new Segment(null, inner[..colon], inner[(colon + 1)..].Split('|')));
            }
            else segments.Add(new Segment(part, null, null));
        }
        _segments = segments.ToArray();
    }

    public string Text { get; }

    /// <summary>The parameter values when <paramref name="path"/> matches, else null.</summary>
    public IReadOnlyDictionary<string, string>? Match(string path)
    {
        if (!path.StartsWith('/')) return null;
        var parts = path[1..].Split('/');
        if (parts.Length < _segments.Length || (_catchAll is null && parts.Length != _segments.Length)) return null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < _segments.Length; i++)
        {
            var segment = _segments[i]; var part = parts[i];
            if (segment.Literal is not null)
            {
                if (!segment.Literal.Equals(part, StringComparison.OrdinalIgnoreCase)) return null;
                continue;
            }
            if (part.Length == 0) return null;
            if (segment.Choices is not null && !segment.Choices.Contains(part, StringComparer.OrdinalIgnoreCase)) return null;
            values[segment.Name!] = part;
        }
        if (_catchAll is not null) values[_catchAll] = string.Join('/', parts.Skip(_segments.Length));
        return values;
    }

    public override string ToString() => Text;
}
