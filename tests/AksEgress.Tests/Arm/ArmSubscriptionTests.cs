using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>Connect-AksEgress without -SubscriptionId: AZURE_SUBSCRIPTION_ID, then the subscriptions list (sets a process environment variable).</summary>
[Collection("process-environment")]
public class ArmSubscriptionTests
{
    private static EnvironmentOverride SubscriptionVariable(string? value) => new(("AZURE_SUBSCRIPTION_ID", value));

    [Fact]
    public async Task Connect_without_subscription_asks_for_one_when_the_endpoint_cannot_list()
    {
        await using var emu = await AksEmulator.StartAsync(new EmulatorOptions());
        var engine = new AksEgressEngine();
        using var _ = SubscriptionVariable(null);
        var e = await Assert.ThrowsAsync<AksEgressException>(() => engine.ConnectAsync(new ConnectRequest
        { AccessToken = emu.AccessToken, ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath }, new NullOperationContext()));
        Assert.Equal(ErrorIds.SubscriptionNotDetermined, e.ErrorId);
        Assert.Contains("-SubscriptionId", e.RecommendedAction);
        Assert.Null(engine.Connection);
    }

    [Fact]
    public async Task Connect_without_subscription_takes_the_only_one_listed()
    {
        await using var emu = await AksEmulator.StartAsync(new EmulatorOptions());
        using var _ = SubscriptionVariable(null);
        emu.Faults.Add(new FaultRule { Method = "GET", PathRegex = @"^/subscriptions\?", Status = 200, Count = 1,
            Body = $$"""{"value":[{"id":"/subscriptions/{{emu.SubscriptionId}}","subscriptionId":"{{emu.SubscriptionId}}","displayName":"x","state":"Enabled"}]}""" });
        var engine = new AksEgressEngine();
        var conn = await engine.ConnectAsync(new ConnectRequest { AccessToken = emu.AccessToken, ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath }, new NullOperationContext());
        Assert.Equal(emu.SubscriptionId, conn.SubscriptionId);
        Assert.Contains(emu.Requests.Entries, e => e.PathAndQuery == "/subscriptions?api-version=2022-12-01");
        Assert.Equal("standard-lb", (await engine.GetClusterAsync(new ClusterRef(null, "demo-rg", "standard-lb"), new NullOperationContext())).ClusterName);

        emu.Faults.Add(new FaultRule { Method = "GET", PathRegex = @"^/subscriptions\?", Status = 200, Count = 1,
            Body = """{"value":[{"subscriptionId":"11111111-1111-1111-1111-111111111111"},{"subscriptionId":"22222222-2222-2222-2222-222222222222"}]}""" });
        var two = await Assert.ThrowsAsync<AksEgressException>(() => new AksEgressEngine().ConnectAsync(new ConnectRequest
        { AccessToken = emu.AccessToken, ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath }, new NullOperationContext()));
        Assert.Equal(ErrorIds.SubscriptionNotDetermined, two.ErrorId);
        Assert.Contains("2 subscriptions", two.Message);
    }

    [Fact]
    public async Task Connect_without_subscription_uses_AZURE_SUBSCRIPTION_ID_and_rejects_a_malformed_one()
    {
        await using var emu = await AksEmulator.StartAsync(new EmulatorOptions());
        using (SubscriptionVariable(emu.SubscriptionId))
        {
            var engine = new AksEgressEngine();
            var conn = await engine.ConnectAsync(new ConnectRequest { AccessToken = emu.AccessToken, ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath }, new NullOperationContext());
            Assert.Equal(emu.SubscriptionId, conn.SubscriptionId);
            Assert.DoesNotContain(emu.Requests.Entries, e => e.PathAndQuery.StartsWith("/subscriptions?", StringComparison.Ordinal));
        }
        using (SubscriptionVariable("not-a-guid"))
        {
            var e = await Assert.ThrowsAsync<AksEgressException>(() => new AksEgressEngine().ConnectAsync(new ConnectRequest
            { AccessToken = emu.AccessToken, ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath }, new NullOperationContext()));
            Assert.Equal(ErrorIds.InvalidSubscriptionId, e.ErrorId);
            Assert.Contains("AZURE_SUBSCRIPTION_ID", e.Message);
            Assert.Empty(emu.Requests.Entries);   // refused before any request
        }
    }
}
