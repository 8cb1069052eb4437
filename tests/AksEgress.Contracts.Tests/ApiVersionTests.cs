using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using AksEgress.Emulator;
using Xunit;

namespace AksEgress.Contracts.Tests;

/// <summary>The emulator accepts exactly the api-versions the spec set defines, and refuses others as ARM does.</summary>
public sealed class ApiVersionTests
{
    private static HttpClient Client(AksEmulator emu)
    {
        var handler = new HttpClientHandler();
        var ca = emu.CaCertificate;
        handler.ServerCertificateCustomValidationCallback = (_, cert, _, _) =>
        {
            // Verify the chain against the emulator's own CA (custom root trust); validation is never skipped.
            using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
            chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
            return cert is not null && chain.Build(cert);
        };
        var http = new HttpClient(handler) { BaseAddress = emu.ArmEndpoint };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", emu.AccessToken);
        return http;
    }

    [Fact]
    public void The_emulator_table_is_the_spec_sets()
    {
        foreach (var (type, versions) in ArmVersions())
            Assert.Equal(SpecSet.Instance.ApiVersionsByType[type].ToArray(), versions);
    }

    private static IReadOnlyDictionary<string, string[]> ArmVersions()
    {
        var field = typeof(AksEmulator).Assembly.GetType("AksEgress.Emulator.ArmApi")!.GetField("SpecApiVersions",
            System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!;
        return (IReadOnlyDictionary<string, string[]>)field.GetValue(null)!;
    }

    [Theory]
    [InlineData("resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/standard-lb", "2024-09-01", "managedClusters", "2025-10-01")]
    [InlineData("resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/standard-lb", "2025-08-01", "managedClusters", "2025-10-01")]
    [InlineData("providers/Microsoft.Network/publicIPAddresses", "2024-05-01", "publicIPAddresses", "2025-07-01")]
    public async Task An_api_version_outside_the_spec_set_gets_NoRegisteredProviderFound(string path, string version, string type, string supported)
    {
        await using var emu = await AksEmulator.StartAsync();
        using var http = Client(emu);
        var ok = await http.GetAsync($"subscriptions/{emu.SubscriptionId}/{path}?api-version={supported}");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        var bad = await http.GetAsync($"subscriptions/{emu.SubscriptionId}/{path}?api-version={version}");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var error = JsonNode.Parse(await bad.Content.ReadAsStringAsync())!["error"]!;
        Assert.Equal("NoRegisteredProviderFound", error["code"]!.GetValue<string>());
        Assert.Equal($"No registered resource provider found for location 'eastus' and API version '{version}' for type '{type}'. " +
                     $"The supported api-versions are '{supported}'. The supported locations are 'eastus'.", error["message"]!.GetValue<string>());
        var missing = await http.GetAsync($"subscriptions/{emu.SubscriptionId}/{path}");
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("MissingApiVersionParameter", JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["error"]!["code"]!.GetValue<string>());
    }
}
