using AksEgress.Engine.Kubernetes;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

/// <summary>
/// The text of an AdmissionDenied error depends on what was denied: the egress test pod gets the -Image way out (a Service
/// cannot change its image), a namespace is named when the target has one, and every constraint is listed.
/// </summary>
public class AdmissionDenialWordingTests
{
    private static AdmissionDenial Parse(string message)
    {
        Assert.True(AdmissionDenial.TryParse(message, out var d));
        return d!;
    }

    private const string AzurePolicy = "admission webhook \"validation.gatekeeper.sh\" denied the request: [azurepolicy-allowed-images-1a2b] image not allowed. [azurepolicy-no-privileged-3c4d] privileged";

    [Fact]
    public void The_egress_test_pod_is_told_about_image_and_namespace_a_service_only_about_namespace()
    {
        var d = Parse(AzurePolicy);
        Assert.Equal(new[] { "azurepolicy-allowed-images-1a2b", "azurepolicy-no-privileged-3c4d" }, d.Constraints);
        var (podText, podAction) = AdmissionDenial.Explain(d, "egress/" + KubeNames.TestPodPrefix + "abcde");
        Assert.Contains("denied 'egress/aks-egress-test-abcde'", podText);
        Assert.Contains("Constraints: azurepolicy-allowed-images-1a2b, azurepolicy-no-privileged-3c4d.", podText);
        Assert.Contains("-Image from an allowed registry", podAction);
        Assert.Contains("the namespace 'egress'", podAction);
        Assert.Contains("--safeguards-excluded-ns egress", podAction);
        Assert.Contains("constraint azurepolicy-allowed-images-1a2b", podAction);

        var (_, svcAction) = AdmissionDenial.Explain(d, "egress/aks-egress");
        Assert.DoesNotContain("-Image", svcAction);
        Assert.Contains("use an excluded namespace (-Namespace), or meet the policy", svcAction);
    }

    [Fact]
    public void Without_a_target_the_object_and_the_namespace_stay_unnamed()
    {
        var d = Parse("admission webhook \"validation.gatekeeper.sh\" denied the request: [azurepolicy-x-1] no.");
        var (text, action) = AdmissionDenial.Explain(d, null);
        Assert.Contains("denied the object: [azurepolicy-x-1] no. Constraint: azurepolicy-x-1.", text);
        Assert.Contains("add the namespace to the assignment", action);
        Assert.Contains("--safeguards-excluded-ns <namespace>", action);
        Assert.DoesNotContain("-Image", action);
    }

    [Fact]
    public void A_denial_without_reason_or_constraint_says_so()
    {
        var d = Parse("admission webhook \"deny.example.com\" denied the request");
        Assert.Equal("without explanation", d.Reason);
        Assert.Empty(d.Constraints);
        Assert.False(d.IsGatekeeper);
        var (text, action) = AdmissionDenial.Explain(d, "default/aks-egress");
        Assert.EndsWith("(a validating admission webhook) denied 'default/aks-egress': without explanation.", text);
        Assert.Contains("exempt the namespace 'default'", action);

        var gk = Parse("admission webhook \"check.gatekeeper.sh\" denied the request: nope");
        Assert.True(gk.IsGatekeeper);
        Assert.False(gk.IsAzurePolicy);
        var (gkText, gkAction) = AdmissionDenial.Explain(gk, "default/aks-egress");
        Assert.Contains("(OPA Gatekeeper)", gkText);
        Assert.Contains("Inspect the constraint (kubectl get constraints)", gkAction);   // no constraint named: none to describe
        Assert.False(AdmissionDenial.TryParse(null, out _));
        Assert.False(AdmissionDenial.TryParse("pods \"p\" is forbidden", out _));
    }
}
