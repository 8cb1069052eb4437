using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Identity;
using Azure.ResourceManager;
using Azure.ResourceManager.Resources;
using Azure.ResourceManager.Resources.Models;
using Xunit;
using static AksEgress.Emulator.Tests.TestUtil;

namespace AksEgress.Emulator.Tests;

[Collection("environment")]
public class EmulatorManagedIdentityTests
{
    [Fact]
    public async Task ManagedIdentityCredential_gets_tokens_from_the_app_service_endpoint()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        var oldEp = Environment.GetEnvironmentVariable("IDENTITY_ENDPOINT");
        var oldHdr = Environment.GetEnvironmentVariable("IDENTITY_HEADER");
        Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", emu.ManagedIdentityEndpoint.ToString());
        Environment.SetEnvironmentVariable("IDENTITY_HEADER", emu.ManagedIdentityHeader);
        try
        {
            var cred = new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned);
            var token = await cred.GetTokenAsync(new TokenRequestContext(new[] { "https://management.azure.com//.default" }));
            Assert.False(string.IsNullOrEmpty(token.Token));
            Assert.True(token.ExpiresOn > DateTimeOffset.UtcNow.AddMinutes(30));
            Assert.Contains(emu.Requests.Entries, e => e.Target == "msi" && e.Status == 200 && e.HeaderNames.Contains("X-IDENTITY-HEADER", StringComparer.OrdinalIgnoreCase));

            // the MI token works against ARM ...
            var arm = ArmSdkTests.Client(emu, cred);
            var r = await arm.GetGenericResource(new ResourceIdentifier($"/subscriptions/{emu.SubscriptionId}/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/aad")).GetAsync();
            Assert.Equal("aad", r.Value.Data.Name);

            // ... and an Entra token for the AKS server app works against the aad cluster
            var aksToken = await cred.GetTokenAsync(new TokenRequestContext(new[] { "6dae42f8-4368-4678-94ff-3960e28e3630/.default" }));
            using var http = new HttpClient(Handler(emu)) { BaseAddress = emu.GetKubernetesEndpoint("aad") };
            http.DefaultRequestHeaders.Authorization = new("Bearer", aksToken.Token);
            Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/api/v1/namespaces/default/pods")).StatusCode);
            http.DefaultRequestHeaders.Authorization = new("Bearer", token.Token);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.GetAsync("/api/v1/namespaces/default/pods")).StatusCode);
        }
        finally
        {
            Environment.SetEnvironmentVariable("IDENTITY_ENDPOINT", oldEp);
            Environment.SetEnvironmentVariable("IDENTITY_HEADER", oldHdr);
        }
    }

    [Fact]
    public async Task Msi_endpoint_rejects_a_wrong_header()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = new HttpClient();
        var req = new HttpRequestMessage(HttpMethod.Get, emu.ManagedIdentityEndpoint + "?resource=https://management.azure.com/&api-version=2019-08-01");
        req.Headers.Add("X-IDENTITY-HEADER", "wrong");
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, (await http.SendAsync(req)).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, (await http.GetAsync(emu.ManagedIdentityEndpoint + "?resource=x")).StatusCode);
    }
}
