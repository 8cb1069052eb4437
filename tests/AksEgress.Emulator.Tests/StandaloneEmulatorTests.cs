using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using k8s;
using Xunit;
using static AksEgress.Emulator.Tests.TestUtil;

namespace AksEgress.Emulator.Tests;

public class StandaloneEmulatorTests
{
    private static string FindEmulatorDll()
    {
        var here = Path.Combine(AppContext.BaseDirectory, "AksEgress.Emulator.dll");
        if (File.Exists(here) && File.Exists(Path.Combine(AppContext.BaseDirectory, "AksEgress.Emulator.runtimeconfig.json"))) return here;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "src", "AksEgress.Emulator"))) dir = dir.Parent;
        Assert.NotNull(dir);
        var candidates = Directory.GetFiles(Path.Combine(dir!.FullName, "src", "AksEgress.Emulator", "bin"), "AksEgress.Emulator.dll", SearchOption.AllDirectories);
        return candidates.OrderByDescending(File.GetLastWriteTimeUtc).First();
    }

    [UnixFact]
    public async Task Standalone_process_writes_connection_json_serves_admin_api_and_exits_0_on_sigterm()
    {
        using var dir = new TempFolder();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { FindEmulatorDll(), "--state-dir", dir, "--lro-retry-after", "0", "--extra-clusters", "2" }) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var ready = new TaskCompletionSource();
        p.OutputDataReceived += (_, e) => { if (e.Data == "ready") ready.TrySetResult(); };
        p.BeginOutputReadLine();
        var errTask = p.StandardError.ReadToEndAsync();
        try
        {
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
            var conn = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "connection.json")))!;
            Assert.NotNull(conn["clusters"]!["fleet-0002"]);
            Assert.Equal("fleet-rg", conn["clusters"]!["fleet-0002"]!["resourceGroupName"]!.GetValue<string>());
            var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(await File.ReadAllTextAsync(conn["caCertificatePath"]!.GetValue<string>()));
            using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, e) => ValidateAgainst(ca, c, e) }) { BaseAddress = new Uri(conn["armEndpoint"]!.GetValue<string>()) };
            http.DefaultRequestHeaders.Authorization = new("Bearer", conn["accessToken"]!.GetValue<string>());
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"subscriptions/{conn["subscriptionId"]}/resourceGroups/fleet-rg/providers/Microsoft.ContainerService/managedClusters/fleet-0001?api-version=2025-10-01")).StatusCode);
            var fault = await http.PostAsync("_emulator/faults", new StringContent("{\"pathContains\":\"managedClusters/udr\",\"status\":503,\"count\":1}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, fault.StatusCode);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync($"subscriptions/{conn["subscriptionId"]}/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/udr?api-version=2025-10-01")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"subscriptions/{conn["subscriptionId"]}/resourceGroups/demo-rg/providers/Microsoft.ContainerService/managedClusters/udr?api-version=2025-10-01")).StatusCode);
            var reqs = JsonNode.Parse(await http.GetStringAsync("_emulator/requests"))!.AsArray();
            Assert.Equal(3, reqs.Count);
            Assert.Equal(503, reqs[1]!["status"]!.GetValue<int>());
            var added = await http.PostAsync("_emulator/publicIPs", new StringContent("{\"resourceGroup\":\"noperm-rg\",\"name\":\"pester-ip\"}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, added.StatusCode);
            Assert.Matches(@"^(203\.0\.113|198\.51\.100)\.\d+$", JsonNode.Parse(await added.Content.ReadAsStringAsync())!["ipAddress"]!.GetValue<string>());
            var perm = await http.PutAsync("_emulator/permissions", new StringContent("{\"cluster\":\"standard-lb\",\"resourceGroup\":\"noperm-rg\",\"networkContributor\":true}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.NoContent, perm.StatusCode);
            var world = JsonNode.Parse(await http.GetStringAsync("_emulator/world"))!;
            Assert.Contains(world["clusters"]!["standard-lb"]!["networkContributorOn"]!.AsArray(), n => n!.GetValue<string>() == "noperm-rg");
            Assert.Contains(world["publicIPAddresses"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "pester-ip");
            Assert.NotNull(world["clusters"]!["legacy-basic"]!["services"]);
            Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync("_emulator/reset", null)).StatusCode);
            Assert.Empty(JsonNode.Parse(await http.GetStringAsync("_emulator/requests"))!.AsArray());
            using var noauth = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, c, _, e) => ValidateAgainst(ca, c, e) }) { BaseAddress = http.BaseAddress };
            Assert.Equal(HttpStatusCode.Unauthorized, (await noauth.GetAsync("_emulator/world")).StatusCode);

            using (var kill = Process.Start("kill", $"-TERM {p.Id}")) await kill.WaitForExitAsync();
            using var exitCts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            await p.WaitForExitAsync(exitCts.Token);
            Assert.True(p.ExitCode == 0, "exit code " + p.ExitCode + " stderr: " + await errTask);
        }
        finally
        {
            if (!p.HasExited) p.Kill();
        }
    }
}
