using k8s;
using k8s.KubeConfigModels;

namespace AksEgress.Engine.Kubernetes;

/// <summary>
/// The one answer to "which kubeconfig, when none is named" (every caller: clients, tab completion). As kubectl does:
/// the files listed in KUBECONFIG, split with the platform's path separator (';' on Windows, ':' elsewhere), merged so
/// that the first file wins for a given context, cluster or user name and current-context comes from the first file that
/// sets it; without KUBECONFIG, .kube/config in the user profile (C:\Users\me\.kube\config, /home/me/.kube/config).
/// Listed files that do not exist are skipped. The separator and the profile are injectable for tests.
/// </summary>
internal sealed class KubeConfigResolver
{
    private readonly string _userProfile;

    public KubeConfigResolver(string? kubeconfigVariable, char pathSeparator, string userProfile)
    {
        _userProfile = userProfile;
        FromVariable = !string.IsNullOrWhiteSpace(kubeconfigVariable);
        Files = FromVariable
            ? kubeconfigVariable!.Split(pathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(ExpandHome).Distinct(StringComparer.Ordinal).ToArray()
            : new[] { Path.Combine(userProfile, ".kube", "config") };
    }

    /// <summary>This process: KUBECONFIG, <see cref="Path.PathSeparator"/> and the user profile.</summary>
    public static KubeConfigResolver ForProcess() =>
        new(Environment.GetEnvironmentVariable("KUBECONFIG"), Path.PathSeparator, Environment.GetFolderPath(Environment.SpecialFolder.UserProfile));

    /// <summary>True when the files came from KUBECONFIG.</summary>
    public bool FromVariable { get; }

    /// <summary>The candidate files in order (~ expanded; relative entries are relative to the current directory, as for kubectl).</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Where the default kubeconfig comes from, for messages.</summary>
    public string Describe() => FromVariable ? $"KUBECONFIG ({string.Join(", ", Files)})" : Files[0];

    /// <summary>A path with a leading ~ (~/x or ~\x) in the user profile.</summary>
    public string ExpandHome(string path) =>
        path == "~" ? _userProfile
        : path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal) ? Path.Join(_userProfile, path[2..])
        : path;

    /// <summary>The files that exist, as full paths, in order.</summary>
    public IReadOnlyList<string> ExistingFiles() => Files.Select(Path.GetFullPath).Where(File.Exists).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// Loads and merges the existing files (no request). Null when none exists. A file that cannot be parsed throws
    /// KubeConfigInvalid naming it. Relative file references (certificate-authority, client-certificate, client-key) are made
    /// absolute against the directory of the file that holds them, so a merged entry keeps pointing where it did.
    /// </summary>
    public K8SConfiguration? LoadMerged()
    {
        var files = ExistingFiles();
        if (files.Count == 0) return null;
        var merged = new K8SConfiguration
        {
            ApiVersion = "v1", Kind = "Config", FileName = files[0],
            Clusters = new List<Cluster>(), Contexts = new List<Context>(), Users = new List<User>(),
        };
        foreach (var file in files)
        {
            var cfg = LoadOne(file);
            if (string.IsNullOrEmpty(merged.CurrentContext) && !string.IsNullOrEmpty(cfg.CurrentContext)) merged.CurrentContext = cfg.CurrentContext;
            var dir = Path.GetDirectoryName(file)!;
            foreach (var c in cfg.Clusters ?? Enumerable.Empty<Cluster>())
            {
                if (c.Name is null || merged.Clusters.Any(x => x.Name == c.Name)) continue;
                if (c.ClusterEndpoint is { } ep) ep.CertificateAuthority = Absolute(dir, ep.CertificateAuthority);
                ((List<Cluster>)merged.Clusters).Add(c);
            }
            foreach (var c in cfg.Contexts ?? Enumerable.Empty<Context>())
                if (c.Name is not null && !merged.Contexts.Any(x => x.Name == c.Name)) ((List<Context>)merged.Contexts).Add(c);
            foreach (var u in cfg.Users ?? Enumerable.Empty<User>())
            {
                if (u.Name is null || merged.Users.Any(x => x.Name == u.Name)) continue;
                if (u.UserCredentials is { } uc)
                {
                    uc.ClientCertificate = Absolute(dir, uc.ClientCertificate);
                    uc.ClientKey = Absolute(dir, uc.ClientKey);
                }
                ((List<User>)merged.Users).Add(u);
            }
        }
        return merged;
    }

    /// <summary>The Microsoft Entra server application AKS-managed Entra ID clusters use (the audience of their API server tokens).</summary>
    public const string AksServerApplicationId = "6dae42f8-4368-4678-94ff-3960e28e3630";

    /// <summary>
    /// The Entra server application (token audience) a kubeconfig user names, or null when it names none: kubelogin's
    /// exec arguments <c>--server-id X</c> or <c>--server-id=X</c> (kubelogin reads the server id from this flag only; it has
    /// no environment variable for it), or the legacy <c>azure</c> auth-provider's <c>apiserver-id</c>. Clusters with the
    /// legacy (pre-managed) Entra integration use their own server application here, not the AKS one. Nothing is run.
    /// </summary>
    public static string? ServerIdOf(User? user)
    {
        var uc = user?.UserCredentials;
        if (uc?.ExternalExecution is { Arguments: { } args } exec &&
            IsKubelogin(exec.Command))
        {
            for (var i = 0; i < args.Count; i++)
            {
                var a = args[i]?.Trim();
                if (a is null) continue;
                if (a == "--server-id" && i + 1 < args.Count && NonBlank(args[i + 1]) is { } next) return next;
                if (a.StartsWith("--server-id=", StringComparison.Ordinal) && NonBlank(a["--server-id=".Length..]) is { } inline) return inline;
            }
        }
        if (string.Equals(uc?.AuthProvider?.Name, "azure", StringComparison.OrdinalIgnoreCase) &&
            uc!.AuthProvider!.Config is { } cfg && cfg.TryGetValue("apiserver-id", out var apiServer) && NonBlank(apiServer) is { } id)
            return id;
        return null;
    }

    /// <summary>True for an exec command that is kubelogin (kubelogin, /usr/local/bin/kubelogin, C:\tools\kubelogin.exe on any OS).</summary>
    public static bool IsKubelogin(string? command)
    {
        if (string.IsNullOrWhiteSpace(command)) return false;
        var name = command.Trim().Split('/', '\\').Last();
        if (name.EndsWith(".exe", StringComparison.OrdinalIgnoreCase)) name = name[..^4];
        return name.Equals("kubelogin", StringComparison.OrdinalIgnoreCase);
    }

    private static string? NonBlank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim().Trim('"', '\'');

    /// <summary>
    /// True when a kubeconfig server address is the cluster's API server by name: its host equals the cluster's public
    /// <c>properties.fqdn</c> or, for a private cluster, its <c>properties.privateFQDN</c> (DNS names: case-insensitive).
    /// </summary>
    public static bool ServesCluster(string server, string? fqdn, string? privateFqdn)
    {
        if (!Uri.TryCreate(server, UriKind.Absolute, out var uri)) return false;
        var host = uri.IdnHost.TrimEnd('.');
        static bool Same(string host, string? name) => !string.IsNullOrWhiteSpace(name) && host.Equals(name.Trim().TrimEnd('.'), StringComparison.OrdinalIgnoreCase);
        return Same(host, fqdn) || Same(host, privateFqdn);
    }

    private static string? Absolute(string dir, string? path) =>
        string.IsNullOrEmpty(path) || Path.IsPathRooted(path) ? path : Path.GetFullPath(Path.Join(dir, path));

    private static K8SConfiguration LoadOne(string file)
    {
        try
        {
            using var fs = File.OpenRead(file);
            return KubernetesClientConfiguration.LoadKubeConfig(fs) ?? new K8SConfiguration();
        }
        catch (Exception ex)
        {
            throw new AksEgressException(ErrorIds.KubeConfigInvalid, EgressErrorCategory.InvalidData,
                $"The kubeconfig file '{file}' could not be parsed: {Redaction.Text(ex.Message)}", file,
                "Check the kubeconfig (kubectl config view) or get a new one with az aks get-credentials.", ex);
        }
    }
}
