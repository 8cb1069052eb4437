using AksEgress.Emulator;
using AksEgress.Engine;
using AksEgress.Models;
using Xunit;

namespace AksEgress.Tests.Arm;

public class ArmCredentialTests
{
    [Fact]
    public async Task Admin_credentials_of_a_cluster_without_local_accounts_are_refused_before_the_post()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var e = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.GetClusterKubeconfigAsync(f.Cluster("aad"), admin: true, new NullOperationContext()));
        Assert.Equal(ErrorIds.LocalAccountsDisabled, e.ErrorId);
        Assert.DoesNotContain(f.Arm, r => r.Method == "POST");
        var noAad = await Assert.ThrowsAsync<AksEgressException>(() => f.Engine.GetAksAadTokenAsync(new NullOperationContext()));
        Assert.Equal(ErrorIds.AuthenticationFailed, noAad.ErrorId);
        Assert.Contains("-AccessToken", noAad.Message);
        var admin = await f.Engine.GetClusterKubeconfigAsync(f.Cluster("standard-lb"), admin: true, new NullOperationContext());
        Assert.Contains("clusterAdmin", admin);
        Assert.Contains(f.Arm, r => r.Method == "POST" && r.PathAndQuery.Contains("listClusterAdminCredential"));
    }

    [Fact]
    public async Task Completion_lists_clusters_and_resource_groups_and_never_throws()
    {
        await using var f = await ConnectedEngine.StartAsync();
        var clusters = await f.Engine.CompleteAsync(CompletionKind.Cluster, "demo-rg", null, default);
        Assert.Contains("standard-lb", clusters);
        Assert.Equal(6, clusters.Count);
        var rgs = await f.Engine.CompleteAsync(CompletionKind.ResourceGroup, null, null, default);
        Assert.Contains("egress-rg", rgs);
        var n = f.Arm.Count;
        await f.Engine.CompleteAsync(CompletionKind.Cluster, "demo-rg", null, default);
        Assert.Equal(n, f.Arm.Count);
        Assert.Empty(await f.Engine.CompleteAsync(CompletionKind.Cluster, "no-such-rg", null, default));
        var kubeconfig = f.Emu.GetKubeconfigPath("standard-lb");
        Assert.NotEmpty(await f.Engine.CompleteAsync(CompletionKind.KubeContext, null, kubeconfig, default));
        Assert.Contains("default", await f.Engine.CompleteAsync(CompletionKind.Namespace, null, kubeconfig, default));
        Assert.Empty(await f.Engine.CompleteAsync(CompletionKind.Namespace, null, "/nonexistent/kubeconfig", default));
    }
}
