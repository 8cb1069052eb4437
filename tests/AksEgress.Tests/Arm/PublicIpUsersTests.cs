using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Engine.Kubernetes;
using AksEgress.Engine.PublicIps;
using AksEgress.Models;
using k8s.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

/// <summary>Issue 14 item 16: PublicIpInUse for a load balancer frontend names the Services (and clusters) that hold the IP.</summary>
public class PublicIpUsersTests
{
    private const string Uid = "3f2c9e1a-7b4d-4e6f-9a21-0c8d5e7f1b23";

    private static V1Service Svc(string ns, string name, string uid = "00000000-0000-0000-0000-000000000001", string type = "LoadBalancer", string? ingress = null,
        string? lbIp = null, bool ours = false, bool deleting = false, params (string Key, string Value)[] annotations) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name, NamespaceProperty = ns, Uid = uid,
            Labels = ours ? new Dictionary<string, string> { [KubeNames.ManagedByLabel] = KubeNames.ManagedByValue } : null,
            Annotations = annotations.Length > 0 ? annotations.ToDictionary(a => a.Key, a => a.Value) : null,
            DeletionTimestamp = deleting ? DateTime.UtcNow : null,
        },
        Spec = new V1ServiceSpec { Type = type, LoadBalancerIP = lbIp },
        Status = ingress is null ? null : new V1ServiceStatus { LoadBalancer = new V1LoadBalancerStatus { Ingress = new List<V1LoadBalancerIngress> { new() { Ip = ingress } } } },
    };

    [Fact]
    public void Frontend_name_is_a_plus_the_uid_without_dashes_and_is_read_from_the_ip_configuration_id()
    {
        Assert.Equal("a3f2c9e1a7b4d4e6f9a210c8d5e7f1b23", LoadBalancerIpUsers.FrontendNameOf(Uid));
        Assert.Equal("a3f2c9e1a7b4d4e6f9a210c8d5e7f1b23", LoadBalancerIpUsers.FrontendName(
            "/subscriptions/s/resourceGroups/MC_rg/providers/Microsoft.Network/loadBalancers/kubernetes/frontendIPConfigurations/a3f2c9e1a7b4d4e6f9a210c8d5e7f1b23"));
        Assert.Null(LoadBalancerIpUsers.FrontendName("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/natGateways/nat"));
        Assert.Null(LoadBalancerIpUsers.FrontendName(null));
    }

    [Fact]
    public void Matches_by_frontend_name_ingress_requested_ip_and_pip_name_and_ignores_other_services()
    {
        var services = new[]
        {
            Svc("web", "owner", uid: Uid),                                                     // frontend a<uid>, no status yet
            Svc("web", "v6", uid: "11111111-2222-3333-4444-555555555555"),                      // frontend a<uid>-IPv6 of another IP: no
            Svc("default", "sharing", ingress: "203.0.113.7"),
            Svc("default", "requested", lbIp: "203.0.113.7"),
            Svc("default", "annotated", annotations: (KubeNames.AnnotationIpv4, "203.0.113.7")),
            Svc("default", "by-name", annotations: (LoadBalancerIpUsers.AnnotationPipName, "EGRESS-IP")),
            Svc("default", "clusterip", type: "ClusterIP", lbIp: "203.0.113.7"),
            Svc("default", "other", ingress: "203.0.113.8"),
        };
        var users = LoadBalancerIpUsers.Match(services, "203.0.113.7", "egress-ip", "a3f2c9e1a7b4d4e6f9a210c8d5e7f1b23");
        Assert.Equal(new[] { "default/annotated", "default/by-name", "default/requested", "default/sharing", "web/owner" }, users.Select(u => u.Key));
        Assert.Contains("frontend", users.Single(u => u.Name == "owner").Reason);

        var v6 = LoadBalancerIpUsers.Match(services, null, null, "a11111111222233334444555555555555-IPv6");
        Assert.Equal("web/v6", Assert.Single(v6).Key);
    }

    [Fact]
    public void Describe_names_each_service_says_which_are_not_ours_or_deleting_and_gives_the_exact_release_commands()
    {
        var users = LoadBalancerIpUsers.Match(new[]
        {
            Svc("default", "aks-egress", ingress: "203.0.113.7", ours: true, deleting: true),
            Svc("shop", "web", ingress: "203.0.113.7"),
        }, "203.0.113.7", null, null);
        Assert.Equal("'default/aks-egress' (being deleted), 'shop/web' (not created by AksEgress)", LoadBalancerIpUsers.Describe(users));
        var live = users.Where(u => !u.Deleting).ToList();
        Assert.Equal("Remove-AksEgressService -Namespace shop -Name web -ClusterId /c/id -Force -Confirm:$false", LoadBalancerIpUsers.ReleaseCommands(live, "/c/id"));
        Assert.Equal("Remove-AksEgressService -Namespace default -Name aks-egress -ClusterId /c/id -Confirm:$false",
            LoadBalancerIpUsers.ReleaseCommands(users.Where(u => u.Deleting).ToList(), "/c/id"));
    }

    [Fact]
    public async Task Remove_names_the_other_service_sharing_the_ip_and_removes_the_ip_once_only_deleted_services_held_it()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "shared-ip", Cluster = f.Cluster("legacy-basic") }, new NullOperationContext());
        Assert.NotNull(ip);
        var access = new KubeAccess { Cluster = f.Cluster("legacy-basic") };
        await f.Engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip.IpAddress!, PublicIpId = ip.Id, Kube = access }, new NullOperationContext());
        await f.Engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip.IpAddress!, PublicIpId = ip.Id, ServiceName = "second", Namespace = "default", Port = 8081, Kube = access }, new NullOperationContext());
        Assert.True(await f.Engine.RemoveEgressServiceAsync(new RemoveEgressServiceRequest { ServiceName = "aks-egress", Namespace = "default", Kube = access }, new NullOperationContext()));

        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.RemoveEgressIpAsync(new RemoveEgressIpRequest { PublicIpId = ip.Id }, new NullOperationContext()));
        Assert.Equal(ErrorIds.PublicIpInUse, e.ErrorId);
        Assert.Contains("Service 'default/second'", e.Message);
        Assert.Contains("cluster 'demo-rg/legacy-basic'", e.Message);
        Assert.DoesNotContain("default/aks-egress", e.Message);
        Assert.Contains("Remove-AksEgressService -Namespace default -Name second -ClusterId ", e.RecommendedAction);
        Assert.NotNull(f.Emu.World.GetPublicIp(ip.ResourceGroupName, "shared-ip"));

        // Only a Service being deleted holds it now: Remove waits for the frontend to be released and deletes the IP.
        Assert.True(await f.Engine.RemoveEgressServiceAsync(new RemoveEgressServiceRequest { ServiceName = "second", Namespace = "default", Kube = access }, new NullOperationContext()));
        Assert.True(await f.Engine.RemoveEgressIpAsync(new RemoveEgressIpRequest { PublicIpId = ip.Id, TimeoutSeconds = 30 }, new NullOperationContext()));
        Assert.Null(f.Emu.World.GetPublicIp(ip.ResourceGroupName, "shared-ip"));
    }

    [Fact]
    public async Task When_the_services_cannot_be_listed_the_error_says_that_part_is_unknown_and_why()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "svc-ip", Cluster = f.Cluster("legacy-basic") }, new NullOperationContext());
        Assert.NotNull(ip);
        await f.Engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip.IpAddress!, PublicIpId = ip.Id, Kube = new KubeAccess { Cluster = f.Cluster("legacy-basic") } }, new NullOperationContext());
        f.Emu.Faults.Add(new FaultRule { Method = "GET", PathRegex = "^/api/v1/services", Status = 403, Count = 10,
            Body = """{"kind":"Status","apiVersion":"v1","status":"Failure","message":"services is forbidden: User \"u\" cannot list resource \"services\" in API group \"\" at the cluster scope","reason":"Forbidden","code":403}""" });

        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.RemoveEgressIpAsync(new RemoveEgressIpRequest { PublicIpId = ip.Id }, new NullOperationContext()));
        Assert.Equal(ErrorIds.PublicIpInUse, e.ErrorId);
        Assert.Contains("unknown: the LoadBalancer Services of cluster 'demo-rg/legacy-basic' could not be listed", e.Message);
        Assert.Contains("forbidden", e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(f.Emu.World.GetPublicIp(ip.ResourceGroupName, "svc-ip"));
    }

    [Fact]
    public async Task Set_outbound_ip_with_a_service_ip_of_another_cluster_names_that_service_and_the_command_that_releases_it()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var ip = await f.Engine.NewEgressIpAsync(new NewEgressIpRequest { Name = "svc-ip", Cluster = f.Cluster("legacy-basic") }, new NullOperationContext());
        Assert.NotNull(ip);
        await f.Engine.SetEgressServiceAsync(new SetEgressServiceRequest { IpAddress = ip.IpAddress!, PublicIpId = ip.Id, ServiceName = "web", Kube = new KubeAccess { Cluster = f.Cluster("legacy-basic") } }, new NullOperationContext());
        f.Emu.Requests.Clear();

        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.SetOutboundIpAsync(new SetOutboundIpRequest { Cluster = f.Cluster("standard-lb"), PublicIpIds = new[] { ip.Id } }, new NullOperationContext()));
        Assert.Equal(ErrorIds.PublicIpInUse, e.ErrorId);
        Assert.Contains($"'{ip.ResourceGroupName}/svc-ip'", e.Message);
        Assert.Contains("used by LoadBalancer Service 'default/web'", e.Message);
        Assert.Contains("of cluster 'demo-rg/legacy-basic'", e.Message);
        Assert.Contains("Remove-AksEgressService -Namespace default -Name web -ClusterId ", e.RecommendedAction);
        Assert.DoesNotContain(f.Arm, r => r.Method == "PUT");
    }
}
