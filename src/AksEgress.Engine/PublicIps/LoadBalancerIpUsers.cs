using AksEgress.Engine.Kubernetes;
using k8s.Models;

namespace AksEgress.Engine.PublicIps;

/// <summary>A LoadBalancer Service that holds a public IP through the cluster's kubernetes load balancer.</summary>
internal sealed record LoadBalancerServiceUser(string Namespace, string Name, bool Deleting, bool CreatedByAksEgress, string Reason)
{
    public string Key => $"{Namespace}/{Name}";
}

/// <summary>
/// Which LoadBalancer Services of a cluster use a public IP that is a frontend of its kubernetes load balancer. The cloud
/// provider names a Service's frontend 'a' + the Service UID without dashes (an IPv6 frontend adds '-IPv6'); Services that
/// share the IP reuse that frontend, so the IP's address and the Service's requested IP are matched, too.
/// </summary>
internal static class LoadBalancerIpUsers
{
    public const string AnnotationPipName = "service.beta.kubernetes.io/azure-pip-name";

    public static string FrontendNameOf(string serviceUid) => "a" + serviceUid.Replace("-", "", StringComparison.Ordinal);

    /// <summary>The frontend name (last segment) of a load balancer frontendIPConfigurations id, or null.</summary>
    public static string? FrontendName(string? ipConfigurationId)
    {
        if (string.IsNullOrEmpty(ipConfigurationId)) return null;
        var parts = ipConfigurationId.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var i = Array.FindIndex(parts, x => x.Equals("frontendIPConfigurations", StringComparison.OrdinalIgnoreCase));
        return i >= 0 && i + 1 < parts.Length ? parts[i + 1] : null;
    }

    public static IReadOnlyList<LoadBalancerServiceUser> Match(IEnumerable<V1Service> services, string? ipAddress, string? ipName, string? frontendName)
    {
        var users = new List<LoadBalancerServiceUser>();
        foreach (var s in services)
        {
            if (s?.Metadata is null || !string.Equals(s.Spec?.Type, "LoadBalancer", StringComparison.Ordinal)) continue;
            var reason = ReasonFor(s, ipAddress, ipName, frontendName);
            if (reason is null) continue;
            users.Add(new LoadBalancerServiceUser(s.Metadata.NamespaceProperty ?? "default", s.Metadata.Name ?? "", s.Metadata.DeletionTimestamp is not null, KubeNames.IsOurs(s.Metadata), reason));
        }
        return users.OrderBy(u => u.Namespace, StringComparer.Ordinal).ThenBy(u => u.Name, StringComparer.Ordinal).ToList();
    }

    private static string? ReasonFor(V1Service s, string? ipAddress, string? ipName, string? frontendName)
    {
        if (frontendName is not null && s.Metadata.Uid is { Length: > 0 } uid)
        {
            var own = FrontendNameOf(uid);
            if (frontendName.Equals(own, StringComparison.OrdinalIgnoreCase) || frontendName.StartsWith(own + "-", StringComparison.OrdinalIgnoreCase))
                return $"its frontend {frontendName}";
        }
        if (!string.IsNullOrEmpty(ipAddress))
        {
            if (s.Status?.LoadBalancer?.Ingress?.Any(i => i.Ip == ipAddress) == true) return $"its load balancer ingress is {ipAddress}";
            if (s.Spec?.LoadBalancerIP == ipAddress) return $"spec.loadBalancerIP {ipAddress}";
            if (s.Metadata.Annotations?.TryGetValue(KubeNames.AnnotationIpv4, out var a) == true && a == ipAddress) return $"annotation {KubeNames.AnnotationIpv4}";
        }
        if (!string.IsNullOrEmpty(ipName) && s.Metadata.Annotations?.TryGetValue(AnnotationPipName, out var p) == true && string.Equals(p, ipName, StringComparison.OrdinalIgnoreCase))
            return $"annotation {AnnotationPipName}";
        return null;
    }

    /// <summary>"Service 'ns/name' (not created by AksEgress), ..." for a message.</summary>
    public static string Describe(IReadOnlyList<LoadBalancerServiceUser> users) =>
        string.Join(", ", users.Select(u => $"'{u.Key}'" + (u.CreatedByAksEgress ? "" : " (not created by AksEgress)") + (u.Deleting ? " (being deleted)" : "")));

    /// <summary>The exact commands that release the IP: one Remove-AksEgressService per Service.</summary>
    public static string ReleaseCommands(IReadOnlyList<LoadBalancerServiceUser> users, string clusterId) =>
        string.Join("; ", users.Select(u =>
            $"Remove-AksEgressService -Namespace {u.Namespace} -Name {u.Name} -ClusterId {clusterId}{(u.CreatedByAksEgress ? "" : " -Force")} -Confirm:$false"));
}
