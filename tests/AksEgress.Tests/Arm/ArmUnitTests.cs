using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using AksEgress.Engine;
using AksEgress.Engine.Arm;
using AksEgress.Engine.OutboundIps;
using Xunit;

namespace AksEgress.Tests.Arm;

public class ArmModelTests
{
    // api-payloads.md §1.2 (real recorded response, trimmed further)
    private const string RealCluster = """
    {"id":"/subscriptions/0e745469-49f8-48c9-873b-24ca87143db1/resourcegroups/rgps2683/providers/Microsoft.ContainerService/managedClusters/kubeps6495",
     "location":"eastus","name":"kubeps6495","type":"Microsoft.ContainerService/ManagedClusters","kind":"Base",
     "properties":{"provisioningState":"Succeeded","powerState":{"code":"Running"},"kubernetesVersion":"1.32","currentKubernetesVersion":"1.32.7",
      "fqdn":"kubep0e74-k7c40z15.hcp.eastus.azmk8s.io",
      "agentPoolProfiles":[{"name":"default","count":3,"vmSize":"standard_a2_v2","provisioningState":"Succeeded","nodeImageVersion":"x","currentOrchestratorVersion":"1.32.7"}],
      "nodeResourceGroup":"MC_rgps2683_kubeps6495_eastus","enableRBAC":true,
      "networkProfile":{"networkPlugin":"azure","loadBalancerSku":"standard",
        "loadBalancerProfile":{"managedOutboundIPs":{"count":4},
          "effectiveOutboundIPs":[{"id":"/subscriptions/0e745469-49f8-48c9-873b-24ca87143db1/resourceGroups/MC_rgps2683_kubeps6495_eastus/providers/Microsoft.Network/publicIPAddresses/b187eaf8-dd5c-4276-b4ad-c3fbc8531e04"}],
          "allocatedOutboundPorts":24,"idleTimeoutInMinutes":40,"backendPoolType":"nodeIPConfiguration"},
        "outboundType":"loadBalancer"},
      "maxAgentPools":100,"resourceUID":"690451aff67e4b00017b9138"},
     "sku":{"name":"Base","tier":"Free"}}
    """;

    [Fact]
    public void Real_cluster_payload_quirks_are_normalised()
    {
        var m = ManagedClusterModel.Parse(RealCluster);
        Assert.Equal("/subscriptions/0e745469-49f8-48c9-873b-24ca87143db1/resourceGroups/rgps2683/providers/Microsoft.ContainerService/managedClusters/kubeps6495", m.Info.ClusterId);
        Assert.Equal("rgps2683", m.Info.ResourceGroupName);
        Assert.Equal("Standard", m.Info.LoadBalancerSku);
        Assert.Equal("loadBalancer", m.Info.OutboundType);
        Assert.Equal("Unrestricted", m.Info.NodeResourceGroupRestrictionLevel);
        Assert.Equal("/subscriptions/0e745469-49f8-48c9-873b-24ca87143db1/resourceGroups/MC_rgps2683_kubeps6495_eastus", m.Info.NodeResourceGroupId);
        Assert.Equal(3, m.Info.NodeCount);
        Assert.Equal("1.32.7", m.Info.KubernetesVersion);
        Assert.False(m.Info.AadEnabled);
        Assert.Null(m.Info.IdentityPrincipalId);
        Assert.Equal(4, m.ManagedOutboundIpCount);
        Assert.Single(m.EffectiveOutboundIpIds);
        Assert.Equal(24, m.AllocatedOutboundPorts);
    }

    [Fact]
    public void Basic_sku_missing_profiles_aad_and_lockdown_are_read()
    {
        var m = ManagedClusterModel.Parse("""
        {"id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c","name":"c","location":"westeurope",
         "identity":{"type":"SystemAssigned","principalId":"11111111-2222-3333-4444-555555555555"},
         "properties":{"nodeResourceGroup":"MC_rg_c_westeurope","aadProfile":{"managed":true},"disableLocalAccounts":true,
          "nodeResourceGroupProfile":{"restrictionLevel":"ReadOnly"},
          "agentPoolProfiles":[{"name":"a","count":2},{"name":"b","count":5}],
          "networkProfile":{"loadBalancerSku":"basic"}}}
        """);
        Assert.Equal("Basic", m.Info.LoadBalancerSku);
        Assert.Equal("loadBalancer", m.Info.OutboundType);
        Assert.True(m.Info.AadEnabled);
        Assert.True(m.Info.LocalAccountsDisabled);
        Assert.True(m.Info.NodeResourceGroupLocked);
        Assert.Equal(7, m.Info.NodeCount);
        Assert.Equal("11111111-2222-3333-4444-555555555555", m.Info.IdentityPrincipalId);

        var old = ManagedClusterModel.Parse("""{"id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/old","properties":{"nodeResourceGroup":"MC_x"}}""");
        Assert.Equal("Unknown", old.Info.LoadBalancerSku);
        Assert.Equal("old", old.Info.ClusterName);
        var noSku = ManagedClusterModel.Parse("""{"id":"/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/n","properties":{"networkProfile":{"outboundType":"userDefinedRouting"}}}""");
        Assert.Equal("Standard", noSku.Info.LoadBalancerSku);
        Assert.Equal("userDefinedRouting", noSku.Info.OutboundType);
    }

    [Fact]
    public void Public_ip_payload_is_read_with_tags_and_attachment()
    {
        var ip = PublicIpModel.Parse("""
        {"name":"ps4050","id":"/subscriptions/947d47b4-7883-4bb9-9d85-c5e8e2f572ce/resourcegroups/ps8046/providers/Microsoft.Network/publicIPAddresses/ps4050","location":"westcentralus",
         "tags":{"type":"aks-slb-managed-outbound-ip"},"zones":["1","2"],
         "properties":{"provisioningState":"Succeeded","ipAddress":"52.159.18.255","publicIPAddressVersion":"IPv4","publicIPAllocationMethod":"Static","idleTimeoutInMinutes":4,
          "ipConfiguration":{"id":"/subscriptions/947d47b4-7883-4bb9-9d85-c5e8e2f572ce/resourceGroups/MC_x/providers/Microsoft.Network/loadBalancers/kubernetes/frontendIPConfigurations/abc"}},
         "type":"Microsoft.Network/publicIPAddresses","sku":{"name":"Standard","tier":"Regional"}}
        """);
        Assert.Equal("/subscriptions/947d47b4-7883-4bb9-9d85-c5e8e2f572ce/resourceGroups/ps8046/providers/Microsoft.Network/publicIPAddresses/ps4050", ip.Id);
        Assert.Equal("52.159.18.255", ip.IpAddress);
        Assert.True(ip.IsStandard && ip.IsStatic && ip.AksManaged);
        Assert.Equal(new[] { "1", "2" }, ip.Zones);
        Assert.Contains("/loadBalancers/kubernetes/", ip.AttachedTo);
    }

    [Theory]
    [InlineData(10, null, 1)]       // default 10%, rounded up
    [InlineData(3, null, 1)]
    [InlineData(3, "33%", 1)]
    [InlineData(10, "50%", 5)]
    [InlineData(10, "3", 3)]
    [InlineData(0, null, 0)]
    public void Surge_nodes_follow_max_surge(int count, string? maxSurge, int expected) =>
        Assert.Equal(expected, OutboundCapacity.SurgeFor(count, maxSurge));

    [Fact]
    public void Capacity_check_uses_ips_times_64000_over_ports()
    {
        // 1 IP, 16000 ports per node: 4 nodes fit, 5 do not.
        Assert.True(OutboundCapacity.Fits(1, 16000, 4));
        Assert.False(OutboundCapacity.Fits(1, 16000, 5));
        Assert.True(OutboundCapacity.Fits(1, 0, 10000));   // automatic
        Assert.Equal(12800, OutboundCapacity.MaxPortsPerNode(1, 5));
        Assert.Equal(0, OutboundCapacity.MaxPortsPerNode(1, 100000));
    }

    [Fact]
    public void Put_body_keeps_only_outbound_ips_and_drops_read_only_fields()
    {
        var raw = (JsonObject)JsonNode.Parse(RealCluster)!;
        raw["identity"] = new JsonObject { ["type"] = "SystemAssigned", ["principalId"] = "p", ["tenantId"] = "t" };
        var body = OutboundIpService.BuildOutboundIpPutBody(raw, new[] { "/subscriptions/s/resourceGroups/egress-rg/providers/Microsoft.Network/publicIPAddresses/a" }, 1024, null);
        var lbp = body["properties"]!["networkProfile"]!["loadBalancerProfile"]!.AsObject();
        Assert.False(lbp.ContainsKey("managedOutboundIPs"));
        Assert.False(lbp.ContainsKey("outboundIPPrefixes"));
        Assert.False(lbp.ContainsKey("effectiveOutboundIPs"));
        Assert.Equal("/subscriptions/s/resourceGroups/egress-rg/providers/Microsoft.Network/publicIPAddresses/a", lbp["outboundIPs"]!["publicIPs"]![0]!["id"]!.GetValue<string>());
        Assert.Equal(1024, lbp["allocatedOutboundPorts"]!.GetValue<int>());
        Assert.Equal(40, lbp["idleTimeoutInMinutes"]!.GetValue<int>());
        Assert.False(body["properties"]!.AsObject().ContainsKey("provisioningState"));
        Assert.False(body["properties"]!.AsObject().ContainsKey("powerState"));
        Assert.False(body["identity"]!.AsObject().ContainsKey("principalId"));
        Assert.Equal("MC_rgps2683_kubeps6495_eastus", body["properties"]!["nodeResourceGroup"]!.GetValue<string>());
        // the source JSON is not modified
        Assert.True(raw["properties"]!["networkProfile"]!["loadBalancerProfile"]!.AsObject().ContainsKey("managedOutboundIPs"));
    }
}

public class ArmErrorMappingTests
{
    private static readonly ErrorScope IpScope = new(ArmTargetKind.PublicIp, "egress-rg/x") { ResourceGroupName = "egress-rg" };

    [Fact]
    public void Resource_group_not_found_wins_over_target_kind()
    {
        var e = ArmErrorMapper.Map(404, "ResourceGroupNotFound", "Resource group 'nope' could not be found.", IpScope);
        Assert.Equal(ErrorIds.ResourceGroupNotFound, e.ErrorId);
        Assert.Equal(EgressErrorCategory.ObjectNotFound, e.Category);
        Assert.Equal(404, e.HttpStatus);
        Assert.Equal("ResourceGroupNotFound", e.RemoteCode);
    }

    [Fact]
    public void Not_found_maps_by_target_kind()
    {
        const string msg = "The Resource 'Microsoft.ContainerService/managedClusters/kubeps6495' under resource group 'rgps2683' was not found.";
        Assert.Equal(ErrorIds.ClusterNotFound, ArmErrorMapper.Map(404, "ResourceNotFound", msg, new ErrorScope(ArmTargetKind.Cluster, "rg/c")).ErrorId);
        Assert.Equal(ErrorIds.PublicIpNotFound, ArmErrorMapper.Map(404, "ResourceNotFound", msg, IpScope).ErrorId);
    }

    [Fact]
    public void Authorization_failed_names_action_scope_and_role()
    {
        var e = ArmErrorMapper.Map(403, "AuthorizationFailed",
            "The client 'u@x.com' with object id '4bc84fd5-6d28-415b-b40e-ba1466c05f40' does not have authorization to perform action 'Microsoft.Network/publicIPAddresses/write' over scope '/subscriptions/dff2ec18-6a8e-405c-8e45-b7df7465acf0/resourceGroups/prod-public-ips/providers/Microsoft.Network/publicIPAddresses/x' or the scope is invalid.", IpScope);
        Assert.Equal(ErrorIds.AuthorizationFailed, e.ErrorId);
        Assert.Equal(EgressErrorCategory.PermissionDenied, e.Category);
        Assert.Contains("Microsoft.Network/publicIPAddresses/write", e.Message);
        Assert.Contains("Network Contributor", e.RecommendedAction);
    }

    [Fact]
    public void Deny_assignment_becomes_node_resource_group_locked_with_the_fix()
    {
        var e = ArmErrorMapper.Map(403, "DenyAssignmentAuthorizationFailed", "... deny assignment ... nrg-lockdown", new ErrorScope(ArmTargetKind.PublicIp, "MC_rg_c_eastus/x") { ResourceGroupName = "MC_rg_c_eastus" });
        Assert.Equal(ErrorIds.NodeResourceGroupLocked, e.ErrorId);
        Assert.Contains("MC_rg_c_eastus", e.Message);
        Assert.Contains("-ResourceGroupName egress-rg", e.RecommendedAction);
    }

    [Fact]
    public void Linked_authorization_failed_names_the_cluster_identity_and_role_assignment()
    {
        var e = ArmErrorMapper.Map(403, "LinkedAuthorizationFailed",
            "The client 'x' with object id 'y' has permission to perform action 'Microsoft.ContainerService/managedClusters/write' on scope 'z'; however, it does not have permission to perform action 'Microsoft.Network/publicIPAddresses/join/action' on the linked scope(s) '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/noperm-rg/providers/Microsoft.Network/publicIPAddresses/ip1' or the linked scope(s) are invalid.",
            new ErrorScope(ArmTargetKind.Cluster, "cid") { ClusterName = "standard-lb", ClusterPrincipalId = "aaaa-principal" });
        Assert.Equal(ErrorIds.LinkedAuthorizationFailed, e.ErrorId);
        Assert.Contains("aaaa-principal", e.Message);
        Assert.Contains("New-AzRoleAssignment -ObjectId aaaa-principal -RoleDefinitionName 'Network Contributor' -Scope /subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/noperm-rg", e.RecommendedAction);
        Assert.Contains("az role assignment create", e.RecommendedAction);
    }

    [Theory]
    [InlineData(400, "PublicIPCountLimitReached", ErrorIds.PublicIpQuotaExceeded, EgressErrorCategory.QuotaExceeded)]
    [InlineData(400, "StaticPublicIPCountLimitReached", ErrorIds.PublicIpQuotaExceeded, EgressErrorCategory.QuotaExceeded)]
    [InlineData(400, "InvalidResourceName", ErrorIds.InvalidPublicIpName, EgressErrorCategory.InvalidArgument)]
    [InlineData(409, "OperationNotAllowed", ErrorIds.ConflictingOperation, EgressErrorCategory.ResourceBusy)]
    [InlineData(429, "SubscriptionRequestsThrottled", ErrorIds.ArmThrottled, EgressErrorCategory.LimitsExceeded)]
    [InlineData(401, "InvalidAuthenticationToken", ErrorIds.AuthenticationFailed, EgressErrorCategory.AuthenticationError)]
    [InlineData(400, "PublicIPAddressCannotBeDeleted", ErrorIds.PublicIpInUse, EgressErrorCategory.InvalidOperation)]
    [InlineData(500, "InternalServerError", ErrorIds.ArmRequestFailed, EgressErrorCategory.ResourceUnavailable)]
    public void Codes_map_to_error_ids(int status, string code, string id, EgressErrorCategory category)
    {
        var e = ArmErrorMapper.Map(status, code, "msg", IpScope);
        Assert.Equal(id, e.ErrorId);
        Assert.Equal(category, e.Category);
        Assert.Equal(status, e.HttpStatus);
        Assert.Equal(code, e.RemoteCode);
        Assert.Equal("egress-rg/x", e.TargetObject);
        Assert.False(string.IsNullOrEmpty(e.RecommendedAction));
    }

    [Fact]
    public void Error_envelope_is_parsed_and_tokens_in_messages_are_redacted()
    {
        var (code, msg) = ArmErrorMapper.ParseError("""{"error":{"code":"X","message":"bad Bearer eyJabc.def.ghi","details":[]}}""");
        Assert.Equal("X", code);
        var e = ArmErrorMapper.Map(400, code, msg, IpScope);
        Assert.DoesNotContain("eyJabc", e.Message);
    }
}

public class ArmTlsTests
{
    private static (X509Certificate2 Ca, X509Certificate2 Leaf, X509Certificate2 OtherCa) MakeCerts()
    {
        using var caKey = RSA.Create(2048);
        var caReq = new CertificateRequest("CN=Test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caReq.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        var ca = caReq.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        using var leafKey = RSA.Create(2048);
        var leafReq = new CertificateRequest("CN=127.0.0.1", leafKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        leafReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var leaf = leafReq.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), new byte[] { 1, 2, 3, 4 });
        using var otherKey = RSA.Create(2048);
        var otherReq = new CertificateRequest("CN=Other CA", otherKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        otherReq.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        var other = otherReq.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(2));
        return (ca, leaf, other);
    }

    [Fact]
    public void Custom_root_trusts_only_that_ca_and_still_checks_the_host_name()
    {
        var (ca, leaf, other) = MakeCerts();
        Assert.True(ArmSessionFactory.ValidateWithCustomRoot(ca, leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(ArmSessionFactory.ValidateWithCustomRoot(other, leaf, null, SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(ArmSessionFactory.ValidateWithCustomRoot(ca, leaf, null, SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors));
        Assert.False(ArmSessionFactory.ValidateWithCustomRoot(ca, null, null, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    [Fact]
    public async Task Missing_or_invalid_ca_file_fails_before_any_request()
    {
        var engine = new AksEgressEngine();
        var missing = await Assert.ThrowsAsync<AksEgressException>(() => engine.ConnectAsync(new ConnectRequest
        { AccessToken = "t0k3n-value", ArmEndpoint = new Uri("https://127.0.0.1:1/"), CaCertificatePath = "/nonexistent/ca.pem", SubscriptionId = "00000000-0000-0000-0000-000000000000" }, new NullOperationContext()));
        Assert.Equal(ErrorIds.CaCertificateNotFound, missing.ErrorId);
        var bad = Path.GetTempFileName();
        await File.WriteAllTextAsync(bad, "not a certificate");
        var invalid = await Assert.ThrowsAsync<AksEgressException>(() => engine.ConnectAsync(new ConnectRequest
        { AccessToken = "t0k3n-value", ArmEndpoint = new Uri("https://127.0.0.1:1/"), CaCertificatePath = bad, SubscriptionId = "00000000-0000-0000-0000-000000000000" }, new NullOperationContext()));
        Assert.Equal(ErrorIds.CaCertificateInvalid, invalid.ErrorId);
        File.Delete(bad);
        var sub = await Assert.ThrowsAsync<AksEgressException>(() => engine.ConnectAsync(new ConnectRequest { AccessToken = "t", SubscriptionId = "my-sub" }, new NullOperationContext()));
        Assert.Equal(ErrorIds.InvalidSubscriptionId, sub.ErrorId);
        var http = await Assert.ThrowsAsync<AksEgressException>(() => engine.ConnectAsync(new ConnectRequest { AccessToken = "t", ArmEndpoint = new Uri("http://127.0.0.1:1/") }, new NullOperationContext()));
        Assert.Equal(ErrorIds.InvalidArmEndpoint, http.ErrorId);
        var caOnly = await Assert.ThrowsAsync<AksEgressException>(() => engine.ConnectAsync(new ConnectRequest { AccessToken = "t", CaCertificatePath = "/nonexistent/ca.pem" }, new NullOperationContext()));
        Assert.Equal(ErrorIds.ConflictingParameters, caOnly.ErrorId);
        Assert.Null(engine.Connection);
    }
}
