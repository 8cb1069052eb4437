using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

public class ArmConnectTests
{
    [Fact]
    public async Task Reset_connections_are_retried_then_reported_as_unreachable()
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "managedClusters/standard-lb", ResetConnection = true, Count = 1 });
        Assert.Equal("standard-lb", (await f.Engine.GetClusterAsync(f.Cluster("standard-lb"), new NullOperationContext())).ClusterName);
        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "managedClusters/udr", ResetConnection = true, Count = -1 });
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.GetClusterAsync(f.Cluster("udr"), new NullOperationContext()));
        Assert.Equal(ErrorIds.EndpointUnreachable, e.ErrorId);
        Assert.Equal(4, f.Arm.Count(r => r.PathAndQuery.Contains("managedClusters/udr")));
    }

    [Fact]
    public async Task Connection_holds_no_secret_and_debug_output_is_redacted()
    {
        await using var emu = await AksEmulator.StartAsync(new EmulatorOptions());
        var engine = new AksEgressEngine();
        var conn = await engine.ConnectAsync(new ConnectRequest
        { AccessToken = emu.AccessToken, ArmEndpoint = emu.ArmEndpoint, CaCertificatePath = emu.CaCertificatePath, SubscriptionId = emu.SubscriptionId }, new NullOperationContext());
        Assert.Equal("AccessToken", conn.AuthenticationMethod);
        Assert.Equal(emu.ArmEndpoint, conn.ArmEndpoint);
        Assert.Same(conn, engine.Connection);
        Assert.DoesNotContain(emu.AccessToken, System.Text.Json.JsonSerializer.Serialize(conn));
        var ctx = new RecordingContext();
        var yaml = await engine.GetClusterKubeconfigAsync(new ClusterRef(null, "demo-rg", "standard-lb"), admin: false, ctx);
        Assert.Contains("clusters:", yaml);
        Assert.Contains(ctx.Debug, d => d.Contains("POST") && d.Contains("listClusterUserCredential"));
        Assert.Contains(ctx.Debug, d => d.Contains("Authorization: " + Redaction.Mask));
        Assert.Contains(ctx.Debug, d => d.Contains("credential response, not logged"));
        Assert.All(ctx.Debug, d => Assert.DoesNotContain(emu.AccessToken, d));
        Assert.All(ctx.Debug, d => Assert.DoesNotContain("clusters:", d));
        engine.Disconnect();
        Assert.Null(engine.Connection);
    }

    [Fact]
    public async Task Untrusted_certificate_is_a_tls_error_naming_the_ca_parameter()
    {
        await using var emu = await AksEmulator.StartAsync(new EmulatorOptions());
        var engine = new AksEgressEngine();
        await engine.ConnectAsync(new ConnectRequest { AccessToken = emu.AccessToken, ArmEndpoint = emu.ArmEndpoint, SubscriptionId = emu.SubscriptionId }, new NullOperationContext());
        var e = await Assert.ThrowsAsync<AksEgressException>(() => engine.GetClusterAsync(new ClusterRef(null, "demo-rg", "standard-lb"), new NullOperationContext()));
        Assert.Equal(ErrorIds.TlsValidationFailed, e.ErrorId);
        Assert.Contains("-CaCertificatePath", e.RecommendedAction);
        Assert.Empty(emu.Requests.Entries);
    }

    [Fact]
    public async Task Wrong_host_name_is_rejected_even_with_the_right_ca()
    {
        await using var emu = await AksEmulator.StartAsync(new EmulatorOptions());
        var engine = new AksEgressEngine();
        // the certificate is for 127.0.0.1/localhost; this machine's own name also resolves to 127.0.0.1 here but is not in it
        var host = System.Net.Dns.GetHostName();
        var addrs = await System.Net.Dns.GetHostAddressesAsync(host);
        Assert.True(addrs.Any(System.Net.IPAddress.IsLoopback) && !host.Equals("localhost", StringComparison.OrdinalIgnoreCase),
            $"test needs a host name other than localhost that resolves to 127.0.0.1 ({host})");
        var ep = new UriBuilder(emu.ArmEndpoint) { Host = host }.Uri;
        await engine.ConnectAsync(new ConnectRequest { AccessToken = emu.AccessToken, ArmEndpoint = ep, CaCertificatePath = emu.CaCertificatePath, SubscriptionId = emu.SubscriptionId }, new NullOperationContext());
        var e = await Assert.ThrowsAsync<AksEgressException>(() => engine.GetClusterAsync(new ClusterRef(null, "demo-rg", "standard-lb"), new NullOperationContext()));
        Assert.Equal(ErrorIds.TlsValidationFailed, e.ErrorId);
    }

    [Fact]
    public async Task Throttling_is_retried_then_reported()
    {
        await using var f = await ConnectedEngine.StartAsync();
        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "managedClusters/standard-lb", Status = 429, Count = 1, Headers = new() { ["Retry-After"] = "0" } });
        var c = await f.Engine.GetClusterAsync(f.Cluster("standard-lb"), new NullOperationContext());
        Assert.Equal("standard-lb", c.ClusterName);
        Assert.Equal(2, f.Arm.Count);
        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathContains = "managedClusters/udr", Status = 429, Count = -1, Headers = new() { ["Retry-After"] = "0" },
            Body = """{"error":{"code":"SubscriptionRequestsThrottled","message":"Number of 'read' requests for subscription exceeded."}}""" });
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.GetClusterAsync(f.Cluster("udr"), new NullOperationContext()));
        Assert.Equal(ErrorIds.ArmThrottled, e.ErrorId);
        Assert.Equal(429, e.HttpStatus);
    }

    [Fact]
    public async Task Unreachable_endpoint_is_reported_after_retries()
    {
        var engine = new AksEgressEngine();
        var ca = Path.GetTempFileName();
        await using (var emu = await AksEmulator.StartAsync(new EmulatorOptions())) File.Copy(emu.CaCertificatePath, ca, true);
        await engine.ConnectAsync(new ConnectRequest { AccessToken = "x-token-123456", ArmEndpoint = new Uri("https://127.0.0.1:1/"), CaCertificatePath = ca, SubscriptionId = "00000000-0000-0000-0000-000000000000" }, new NullOperationContext());
        var e = await Assert.ThrowsAsync<AksEgressException>(() => engine.GetClusterAsync(new ClusterRef(null, "demo-rg", "x"), new NullOperationContext()));
        Assert.Equal(ErrorIds.EndpointUnreachable, e.ErrorId);
        Assert.Equal(EgressErrorCategory.ConnectionError, e.Category);
        File.Delete(ca);
    }
}
