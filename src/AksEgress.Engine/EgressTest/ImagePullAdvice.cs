namespace AksEgress.Engine.EgressTest;

/// <summary>
/// What an image pull failure of the egress test pod means. On clusters whose egress is restricted by design
/// (outbound type userDefinedRouting: a firewall; none/block: no internet egress) a failed pull is the egress
/// restriction itself, not a bad image name. Pure.
/// </summary>
internal static class ImagePullAdvice
{
    /// <summary>The registry AKS's required outbound rules allow (and the default image's registry).</summary>
    public const string AllowedRegistry = "mcr.microsoft.com";

    private static readonly string[] NetworkFailures =
    {
        "i/o timeout", "connection reset", "connection refused", "no route to host", "network is unreachable",
        "tls handshake timeout", "context deadline exceeded", "proxyconnect", "403 forbidden",
    };

    /// <summary>The registry host of an image reference (Docker Hub's registry-1.docker.io when none is given, as containerd resolves it).</summary>
    public static string Registry(string image)
    {
        var first = image.Split('/')[0];
        var hasRegistry = image.Contains('/') && (first.Contains('.') || first.Contains(':') || first == "localhost");
        return hasRegistry ? first.ToLowerInvariant() : "registry-1.docker.io";
    }

    public static bool IsRestrictedOutboundType(string? outboundType) =>
        EgressClassifier.Classify(null, outboundType) is EgressDecider.UserDefinedRouting or EgressDecider.None or EgressDecider.Block;

    public static bool LooksLikeNetworkFailure(string? message) =>
        message is not null && NetworkFailures.Any(f => message.Contains(f, StringComparison.OrdinalIgnoreCase));

    /// <summary>The sentence appended to the error message (null when nothing points at egress) and the recommended action.</summary>
    public static (string? Cause, string Action) Explain(string image, string? waitingMessage, string? outboundType)
    {
        var registry = Registry(image);
        var restricted = IsRestrictedOutboundType(outboundType);
        var network = LooksLikeNetworkFailure(waitingMessage);
        if (restricted)
        {
            var udr = EgressClassifier.Classify(null, outboundType) == EgressDecider.UserDefinedRouting;
            var how = udr
                ? "egress leaves through your firewall or virtual appliance (userDefinedRouting)"
                : $"the cluster has no internet egress (outbound type {outboundType})";
            var cause = $"Egress is restricted on this cluster: {how}, so the node cannot reach the registry {registry}.";
            var action = udr
                ? $"Allow {registry} in the firewall, or use an image from {AllowedRegistry} (AKS's required outbound rules allow {AllowedRegistry} and *.data.mcr.microsoft.com; the default -Image is there), or import the image into an attached ACR (az acr import; az aks update --attach-acr)."
                : $"Use the default -Image (from {AllowedRegistry}, which AKS mirrors for network-isolated clusters) or import the image into an ACR the cluster reaches over a private endpoint (az acr import; az aks update --attach-acr).";
            return (cause, action);
        }
        if (network)
            return ($"The node could not reach the registry {registry} (a network error, not a missing image): egress to it is probably blocked by a firewall, proxy or network security group.",
                $"Allow {registry} on the egress path, or use an image from {AllowedRegistry} (the default -Image; AKS's required outbound rules allow it), or an attached ACR (az aks update --attach-acr).");
        return (null, $"Pass -Image with an image that has curl and that the nodes can pull (the default is {TestEgressIpRequest.DefaultImage}); private registries need an attached ACR (az aks update --attach-acr) or a mirror.");
    }
}
