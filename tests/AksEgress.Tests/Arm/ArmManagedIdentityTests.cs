using AksEgress.Emulator;
using AksEgress.Engine;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>Connect-AksEgress -Identity against the emulator's App Service style managed identity endpoint (sets process environment variables).</summary>
[Collection("process-environment")]
public class ArmManagedIdentityTests
{
    [Fact]
    public async Task Managed_identity_tokens_are_used_for_arm_and_for_the_aks_server_app()
    {
        await using var emu = await AksEmulator.StartAsync(new EmulatorOptions());
        using var identity = EnvironmentOverride.ManagedIdentity(emu);
        var engine = new AksEgressEngine();
        var conn = await engine.ConnectAsync(new ConnectRequest
        { Identity = true, ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath, SubscriptionId = emu.SubscriptionId }, new NullOperationContext());
        Assert.Equal("ManagedIdentity", conn.AuthenticationMethod);
        var c = await engine.GetClusterAsync(new ClusterRef(null, "demo-rg", "aad"), new NullOperationContext());
        Assert.Equal("aad", c.ClusterName);
        var aks = await engine.GetAksAadTokenAsync(new NullOperationContext());
        Assert.False(string.IsNullOrEmpty(aks));
        var msi = emu.Requests.Entries.Where(e => e.Target == "msi").Select(e => Uri.UnescapeDataString(e.PathAndQuery)).ToArray();
        Assert.Contains(msi, q => q.Contains("6dae42f8-4368-4678-94ff-3960e28e3630"));
        Assert.Contains(msi, q => q.Contains("management.azure.com"));
    }
}
