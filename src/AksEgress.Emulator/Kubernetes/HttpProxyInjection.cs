namespace AksEgress.Emulator;

/// <summary>
/// HTTP proxy clusters (properties.httpProxyConfig): AKS's mutating admission webhook puts HTTP_PROXY/http_proxy,
/// HTTPS_PROXY/https_proxy and NO_PROXY/no_proxy into every container of a new pod (not in kube-system, not for pods annotated
/// <c>kubernetes.azure.com/no-http-proxy-vars: "true"</c>); NO_PROXY adds the cluster's own ranges and names to the user's list.
/// A curl in such a pod goes through the proxy unless NO_PROXY or <c>--noproxy</c> exempts the host.
/// </summary>
internal static class HttpProxyInjection
{
    public const string OptOutAnnotation = "kubernetes.azure.com/no-http-proxy-vars";

    /// <summary>Adds the proxy variables to the pod's containers (the webhook). Caller holds Sync.</summary>
    public static void Inject(Cluster c, JsonObject pod)
    {
        var cfg = JsonUtil.Get(c.Body, "properties", "httpProxyConfig") as JsonObject;
        if (cfg is null || JsonUtil.Bool(cfg["enabled"]) == false) return;
        if (JsonUtil.S(pod, "metadata", "namespace") == "kube-system") return;
        if (JsonUtil.S(pod, "metadata", "annotations", OptOutAnnotation) == "true") return;
        var noProxy = NoProxy(c, cfg);
        var vars = new List<(string, string)>();
        if (JsonUtil.S(cfg, "httpProxy") is { Length: > 0 } http) { vars.Add(("HTTP_PROXY", http)); vars.Add(("http_proxy", http)); }
        if (JsonUtil.S(cfg, "httpsProxy") is { Length: > 0 } https) { vars.Add(("HTTPS_PROXY", https)); vars.Add(("https_proxy", https)); }
        if (vars.Count == 0) return;
        vars.Add(("NO_PROXY", noProxy)); vars.Add(("no_proxy", noProxy));
        foreach (var ct in (JsonUtil.Get(pod, "spec", "containers") as JsonArray ?? new JsonArray()).OfType<JsonObject>())
        {
            var env = ct["env"] as JsonArray ?? (JsonArray)(ct["env"] = new JsonArray());
            foreach (var (name, value) in vars)
                if (!env.OfType<JsonObject>().Any(e => JsonUtil.S(e, "name") == name))
                    env.Add(new JsonObject { ["name"] = name, ["value"] = value });
        }
    }

    private static string NoProxy(Cluster c, JsonObject cfg)
    {
        var list = new List<string> { "localhost", "127.0.0.1", "169.254.169.254", "168.63.129.16", ".svc", ".cluster.local", "kubernetes.default.svc" };
        if (JsonUtil.S(c.NetworkProfile, "serviceCidr") is { } svc) list.Add(svc);
        if (JsonUtil.S(c.Body, "properties", "fqdn") is { } fqdn) list.Add(fqdn);
        foreach (var n in (cfg["noProxy"] as JsonArray ?? new JsonArray()).Select(x => x?.ToString()).Where(x => !string.IsNullOrWhiteSpace(x)))
            if (!list.Contains(n!)) list.Add(n!);
        return string.Join(',', list);
    }

    /// <summary>The proxy a curl in this container uses for the URL, as curl decides it (null: direct).</summary>
    public static string? ProxyOf(JsonObject container, IReadOnlyList<string> tokens, Uri url)
    {
        for (var i = 0; i < tokens.Count - 1; i++)
            if (tokens[i] == "--noproxy" && (tokens[i + 1] == "*" || Matches(url.Host, tokens[i + 1]))) return null;
        var env = (container["env"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
            .Where(e => JsonUtil.S(e, "name") is not null).GroupBy(e => JsonUtil.S(e, "name")!).ToDictionary(g => g.Key, g => JsonUtil.S(g.First(), "value") ?? "");
        string? Var(params string[] names) => names.Select(n => env.GetValueOrDefault(n)).FirstOrDefault(v => !string.IsNullOrEmpty(v));
        // curl reads http_proxy in lower case only; https_proxy and no_proxy in either case.
        var proxy = url.Scheme == "https" ? Var("https_proxy", "HTTPS_PROXY") : Var("http_proxy");
        if (proxy is null) return null;
        var noProxy = Var("no_proxy", "NO_PROXY");
        return noProxy is not null && Matches(url.Host, noProxy) ? null : proxy;
    }

    private static bool Matches(string host, string list) =>
        list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Any(e =>
            e == "*" || host.Equals(e.TrimStart('.'), StringComparison.OrdinalIgnoreCase) || host.EndsWith("." + e.TrimStart('.'), StringComparison.OrdinalIgnoreCase));
}
