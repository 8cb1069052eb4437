using AksEgress.Engine.Arm;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>The cloud table the engine owns (it replaced Azure.ResourceManager's ArmEnvironment): each -Environment name
/// resolves to the ARM endpoint, token audience and Entra authority that ArmEnvironment and AzureAuthorityHosts gave.</summary>
public class ArmCloudTests
{
    [Theory]
    [InlineData("AzureCloud", "https://management.azure.com/", "https://management.azure.com/", "https://login.microsoftonline.com/")]
    [InlineData(null, "https://management.azure.com/", "https://management.azure.com/", "https://login.microsoftonline.com/")]
    [InlineData("azurepubliccloud", "https://management.azure.com/", "https://management.azure.com/", "https://login.microsoftonline.com/")]
    [InlineData("AzureChinaCloud", "https://management.chinacloudapi.cn/", "https://management.chinacloudapi.cn", "https://login.chinacloudapi.cn/")]
    [InlineData("AzureUSGovernment", "https://management.usgovcloudapi.net/", "https://management.usgovcloudapi.net", "https://login.microsoftonline.us/")]
    public void Each_cloud_has_its_endpoint_audience_and_authority(string? name, string endpoint, string audience, string authority)
    {
        var cloud = ArmSessionFactory.ResolveEnvironment(name);
        Assert.Equal(new Uri(endpoint), cloud.Endpoint);
        Assert.Equal(audience, cloud.Audience);
        Assert.Equal(new Uri(authority), cloud.AuthorityHost);
        Assert.Equal(audience.TrimEnd('/') + "/.default", ArmSessionFactory.ScopeFor(cloud.Audience));
    }

    [Fact]
    public void An_unknown_cloud_name_is_refused_before_any_request()
    {
        var e = Assert.Throws<AksEgressException>(() => ArmSessionFactory.ResolveEnvironment("AzureGermanCloud"));
        Assert.Equal(ErrorIds.InvalidEnvironment, e.ErrorId);
    }
}
