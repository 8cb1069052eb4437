using AksEgress.Emulator;
using AksEgress.Engine;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>Connect-AksEgress with no credential parameter: DefaultAzureCredential, which finds the App Service style managed
/// identity (IDENTITY_ENDPOINT / IDENTITY_HEADER) as in Azure Automation and App Service (sets process environment variables).</summary>
[Collection("process-environment")]
public class ArmDefaultCredentialTests
{
    [Fact]
    public async Task DefaultAzureCredential_finds_the_managed_identity_and_its_token_reaches_arm()
    {
        await using var emu = await AksEmulator.StartAsync(new EmulatorOptions());
        using var identity = EnvironmentOverride.ManagedIdentity(emu);
        var engine = new AksEgressEngine();
        // a fresh client id: Azure.Identity caches managed identity tokens process-wide, and another test's emulator issued the cached one
        var clientId = Guid.NewGuid().ToString();
        var conn = await engine.ConnectAsync(new ConnectRequest { ClientId = clientId, ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath, SubscriptionId = emu.SubscriptionId }, new NullOperationContext());
        Assert.Equal("DefaultAzureCredential", conn.AuthenticationMethod);
        var c = await engine.GetClusterAsync(new ClusterRef(null, "demo-rg", "standard-lb"), new NullOperationContext());
        Assert.Equal("standard-lb", c.ClusterName);
        var msi = emu.Requests.Entries.Where(e => e.Target == "msi").Select(e => Uri.UnescapeDataString(e.PathAndQuery)).ToArray();
        Assert.Contains(msi, q => q.Contains("management.azure.com") && q.Contains(clientId));
        Assert.Contains(emu.Requests.Entries, e => e.Target == "arm" && e.Status == 200 && e.PathAndQuery.Contains("managedClusters/standard-lb"));
    }
}
