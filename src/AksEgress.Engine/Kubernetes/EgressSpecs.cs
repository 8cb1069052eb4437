using System.Globalization;
using k8s.Models;

namespace AksEgress.Engine.Kubernetes;

/// <summary>Labels and annotation names AksEgress uses.</summary>
internal static class KubeNames
{
    public const string ManagedByLabel = "app.kubernetes.io/managed-by";
    public const string ManagedByValue = "AksEgress";
    public const string ComponentLabel = "app.kubernetes.io/component";
    public const string EgressTestComponent = "egress-test";
    public const string AnnotationIpv4 = "service.beta.kubernetes.io/azure-load-balancer-ipv4";
    public const string AnnotationResourceGroup = "service.beta.kubernetes.io/azure-load-balancer-resource-group";
    public const string TestPodPrefix = "aks-egress-test-";
    public const string ContainerName = "curl";
    public const string PortName = "egress";

    public static bool IsOurs(V1ObjectMeta? meta) =>
        meta?.Labels is { } l && l.TryGetValue(ManagedByLabel, out var v) && v == ManagedByValue;
}

/// <summary>The desired egress Service and how it compares to an existing one. Pure.</summary>
internal static class EgressServiceSpec
{
    /// <summary>
    /// The resource group annotation is needed when the public IP is not in the node resource group (cloud-provider-azure
    /// only looks there otherwise). Null when not needed (IP in the node RG, or its RG unknown).
    /// </summary>
    public static string? ResourceGroupAnnotation(string? publicIpResourceGroup, string? nodeResourceGroup, bool nodeResourceGroupLocked)
    {
        if (string.IsNullOrEmpty(publicIpResourceGroup)) return null;
        if (string.IsNullOrEmpty(nodeResourceGroup)) return publicIpResourceGroup;
        if (nodeResourceGroupLocked) return publicIpResourceGroup;   // explicit: a locked node RG cannot hold a BYO IP anyway
        return publicIpResourceGroup.Equals(nodeResourceGroup, StringComparison.OrdinalIgnoreCase) ? null : publicIpResourceGroup;
    }

    public static Dictionary<string, string> Annotations(string ip, string? rgAnnotation)
    {
        var a = new Dictionary<string, string> { [KubeNames.AnnotationIpv4] = ip };
        if (rgAnnotation is not null) a[KubeNames.AnnotationResourceGroup] = rgAnnotation;
        return a;
    }

    public static V1Service Build(string name, string ns, string ip, int port, string? rgAnnotation) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string> { [KubeNames.ManagedByLabel] = KubeNames.ManagedByValue },
            Annotations = Annotations(ip, rgAnnotation),
        },
        Spec = new V1ServiceSpec
        {
            Type = "LoadBalancer",
            Ports = new List<V1ServicePort> { new() { Name = KubeNames.PortName, Protocol = "TCP", Port = port, TargetPort = port } },
        },
    };

    /// <summary>True when the existing Service already has every desired field (label, type, no selector, the one port, annotations).</summary>
    public static bool Matches(V1Service existing, string ip, int port, string? rgAnnotation)
    {
        if (!KubeNames.IsOurs(existing.Metadata)) return false;
        if (existing.Spec?.Type != "LoadBalancer") return false;
        if (existing.Spec.Selector is { Count: > 0 }) return false;
        if (existing.Spec.Ports is not { Count: 1 } ports) return false;
        var p = ports[0];
        if (p.Port != port || (p.Protocol ?? "TCP") != "TCP" || p.Name != KubeNames.PortName) return false;
        if (p.TargetPort is not null && p.TargetPort.Value != port.ToString(CultureInfo.InvariantCulture)) return false;
        var ann = existing.Metadata.Annotations ?? new Dictionary<string, string>();
        if (!ann.TryGetValue(KubeNames.AnnotationIpv4, out var haveIp) || haveIp != ip) return false;
        ann.TryGetValue(KubeNames.AnnotationResourceGroup, out var haveRg);
        if (!string.Equals(string.IsNullOrEmpty(haveRg) ? null : haveRg, rgAnnotation, StringComparison.OrdinalIgnoreCase)) return false;
        if (!string.IsNullOrEmpty(existing.Spec.LoadBalancerIP) && existing.Spec.LoadBalancerIP != ip) return false;
        return true;
    }

    /// <summary>A JSON merge patch that makes an existing Service the desired one (ports are replaced as a whole; a stale RG annotation is removed).</summary>
    public static string MergePatch(V1Service existing, string ip, int port, string? rgAnnotation)
    {
        var ann = new System.Text.Json.Nodes.JsonObject { [KubeNames.AnnotationIpv4] = ip, [KubeNames.AnnotationResourceGroup] = rgAnnotation };
        var spec = new System.Text.Json.Nodes.JsonObject
        {
            ["type"] = "LoadBalancer",
            ["ports"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["name"] = KubeNames.PortName, ["protocol"] = "TCP", ["port"] = port, ["targetPort"] = port }),
        };
        if (existing.Spec?.Selector is { Count: > 0 }) spec["selector"] = null;
        if (!string.IsNullOrEmpty(existing.Spec?.LoadBalancerIP)) spec["loadBalancerIP"] = null;   // deprecated field: the annotation decides
        var patch = new System.Text.Json.Nodes.JsonObject
        {
            ["metadata"] = new System.Text.Json.Nodes.JsonObject
            {
                ["labels"] = new System.Text.Json.Nodes.JsonObject { [KubeNames.ManagedByLabel] = KubeNames.ManagedByValue },
                ["annotations"] = ann,
            },
            ["spec"] = spec,
        };
        return patch.ToJsonString();
    }

    public static string? IngressIp(V1Service? svc) =>
        svc?.Status?.LoadBalancer?.Ingress?.Select(i => i.Ip).FirstOrDefault(i => !string.IsNullOrEmpty(i));

    public static bool ShowsIp(V1Service? svc, string ip) =>
        svc?.Status?.LoadBalancer?.Ingress?.Any(i => i.Ip == ip) == true;
}

/// <summary>The egress test pod, hardened for the "restricted" Pod Security Standard. Pure.</summary>
internal static class EgressPodBuilder
{
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static string NewPodName()
    {
        Span<char> s = stackalloc char[5];
        for (var i = 0; i < s.Length; i++) s[i] = Alphabet[Random.Shared.Next(Alphabet.Length)];
        return KubeNames.TestPodPrefix + new string(s);
    }

    /// <summary>
    /// The curl command: with <paramref name="bypassProxy"/> (the default) <c>--noproxy '*'</c> makes curl ignore the
    /// HTTP(S)_PROXY variables AKS injects into pods on an HTTP proxy cluster, so the request leaves through the cluster's own
    /// egress; without it the pod goes the way the cluster's workloads go (through the proxy when one applies).
    /// </summary>
    public static List<string> Command(string checkUri, bool bypassProxy) => bypassProxy
        ? new List<string> { "curl", "-sS", "--max-time", "10", "--noproxy", "*", checkUri }
        : new List<string> { "curl", "-sS", "--max-time", "10", checkUri };

    public static V1Pod Build(string name, string ns, string image, string checkUri, int timeoutSeconds, string? nodeName, bool bypassProxy = true) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string>
            {
                [KubeNames.ManagedByLabel] = KubeNames.ManagedByValue,
                [KubeNames.ComponentLabel] = KubeNames.EgressTestComponent,
            },
        },
        Spec = new V1PodSpec
        {
            RestartPolicy = "Never",
            AutomountServiceAccountToken = false,
            EnableServiceLinks = false,
            ActiveDeadlineSeconds = timeoutSeconds,
            TerminationGracePeriodSeconds = 0,
            NodeName = nodeName,
            NodeSelector = new Dictionary<string, string> { ["kubernetes.io/os"] = "linux" },
            SecurityContext = new V1PodSecurityContext
            {
                RunAsNonRoot = true,
                RunAsUser = 65534,
                RunAsGroup = 65534,
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
            Containers = new List<V1Container>
            {
                new()
                {
                    Name = KubeNames.ContainerName,
                    Image = image,
                    ImagePullPolicy = "IfNotPresent",
                    Command = Command(checkUri, bypassProxy),
                    SecurityContext = new V1SecurityContext
                    {
                        AllowPrivilegeEscalation = false,
                        ReadOnlyRootFilesystem = true,
                        Privileged = false,
                        RunAsNonRoot = true,
                        Capabilities = new V1Capabilities { Drop = new List<string> { "ALL" } },
                    },
                    Resources = new V1ResourceRequirements
                    {
                        Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("10m"), ["memory"] = new("16Mi") },
                        Limits = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("64Mi") },
                    },
                },
            },
        },
    };
}
