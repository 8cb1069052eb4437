using System.Collections.ObjectModel;

namespace AksEgress.Models;

/// <summary>
/// A read-only list in an output object. It is a list everywhere (indexing, -contains, pipeline binding to string[]
/// parameters, ConvertTo-Json writes an array), and its ToString() joins the values with ';' so Export-Csv writes
/// "20.1.2.3;20.1.2.4" instead of "System.String[]".
/// </summary>
public sealed class ValueList<T> : ReadOnlyCollection<T>
{
    public const string Separator = ";";

    public ValueList() : base(Array.Empty<T>()) { }
    public ValueList(IEnumerable<T>? values) : base(values?.ToArray() ?? Array.Empty<T>()) { }

    /// <summary>The number of values (as on the arrays this type replaced).</summary>
    public int Length => Count;

    public T[] ToArray() => Items.ToArray();

    public static implicit operator ValueList<T>(T[]? values) => new(values);
    public static implicit operator T[](ValueList<T>? list) => list?.ToArray() ?? Array.Empty<T>();

    public override string ToString() => string.Join(Separator, Items.Select(i => i?.ToString()));
}

/// <summary>
/// A read-only string map in an output object (tags, annotations). ConvertTo-Json writes an object; ToString() gives
/// "k=v;k2=v2" so Export-Csv writes the pairs instead of a type name.
/// </summary>
public sealed class ValueMap : ReadOnlyDictionary<string, string>
{
    public ValueMap() : base(new Dictionary<string, string>()) { }
    public ValueMap(IEnumerable<KeyValuePair<string, string>>? pairs, IEqualityComparer<string>? comparer = null)
        : base(Copy(pairs, comparer)) { }

    private static Dictionary<string, string> Copy(IEnumerable<KeyValuePair<string, string>>? pairs, IEqualityComparer<string>? comparer)
    {
        comparer ??= (pairs as Dictionary<string, string>)?.Comparer ?? StringComparer.Ordinal;
        var d = new Dictionary<string, string>(comparer);
        foreach (var p in pairs ?? Array.Empty<KeyValuePair<string, string>>()) d[p.Key] = p.Value;
        return d;
    }

    public static implicit operator ValueMap(Dictionary<string, string>? pairs) => new(pairs);

    public override string ToString() => string.Join(ValueList<string>.Separator, this.Select(p => $"{p.Key}={p.Value}"));
}
