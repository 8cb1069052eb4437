using System.Text.RegularExpressions;

namespace AksEgress.Engine.Kubernetes;

/// <summary>
/// A validating admission webhook's denial, as the API server words it:
/// <c>admission webhook "&lt;webhook&gt;" denied the request: &lt;the webhook's message&gt;</c> (HTTP 400, or the webhook's
/// own code: Gatekeeper, and so Azure Policy for Kubernetes and AKS Deployment Safeguards, answer 403). Gatekeeper prefixes
/// each violation with its constraint name in brackets: <c>[azurepolicy-k8sazurev2containerallowedimages-0a1b] Container ...</c>.
/// Such a denial is a policy decision about the object, never a lack of the caller's RBAC rights. Pure.
/// </summary>
internal sealed partial record AdmissionDenial(string Webhook, string Reason, IReadOnlyList<string> Constraints)
{
    [GeneratedRegex(@"admission webhook ""(?<hook>[^""]+)"" denied the request(?:: (?<why>.*))?", RegexOptions.Singleline)]
    private static partial Regex DeniedRegex();

    [GeneratedRegex(@"\[(?<c>[A-Za-z0-9][A-Za-z0-9.\-]*)\]")]
    private static partial Regex ConstraintRegex();

    public static bool TryParse(string? message, out AdmissionDenial? denial)
    {
        denial = null;
        if (message is null) return false;
        var m = DeniedRegex().Match(message);
        if (!m.Success) return false;
        var why = m.Groups["why"].Success ? m.Groups["why"].Value.Trim() : "without explanation";
        var constraints = ConstraintRegex().Matches(why).Select(x => x.Groups["c"].Value).Distinct().ToList();
        denial = new AdmissionDenial(m.Groups["hook"].Value, why, constraints);
        return true;
    }

    /// <summary>Gatekeeper's webhooks: validation.gatekeeper.sh (and the mutation/check variants); Azure Policy and Deployment Safeguards run on it.</summary>
    public bool IsGatekeeper => Webhook.EndsWith("gatekeeper.sh", StringComparison.OrdinalIgnoreCase);

    /// <summary>Azure Policy for Kubernetes names its constraints azurepolicy-&lt;policy&gt;-&lt;hash&gt;.</summary>
    public bool IsAzurePolicy => Constraints.Any(c => c.StartsWith("azurepolicy-", StringComparison.OrdinalIgnoreCase));

    /// <summary>The error message and the recommended action. <paramref name="target"/> is "namespace/name" when known.</summary>
    public static (string Text, string Action) Explain(AdmissionDenial d, string? target)
    {
        var ns = target is not null && target.Contains('/') ? target[..target.IndexOf('/')] : null;
        var nsText = ns is null ? "the namespace" : $"the namespace '{ns}'";
        // The egress test pod can change its image; a Service cannot (advice names only the raising cmdlet's parameters).
        var testPod = target is not null && target[(target.IndexOf('/') + 1)..].StartsWith(KubeNames.TestPodPrefix, StringComparison.Ordinal);
        var who = d.IsAzurePolicy ? "Azure Policy for Kubernetes (Gatekeeper; AKS Deployment Safeguards use the same policies)"
            : d.IsGatekeeper ? "OPA Gatekeeper"
            : "a validating admission webhook";
        var constraintText = d.Constraints.Count == 0 ? "" : $" Constraint{(d.Constraints.Count == 1 ? "" : "s")}: {string.Join(", ", d.Constraints)}.";
        var text = $"The admission webhook \"{d.Webhook}\" ({who}) denied {(target is null ? "the object" : "'" + target + "'")}: {d.Reason.TrimEnd('.')}.{constraintText}";
        string action;
        if (d.IsAzurePolicy)
            action = $"This is a policy decision, not missing RBAC rights. Find the assignment behind {(d.Constraints.Count > 0 ? "constraint " + d.Constraints[0] : "the constraint")} (kubectl get constraints; Azure Policy compliance for the cluster) and either add {nsText} to the assignment's namespace exclusions (Deployment Safeguards: az aks update --safeguards-excluded-ns {ns ?? "<namespace>"}), {(testPod ? TestPodWayOut : "use an excluded namespace (-Namespace), or meet the policy")}.";
        else if (d.IsGatekeeper)
            action = $"This is a policy decision, not missing RBAC rights. Inspect the constraint (kubectl get constraints{(d.Constraints.Count > 0 ? "; kubectl describe constraint " + d.Constraints[0] : "")}) and either add {nsText} to its spec.match.excludedNamespaces (or Gatekeeper's Config exemptions), use another -Namespace, or meet the policy.";
        else
            action = $"This is a policy decision, not missing RBAC rights. Ask the owner of the webhook \"{d.Webhook}\" (kubectl get validatingwebhookconfigurations) to exempt {nsText} (its namespaceSelector) or adjust the rule, or use another -Namespace.";
        return (text, action);
    }

    // ---- raised by: Test-AksEgressIp
    /// <summary>The way out of an Azure Policy denial that only the egress test pod has (it can change its image).</summary>
    private const string TestPodWayOut = "run the test in an excluded namespace (-Namespace), or meet the policy (e.g. -Image from an allowed registry)";
}
