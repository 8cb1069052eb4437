using System.Globalization;
using AksEgress.Engine;
using AksEgress.Engine.Kubernetes;
using AksEgress.Tests.Arm;
using Xunit;

namespace AksEgress.Tests.Kubernetes;

[Collection("process-environment")]
public class KubeConfigCompletionTests
{
    [Fact]
    public async Task Kube_context_completion_offers_the_contexts_of_every_KUBECONFIG_file()
    {
        var dir = Path.Combine(Path.GetTempPath(), "aksegress completion " + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        try
        {
            var a = Path.Combine(dir, "a config");
            var b = Path.Combine(dir, "b config");
            File.WriteAllText(a, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts:\n- name: from-a\n  context: {cluster: x, user: y}\nusers: []\n");
            File.WriteAllText(b, "apiVersion: v1\nkind: Config\nclusters: []\ncontexts:\n- name: from-b\n  context: {cluster: x, user: y}\nusers: []\n");
            using var env = new EnvironmentOverride(("KUBECONFIG", a + Path.PathSeparator + b));
            var names = await new AksEgressEngine().CompleteAsync(new AksEgress.Contract.CompletionRequest(AksEgress.Contract.CompletionKind.KubeContext), CancellationToken.None);
            Assert.Equal(new[] { "from-a", "from-b" }, names);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
