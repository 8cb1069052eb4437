using System.Net;
using System.Text.Json.Nodes;
using Xunit;
using static AksEgress.Emulator.Tests.TestUtil;

namespace AksEgress.Emulator.Tests;

public class EmulatorLifecycleTests
{
    [Fact]
    public async Task Start_writes_state_files_and_stop_closes_ports()
    {
        using var dir = new TempFolder();
        var emu = await AksEmulator.StartAsync(new EmulatorOptions { StateDir = dir });
        var conn = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "connection.json")))!.AsObject();
        foreach (var key in new[] { "armEndpoint", "caCertificatePath", "accessToken", "subscriptionId", "managedIdentityEndpoint", "managedIdentityHeader", "clusters" })
            Assert.True(conn.ContainsKey(key), key);
        Assert.Equal(emu.ArmEndpoint.ToString(), conn["armEndpoint"]!.GetValue<string>());
        Assert.Equal("00000000-0000-0000-0000-000000000000", conn["subscriptionId"]!.GetValue<string>());
        Assert.True(File.Exists(emu.CaCertificatePath));
        Assert.StartsWith("-----BEGIN CERTIFICATE-----", await File.ReadAllTextAsync(emu.CaCertificatePath));
        var clusters = conn["clusters"]!.AsObject();
        foreach (var n in new[] { "legacy-basic", "standard-lb", "natgw", "udr", "locked", "aad" })
        {
            var c = clusters[n]!;
            Assert.Equal("demo-rg", c["resourceGroupName"]!.GetValue<string>());
            Assert.True(File.Exists(c["kubeconfigPath"]!.GetValue<string>()));
            Assert.StartsWith("https://127.0.0.1:", c["kubernetesEndpoint"]!.GetValue<string>());
        }
        using (var http = Arm(emu))
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(ClusterPath(emu, "natgw") + "?api-version=2025-10-01")).StatusCode);
        await emu.DisposeAsync();
        using var http2 = Arm(emu);
        await Assert.ThrowsAsync<HttpRequestException>(() => http2.GetAsync(ClusterPath(emu, "natgw") + "?api-version=2025-10-01"));
    }

    [Fact]
    public async Task Server_certificate_is_rejected_without_the_emulator_ca()
    {
        await using var emu = await AksEmulator.StartAsync(Fast());
        using var http = new HttpClient { BaseAddress = emu.ArmEndpoint };
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync("subscriptions"));
    }
}
