namespace AksEgress.Engine.EgressTest;

/// <summary>
/// Which HTTP proxy a pod's request to a URL goes through on a cluster with <c>httpProxyConfig</c>, as curl decides it from
/// the variables AKS injects into pods (HTTPS_PROXY/https_proxy for https, http_proxy for http, NO_PROXY/no_proxy). Pure.
/// </summary>
internal static class HttpProxyPath
{
    /// <summary>The proxy the request uses (credentials removed), or null when the cluster has none for the scheme or NO_PROXY exempts the host.</summary>
    public static string? ProxyFor(Uri uri, string? httpProxy, string? httpsProxy, IReadOnlyList<string>? noProxy)
    {
        var proxy = uri.Scheme == Uri.UriSchemeHttps ? httpsProxy : httpProxy;
        if (string.IsNullOrWhiteSpace(proxy)) return null;
        if (Exempt(uri.IdnHost, noProxy)) return null;
        return WithoutCredentials(proxy);
    }

    /// <summary>True when a NO_PROXY list exempts the host: "*", the host itself, or a domain suffix (".contoso.com" or "contoso.com").</summary>
    public static bool Exempt(string host, IReadOnlyList<string>? noProxy)
    {
        host = host.Trim('[', ']').TrimEnd('.');
        foreach (var raw in noProxy ?? Array.Empty<string>())
        {
            var e = raw?.Trim() ?? "";
            if (e.Length == 0) continue;
            if (e == "*") return true;
            var name = e.TrimStart('*').TrimStart('.').TrimEnd('.');
            if (name.Length == 0) continue;
            if (host.Equals(name, StringComparison.OrdinalIgnoreCase)) return true;
            if (host.EndsWith("." + name, StringComparison.OrdinalIgnoreCase)) return true;
        }
        return false;
    }

    /// <summary>A proxy URL without user:password (a proxy URL may carry credentials; they are never shown).</summary>
    public static string WithoutCredentials(string proxy)
    {
        var p = proxy.Trim();
        if (Uri.TryCreate(p.Contains("://", StringComparison.Ordinal) ? p : "http://" + p, UriKind.Absolute, out var u) && !string.IsNullOrEmpty(u.Host))
            return $"{u.Scheme}://{u.Authority}{(u.AbsolutePath == "/" ? "" : u.AbsolutePath)}";
        var at = p.LastIndexOf('@');
        return at < 0 ? p : p[(at + 1)..];
    }
}
