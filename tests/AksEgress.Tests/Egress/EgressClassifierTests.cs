using AksEgress.Engine.EgressConfig;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Egress;

/// <summary>The one answer to "what decides egress": every outbound type with every load balancer SKU, any casing.</summary>
public class EgressClassifierTests
{
    public static TheoryData<string, string, EgressDecider> Combinations()
    {
        var outbound = new (string Type, EgressDecider Standard)[]
        {
            ("loadBalancer", EgressDecider.LoadBalancerOutboundRule),
            ("managedNATGateway", EgressDecider.NatGateway),
            ("managedNATGatewayV2", EgressDecider.NatGateway),
            ("userAssignedNATGateway", EgressDecider.NatGateway),
            ("userDefinedRouting", EgressDecider.UserDefinedRouting),
            ("none", EgressDecider.None),
            ("block", EgressDecider.Block),
            ("Unknown", EgressDecider.Unknown),          // what the parser reports without a network profile
            ("someFutureType", EgressDecider.Unknown),
            ("notANATGatewayAtAll", EgressDecider.Unknown), // no substring matching
            ("", EgressDecider.Unknown),
        };
        var data = new TheoryData<string, string, EgressDecider>();
        foreach (var (type, standard) in outbound)
            foreach (var casing in new[] { type, type.ToUpperInvariant(), type.ToLowerInvariant() }.Distinct())
            {
                data.Add("Standard", casing, standard);
                data.Add("standard", casing, standard);
                data.Add("Unknown", casing, standard);
                // A Basic load balancer has no outbound rules: its first frontend decides, whatever the outbound type says.
                data.Add("Basic", casing, EgressDecider.BasicLoadBalancerFrontend);
                data.Add("BASIC", casing, EgressDecider.BasicLoadBalancerFrontend);
            }
        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void Classifies_every_outbound_type_and_sku(string sku, string outboundType, EgressDecider expected)
    {
        Assert.Equal(expected, EgressClassifier.Classify(sku, outboundType));
        Assert.Equal(expected, new AksNodeResourceGroup { LoadBalancerSku = sku, OutboundType = outboundType }.EgressDecidedBy);
    }

    [Theory]
    [InlineData("block", "blocks internet egress", null)]
    [InlineData("BLOCK", "blocks internet egress", null)]
    [InlineData("none", "provides no internet egress", null)]
    [InlineData("None", "provides no internet egress", null)]
    [InlineData("UserDefinedRouting", "firewall", null)]
    [InlineData("MANAGEDNATGATEWAY", "NAT gateway", "Set-AksOutboundIp")]
    [InlineData("userAssignedNATGateway", "NAT gateway", "Set-AksNatGatewayIp")]
    [InlineData("managedNATGatewayV2", "NAT gateway", null)]
    public void Service_note_and_configuration_explanation_agree_with_the_classifier(string outboundType, string noteText, string? pinWith)
    {
        var info = new AksNodeResourceGroup { ClusterName = "c", LoadBalancerSku = "Standard", OutboundType = outboundType };
        var (decides, _, note) = EgressTexts.ServiceNote(info, "default/aks-egress", "203.0.113.7");
        Assert.False(decides);
        Assert.Contains(noteText, note);
        Assert.DoesNotContain("pin them with Set-AksOutboundIp", note);   // the load balancer's text was the fallback before
        var explanation = EgressTexts.Explanation(info.EgressDecidedBy, outboundType, null, hasNetworkProfile: true);
        Assert.DoesNotContain("Unknown outbound type", explanation);
        Assert.Equal(pinWith, EgressTexts.PinWith(info.EgressDecidedBy, info.LoadBalancerSku, outboundType));
    }

    [Fact]
    public void Unknown_outbound_type_is_not_passed_off_as_a_load_balancer()
    {
        var info = new AksNodeResourceGroup { ClusterName = "c", LoadBalancerSku = "Standard", OutboundType = "someFutureType" };
        Assert.Equal(EgressDecider.Unknown, info.EgressDecidedBy);
        Assert.Contains("cannot tell", EgressTexts.ServiceNote(info, "d/a", "203.0.113.7").Note);
        Assert.Contains("Unknown outbound type 'someFutureType'", EgressTexts.Explanation(EgressDecider.Unknown, "someFutureType", null, true));
        Assert.Contains("no network profile", EgressTexts.Explanation(EgressDecider.Unknown, "Unknown", null, false));
    }
}
