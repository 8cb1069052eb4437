using System.Text.Json.Nodes;
using AksEgress.Engine;
using AksEgress.Engine.Arm;
using AksEgress.Engine.OutboundIps;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>Set-AksOutboundIp's read-modify-write: If-Match with the GET's eTag, re-read and re-apply on 412, read-only fields stripped.</summary>
public class OutboundIpConcurrencyTests
{
    private static void ScalePool(JsonObject cluster, int count) =>
        cluster["properties"]!["agentPoolProfiles"]![0]!["count"] = count;

    [Fact]
    public async Task A_change_made_between_our_read_and_our_update_is_preserved()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "pinned", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        Assert.NotNull(ip);
        f.Emu.Requests.Clear();
        var ctx = new ChangeWhileConfirming(() => f.Emu.World.ChangeCluster("standard-lb", c => ScalePool(c, 7)));

        var r = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id } }, ctx);
        Assert.NotNull(r);

        Assert.Equal("Updated", r.Action);
        var cluster = f.Emu.World.GetCluster("standard-lb")!;
        Assert.Equal(7, cluster["properties"]!["agentPoolProfiles"]![0]!["count"]!.GetValue<int>());   // the other client's scale survived
        Assert.Equal(ip.Id, cluster["properties"]!["networkProfile"]!["loadBalancerProfile"]!["outboundIPs"]!["publicIPs"]![0]!["id"]!.GetValue<string>(), ignoreCase: true);
        Assert.Equal(new[] { ip.IpAddress! }, f.Emu.World.GetExpectedEgressAddresses("standard-lb").ToArray());
        // first PUT refused with 412, re-read, second PUT accepted; confirmation asked once
        var puts = f.Arm.Where(e => e.Method == "PUT").ToArray();
        Assert.Equal(new[] { 412, 200 }, puts.Select(p => p.Status).ToArray());
        Assert.All(puts, p => Assert.Contains("If-Match", p.HeaderNames, StringComparer.OrdinalIgnoreCase));
        Assert.Single(ctx.Inner.ShouldProcessCalls);
        Assert.Contains(ctx.Inner.Verbose, v => v.Contains("412 PreconditionFailed"));
    }

    [Fact]
    public async Task A_cluster_that_keeps_changing_gives_up_after_three_attempts_and_changes_nothing()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "pinned", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        Assert.NotNull(ip);
        var n = 3;
        var inner = new RetouchingContext(new RecordingContext(), () => f.Emu.World.ChangeCluster("standard-lb", c => ScalePool(c, n++)));
        f.Emu.Requests.Clear();

        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id } }, inner));

        Assert.Equal(ErrorIds.ConflictingOperation, e.ErrorId);
        Assert.Equal("PreconditionFailed", e.RemoteCode);
        Assert.Equal(OutboundIpService.MaxAttempts, f.Arm.Count(x => x.Method == "PUT" && x.Status == 412));
        Assert.Null(f.Emu.World.GetCluster("standard-lb")!["properties"]!["networkProfile"]!["loadBalancerProfile"]!["outboundIPs"]);
    }

    /// <summary>Changes the cluster just before every PUT the engine sends (on its "PUT cluster" verbose line).</summary>
    private sealed class RetouchingContext(IOperationContext inner, Action change) : IOperationContext
    {
        public CancellationToken CancellationToken => inner.CancellationToken;
        public void WriteVerbose(string message)
        {
            inner.WriteVerbose(message);
            if (message.StartsWith("PUT cluster", StringComparison.Ordinal)) change();
        }
        public void WriteDebug(string message) => inner.WriteDebug(message);
        public void WriteWarning(string message) => inner.WriteWarning(message);
        public void WriteProgress(ProgressUpdate update) => inner.WriteProgress(update);
        public bool ShouldProcess(string target, string action) => inner.ShouldProcess(target, action);
    }

    [Fact]
    public void Put_body_strips_every_read_only_property_the_spec_marks()
    {
        var raw = new JsonObject
        {
            ["id"] = "/subscriptions/s/resourcegroups/rg/providers/Microsoft.ContainerService/managedClusters/c", ["name"] = "c",
            ["type"] = "Microsoft.ContainerService/ManagedClusters", ["eTag"] = "e1", ["location"] = "eastus",
            ["systemData"] = new JsonObject { ["createdBy"] = "x" },
            ["identity"] = new JsonObject
            {
                ["type"] = "UserAssigned", ["principalId"] = "p", ["tenantId"] = "t",
                ["userAssignedIdentities"] = new JsonObject { ["/subscriptions/s/x"] = new JsonObject { ["clientId"] = "c", ["principalId"] = "p" } },
            },
            ["properties"] = new JsonObject
            {
                ["provisioningState"] = "Succeeded", ["fqdn"] = "f", ["nodeResourceGroup"] = "MC_rg_c_eastus",
                ["oidcIssuerProfile"] = new JsonObject { ["enabled"] = true, ["issuerURL"] = "https://x" },
                ["addonProfiles"] = new JsonObject { ["omsagent"] = new JsonObject { ["enabled"] = true, ["identity"] = new JsonObject { ["clientId"] = "c" } } },
                ["agentPoolProfiles"] = new JsonArray(new JsonObject { ["name"] = "np", ["count"] = 3, ["eTag"] = "pe", ["nodeImageVersion"] = "v" }),
                ["networkProfile"] = new JsonObject
                {
                    ["loadBalancerProfile"] = new JsonObject { ["managedOutboundIPs"] = new JsonObject { ["count"] = 1 }, ["effectiveOutboundIPs"] = new JsonArray() },
                    ["natGatewayProfile"] = new JsonObject { ["effectiveOutboundIPs"] = new JsonArray() },
                },
            },
        };
        var body = OutboundIpService.BuildOutboundIpPutBody(raw, new[] { "/subscriptions/s/resourceGroups/egress-rg/providers/Microsoft.Network/publicIPAddresses/a" }, null, null);
        foreach (var gone in new[] { "id", "name", "type", "eTag", "systemData" }) Assert.False(body.ContainsKey(gone), gone);
        Assert.Equal("eastus", body["location"]!.GetValue<string>());
        Assert.False(body["identity"]!["userAssignedIdentities"]!["/subscriptions/s/x"]!.AsObject().ContainsKey("clientId"));
        Assert.False(body["properties"]!["oidcIssuerProfile"]!.AsObject().ContainsKey("issuerURL"));
        Assert.True(body["properties"]!["oidcIssuerProfile"]!["enabled"]!.GetValue<bool>());
        Assert.False(body["properties"]!["addonProfiles"]!["omsagent"]!.AsObject().ContainsKey("identity"));
        var pool = body["properties"]!["agentPoolProfiles"]![0]!.AsObject();
        Assert.False(pool.ContainsKey("eTag"));
        Assert.False(pool.ContainsKey("nodeImageVersion"));
        Assert.Equal(3, pool["count"]!.GetValue<int>());
        Assert.False(body["properties"]!["networkProfile"]!["natGatewayProfile"]!.AsObject().ContainsKey("effectiveOutboundIPs"));
    }

    [Fact]
    public async Task WhatIf_with_the_same_ips_and_a_new_idle_timeout_describes_that_change_not_an_ip_replacement()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "pinned", ResourceGroupName = "egress-rg", Location = "eastus" }, new NullOperationContext());
        Assert.NotNull(ip);
        await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id } }, new NullOperationContext());
        var whatIf = new RecordingContext { Approve = false };

        var r = await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id }, IdleTimeoutInMinutes = 60 }, whatIf);

        Assert.Null(r);
        var text = Assert.Single(whatIf.ShouldProcessCalls).Action;
        Assert.Contains("idle timeout of outbound connections from", text);
        Assert.Contains("to 60 minutes", text);
        Assert.Contains("the outbound IPs stay the same", text);
        Assert.DoesNotContain("Replace", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("connections drop", text);

        var ports = new RecordingContext { Approve = false };
        await f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id }, AllocatedOutboundPorts = 1024 }, ports);
        Assert.Contains("allocatedOutboundPorts) from automatic to 1024", Assert.Single(ports.ShouldProcessCalls).Action);
    }
}
