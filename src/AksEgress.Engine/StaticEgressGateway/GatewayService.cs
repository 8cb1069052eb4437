using System.Diagnostics;
using System.Text.Json;
using AksEgress.Engine.Kubernetes;
using AksEgress.Engine.PublicIps;
using AksEgress.Engine.Session;
using k8s;

namespace AksEgress.Engine.StaticEgressGateway;

/// <summary>
/// StaticGatewayConfigurations (egressgateway.kubernetes.azure.com/v1alpha1): create and wait for status.egressIpPrefix, delete
/// and wait for the controller's finalizer, and the teardown order checks (annotated pods, then configurations, then pools).
/// </summary>
internal sealed class GatewayService(SessionService sessions, GatewayPoolService pools)
{
    internal const string Group = "egressgateway.kubernetes.azure.com";
    internal const string Version = "v1alpha1";
    internal const string Plural = "staticgatewayconfigurations";
    internal const string Annotation = "kubernetes.azure.com/static-gateway-configuration";
    private const int ProgressId = 0x5347;
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(500);

    internal static JsonObject? ToNode(object? o) => o is null ? null : JsonSerializer.SerializeToNode(o) as JsonObject;

    internal static JsonObject BuildConfiguration(NewEgressGatewayRequest request)
    {
        var spec = new JsonObject { ["gatewayNodepoolName"] = request.PoolName, ["defaultRoute"] = request.DefaultRoute, ["provisionPublicIps"] = true };
        if (request.ExcludeCidr.Length > 0) spec["excludeCidrs"] = new JsonArray(request.ExcludeCidr.Select(c => (JsonNode)JsonValue.Create(c)!).ToArray());
        if (request.PublicIpPrefixId is { } byo) spec["publicIpPrefixId"] = ResourceIdParser.ParsePublicIpPrefixId(byo).Canonical;
        return new JsonObject
        {
            ["apiVersion"] = $"{Group}/{Version}", ["kind"] = "StaticGatewayConfiguration",
            ["metadata"] = new JsonObject { ["name"] = request.Name, ["namespace"] = request.Namespace, ["labels"] = new JsonObject { ["app.kubernetes.io/managed-by"] = "AksEgress" } },
            ["spec"] = spec,
        };
    }

    /// <summary>Whether an existing configuration asks for what the request asks for.</summary>
    internal static bool SameSpec(JsonObject existing, NewEgressGatewayRequest request)
    {
        var spec = existing["spec"];
        var excludes = (spec?["excludeCidrs"] as JsonArray)?.Select(n => n?.ToString() ?? "").OrderBy(x => x, StringComparer.Ordinal).ToArray() ?? Array.Empty<string>();
        return string.Equals(spec?["gatewayNodepoolName"]?.ToString(), request.PoolName, StringComparison.Ordinal)
               && string.Equals(spec?["defaultRoute"]?.ToString() ?? "staticEgressGateway", request.DefaultRoute, StringComparison.Ordinal)
               && spec?["provisionPublicIps"]?.GetValue<bool>() != false
               && (request.PublicIpPrefixId is null
                   ? string.IsNullOrEmpty(spec?["publicIpPrefixId"]?.ToString())
                   : ResourceIdParser.SameId(spec?["publicIpPrefixId"]?.ToString() ?? "", ResourceIdParser.ParsePublicIpPrefixId(request.PublicIpPrefixId).Canonical))
               && excludes.SequenceEqual(request.ExcludeCidr.OrderBy(x => x, StringComparer.Ordinal));
    }

    internal static EgressGateway ToModel(JsonObject sgc, KubeSession s, AksNodeResourceGroup? info, string action)
    {
        var prefix = sgc["status"]?["egressIpPrefix"]?.ToString();
        return new EgressGateway
        {
            ClusterName = info?.ClusterName, ClusterId = info?.ClusterId,
            Namespace = sgc["metadata"]?["namespace"]?.ToString() ?? "default",
            GatewayName = sgc["metadata"]?["name"]?.ToString() ?? "",
            PoolName = sgc["spec"]?["gatewayNodepoolName"]?.ToString() ?? "",
            Prefix = string.IsNullOrEmpty(prefix) ? null : prefix,
            AllowList = new ValueList<string>(GatewayPrefix.AllowList(prefix)),
            DefaultRoute = sgc["spec"]?["defaultRoute"]?.ToString() ?? "staticEgressGateway",
            ExcludeCidr = new ValueList<string>((sgc["spec"]?["excludeCidrs"] as JsonArray)?.Select(n => n?.ToString() ?? "") ?? Array.Empty<string>()),
            ProvisionPublicIps = sgc["spec"]?["provisionPublicIps"]?.GetValue<bool>() != false,
            PublicIpPrefixId = sgc["spec"]?["publicIpPrefixId"]?.ToString() is { Length: > 0 } byo ? byo : null,
            Action = action,
            KubernetesServer = s.Server, KubeConfigPath = s.KubeConfigPath, KubeContext = s.KubeContext,
        };
    }

    internal static async Task<JsonObject?> GetAsync(KubeSession s, string ns, string name, CancellationToken ct)
    {
        try { return ToNode(await s.Client.CustomObjects.GetNamespacedCustomObjectAsync(Group, Version, ns, Plural, name, ct).ConfigureAwait(false)); }
        catch (Exception ex) when (KubeErrors.IsStatus(ex, 404)) { return null; }
    }

    /// <summary><see cref="GetAsync"/> with any other failure mapped to the module's Kubernetes errors (target ns/name).</summary>
    private static async Task<JsonObject?> GetMappedAsync(KubeSession s, string ns, string name, CancellationToken ct)
    {
        try { return await GetAsync(s, ns, name, ct).ConfigureAwait(false); }
        catch (Exception ex) when (ex is not OperationCanceledException) { throw KubeErrors.Map(ex, $"{ns}/{name}", s.Server, ct); }
    }

    /// <summary>
    /// Reads configuration ns/name every <see cref="Poll"/>, with progress, until <paramref name="done"/> accepts what it read
    /// (null: it does not exist), and returns that; past <paramref name="timeoutSeconds"/> throws what <paramref name="timedOut"/> builds.
    /// </summary>
    private static async Task<JsonObject?> PollAsync(KubeSession s, string ns, string name, int timeoutSeconds, int progressId, string activity,
        Func<JsonObject?, bool> done, Func<Task<AksEgressException>> timedOut, IOperationContext context)
    {
        var ct = context.CancellationToken;
        var sw = Stopwatch.StartNew();
        try
        {
            while (true)
            {
                var cur = await GetMappedAsync(s, ns, name, ct).ConfigureAwait(false);
                if (done(cur)) return cur;
                if (sw.Elapsed.TotalSeconds >= timeoutSeconds) throw await timedOut().ConfigureAwait(false);
                context.WriteProgress(new ProgressUpdate(progressId, activity, $"{(int)sw.Elapsed.TotalSeconds} s", (int)Math.Min(99, 100 * sw.Elapsed.TotalSeconds / timeoutSeconds)));
                await Task.Delay(Poll, ct).ConfigureAwait(false);
            }
        }
        finally { context.WriteProgress(new ProgressUpdate(progressId, activity, "Done", 100, Completed: true)); }
    }

    /// <summary>Every configuration of the cluster; empty when the CRD is not served (add-on off).</summary>
    internal static async Task<IReadOnlyList<JsonObject>> ListAllAsync(KubeSession s, CancellationToken ct)
    {
        try
        {
            var list = ToNode(await s.Client.CustomObjects.ListClusterCustomObjectAsync(Group, Version, Plural, cancellationToken: ct).ConfigureAwait(false));
            return (list?["items"] as JsonArray)?.OfType<JsonObject>().ToList() ?? new List<JsonObject>();
        }
        catch (Exception ex) when (KubeErrors.IsStatus(ex, 404)) { return Array.Empty<JsonObject>(); }
        catch (Exception ex) when (ex is not OperationCanceledException) { throw KubeErrors.Map(ex, Plural, s.Server, ct); }
    }

    /// <summary>Get-AksEgressConfiguration: the cluster's configurations (every namespace) with their prefixes.</summary>
    public async Task<IReadOnlyList<EgressGateway>> ListAsync(ClusterRef cluster, AksNodeResourceGroup info, IOperationContext context)
    {
        var s = await sessions.KubeClients.GetSessionAsync(new KubeAccess { Cluster = cluster, ClusterInfo = info }, context).ConfigureAwait(false);
        context.WriteVerbose($"Static Egress Gateway is enabled on cluster {info.ClusterName}: listing its StaticGatewayConfigurations");
        return (await ListAllAsync(s, context.CancellationToken).ConfigureAwait(false))
            .Select(g => ToModel(g, s, info, "Unchanged"))
            .OrderBy(g => g.Namespace, StringComparer.Ordinal).ThenBy(g => g.GatewayName, StringComparer.Ordinal).ToList();
    }

    /// <summary>Pods that carry the annotation for <paramref name="name"/> (any configuration when null) in <paramref name="ns"/> (all when null).</summary>
    internal static async Task<IReadOnlyList<string>> AnnotatedPodsAsync(KubeSession s, string? ns, string? name, CancellationToken ct)
    {
        try
        {
            var pods = ns is null
                ? await s.Client.CoreV1.ListPodForAllNamespacesAsync(cancellationToken: ct).ConfigureAwait(false)
                : await s.Client.CoreV1.ListNamespacedPodAsync(ns, cancellationToken: ct).ConfigureAwait(false);
            return pods.Items.Where(p => p.Metadata?.Annotations?.TryGetValue(Annotation, out var v) == true && (name is null || v == name) && p.Metadata.DeletionTimestamp is null)
                .Select(p => $"{p.Metadata.NamespaceProperty}/{p.Metadata.Name}").ToList();
        }
        catch (Exception ex) when (ex is not OperationCanceledException) { throw KubeErrors.Map(ex, "pods", s.Server, ct); }
    }

    /// <summary>The controller's Warning events about a configuration (why it is not ready, why its deletion hangs).</summary>
    private static async Task<string> WarningsAsync(KubeSession s, string ns, string name)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            var events = await s.Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.name={name}", cancellationToken: cts.Token).ConfigureAwait(false);
            var warnings = events.Items.Where(e => e.Type == "Warning" && e.InvolvedObject?.Kind == "StaticGatewayConfiguration")
                .OrderByDescending(e => e.LastTimestamp ?? e.EventTime).Select(e => $"{e.Reason}: {e.Message}").Distinct().Take(3).ToList();
            return warnings.Count == 0 ? "" : " Controller events: " + string.Join("; ", warnings) + ".";
        }
        catch (Exception) { return ""; }
    }

    public async Task<EgressGateway?> NewAsync(NewEgressGatewayRequest request, IOperationContext context)
    {
        var ct = context.CancellationToken;
        var s = await sessions.KubeClients.GetSessionAsync(request.Kube, context).ConfigureAwait(false);
        var info = s.ClusterInfo ?? request.Kube.ClusterInfo;
        var ns = request.Namespace; var name = request.Name; var target = $"{ns}/{name}";
        if (request.Kube.Cluster is { } cluster && request.Kube.KubeConfigPath is null)
            await RequirePoolAsync(cluster, request.PoolName, request.PublicIpPrefixId, context).ConfigureAwait(false);
        else if (request.PublicIpPrefixId is not null)
            context.WriteVerbose("The cluster is not known through Azure (kubeconfig only): the prefix's subscription and length are not checked here; the controller reports a mismatch as an event.");
        var existing = await GetMappedAsync(s, ns, name, ct).ConfigureAwait(false);
        var action = "Unchanged";
        var created = false;
        if (existing is not null)
        {
            if (!SameSpec(existing, request))
                throw new AksEgressException(ErrorIds.GatewayConflict, EgressErrorCategory.ResourceExists,
                    $"StaticGatewayConfiguration {target} already exists with pool '{existing["spec"]?["gatewayNodepoolName"]}', defaultRoute '{existing["spec"]?["defaultRoute"]}' and excludeCidrs [{string.Join(", ", (existing["spec"]?["excludeCidrs"] as JsonArray)?.Select(n => n?.ToString()) ?? Array.Empty<string>())}], not what was asked.",
                    target, "Use another -Name, or remove it first with Remove-AksEgressGateway (after taking workloads off it).");
            if (existing["metadata"]?["deletionTimestamp"] is not null)
                throw new AksEgressException(ErrorIds.GatewayConflict, EgressErrorCategory.ResourceBusy,
                    $"StaticGatewayConfiguration {target} is being deleted.{await WarningsAsync(s, ns, name).ConfigureAwait(false)}", target,
                    "Wait until it is gone (Remove-AksEgressGateway waits for it), then run the command again.");
            context.WriteVerbose($"StaticGatewayConfiguration {target} already exists with the same spec");
        }
        else
        {
            if (!context.ShouldProcess(target, $"Create StaticGatewayConfiguration {target} on gateway pool '{request.PoolName}' (a public IP prefix is provisioned for it and billed while it exists)"))
                return null;
            try
            {
                await s.Client.CustomObjects.CreateNamespacedCustomObjectAsync(BuildConfiguration(request), Group, Version, ns, Plural, cancellationToken: ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (KubeErrors.IsStatus(ex, 404) && ex is not OperationCanceledException)
            {
                var crdServed = await CrdServedAsync(s, ct).ConfigureAwait(false);
                if (!crdServed)
                    throw new AksEgressException(ErrorIds.StaticEgressGatewayNotEnabled, EgressErrorCategory.InvalidOperation,
                        $"The cluster{(info is null ? "" : $" '{info.ClusterName}'")} does not serve StaticGatewayConfigurations: its Static Egress Gateway add-on is not enabled.", target,
                        "Run Enable-AksStaticEgressGateway for the cluster first.", ex);
                throw KubeErrors.Map(ex, target, s.Server, ct);
            }
            catch (Exception ex) when (ex is not OperationCanceledException) { throw KubeErrors.Map(ex, target, s.Server, ct); }
            created = true;
            action = "Created";
            context.WriteVerbose($"Created StaticGatewayConfiguration {target}; waiting for the controller to provision its egress prefix");
        }
        try
        {
            var ready = await WaitForPrefixAsync(s, ns, name, request.TimeoutSeconds, context).ConfigureAwait(false);
            return ToModel(ready, s, info, action);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested && created)
        {
            // Ctrl+C while waiting: take back what this call created, so nothing half-made (and billed) stays behind.
            await DeleteQuietlyAsync(s, ns, name, context).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<bool> CrdServedAsync(KubeSession s, CancellationToken ct)
    {
        try { await s.Client.CustomObjects.ListClusterCustomObjectAsync(Group, Version, Plural, limit: 1, cancellationToken: ct).ConfigureAwait(false); return true; }
        catch (Exception ex) when (KubeErrors.IsStatus(ex, 404)) { return false; }
    }

    private static async Task DeleteQuietlyAsync(KubeSession s, string ns, string name, IOperationContext context)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await s.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, ns, Plural, name, cancellationToken: cts.Token).ConfigureAwait(false);
            context.WriteVerbose($"Stopped: deleted the StaticGatewayConfiguration {ns}/{name} this call had created.");
        }
        catch (Exception ex)
        {
            context.WriteWarning($"Could not delete the StaticGatewayConfiguration {ns}/{name} after the stop: {Redaction.Text(ex.Message)}. Delete it with Remove-AksEgressGateway -Name {name} -Namespace {ns}.");
        }
    }

    private static async Task<JsonObject> WaitForPrefixAsync(KubeSession s, string ns, string name, int timeoutSeconds, IOperationContext context) =>
        (await PollAsync(s, ns, name, timeoutSeconds, ProgressId, $"Waiting for the egress prefix of {ns}/{name}",
            cur => cur is null
                ? throw new AksEgressException(ErrorIds.GatewayNotFound, EgressErrorCategory.ObjectNotFound,
                    $"StaticGatewayConfiguration {ns}/{name} disappeared while waiting for its egress prefix.", $"{ns}/{name}", "Check who deletes it, then run the command again.")
                : cur["status"]?["egressIpPrefix"]?.ToString() is { Length: > 0 },
            async () => new AksEgressException(ErrorIds.GatewayNotReady, EgressErrorCategory.OperationTimeout,
                $"StaticGatewayConfiguration {ns}/{name} got no status.egressIpPrefix within {timeoutSeconds} s.{await WarningsAsync(s, ns, name).ConfigureAwait(false)}",
                $"{ns}/{name}", "Check the gateway pool (it must exist, in mode Gateway) and the events (kubectl describe staticgatewayconfiguration); increase -TimeoutSeconds on slow clusters."),
            context).ConfigureAwait(false))!;

    /// <summary>The pool must exist in mode Gateway (checked through ARM when the cluster is known).</summary>
    private async Task RequirePoolAsync(ClusterRef cluster, string poolName, string? prefixId, IOperationContext context)
    {
        var (model, raw) = await pools.GetClusterJsonAsync(cluster, context).ConfigureAwait(false);
        if (!GatewayPoolService.IsEnabled(raw))
            throw GatewayPoolService.NotEnabled(model, "StaticGatewayConfigurations cannot be created");
        var gatewayPools = GatewayPoolService.GatewayPools(raw).Select(p => p["name"]?.ToString() ?? "").ToList();
        if (!gatewayPools.Contains(poolName, StringComparer.OrdinalIgnoreCase))
            throw new AksEgressException(ErrorIds.GatewayPoolNotFound, EgressErrorCategory.ObjectNotFound,
                $"Cluster '{model.ClusterName}' has no gateway pool '{poolName}' (gateway pools: {(gatewayPools.Count == 0 ? "none" : string.Join(", ", gatewayPools))}).",
                $"{model.ClusterId}/agentPools/{poolName}", "Create it with New-AksEgressGatewayPool, or pass the name of an existing gateway pool.");
        if (prefixId is null) return;
        // Bring your own prefix: what the controller would refuse after the fact (facts §2.7), refused before the request.
        var id = ResourceIdParser.ParsePublicIpPrefixId(prefixId);
        if (!string.Equals(id.SubscriptionId, model.SubscriptionId, StringComparison.OrdinalIgnoreCase))
            throw new AksEgressException(ErrorIds.GatewayPrefixMismatch, EgressErrorCategory.InvalidArgument,
                $"Public IP prefix '{id.Name}' is in subscription {id.SubscriptionId}, cluster '{model.ClusterName}' in {model.SubscriptionId}: the gateway controller only uses a prefix of the cluster's own subscription.",
                id.Canonical, "Create the prefix in the cluster's subscription (New-AksEgressIpPrefix), or omit -PublicIpPrefixId to let the controller provision one.");
        var size = GatewayPoolService.GatewayPools(raw).First(p => string.Equals(p["name"]?.ToString(), poolName, StringComparison.OrdinalIgnoreCase))["gatewayProfile"]?["publicIPPrefixSize"]?.GetValue<int>() ?? 31;
        var arm = await sessions.GetAsync(context).ConfigureAwait(false);
        var prefix = await PublicIpPrefixModel.GetAsync(arm, id.Canonical, context).ConfigureAwait(false)
            ?? throw new AksEgressException(ErrorIds.PublicIpPrefixNotFound, EgressErrorCategory.ObjectNotFound,
                $"Public IP prefix '{id.ResourceGroupName}/{id.Name}' was not found.", id.Canonical, "Create it with New-AksEgressIpPrefix -PrefixLength " + size + ", or check the id.") { HttpStatus = 404 };
        if (prefix.PrefixLength != size)
            throw new AksEgressException(ErrorIds.GatewayPrefixMismatch, EgressErrorCategory.InvalidArgument,
                $"Public IP prefix '{prefix.ResourceGroupName}/{prefix.Name}' is a /{prefix.PrefixLength}, gateway pool '{poolName}' gives every gateway a /{size} (gatewayProfile.publicIPPrefixSize): the controller would refuse it ('provided public ip prefix has invalid length({prefix.PrefixLength}), required({size})').",
                prefix.Id, $"Use a /{size} prefix (New-AksEgressIpPrefix -PrefixLength {size}), or a gateway pool whose -PrefixSize is {prefix.PrefixLength}.");
        context.WriteVerbose($"Public IP prefix {prefix.ResourceGroupName}/{prefix.Name} ({prefix.IpPrefix}) fits gateway pool '{poolName}' (/{size}); the cluster identity needs Network Contributor on it.");
    }

    /// <summary>Deletes a configuration and waits until the controller released it. False when it did not exist or ShouldProcess declined.</summary>
    public async Task<bool> RemoveAsync(RemoveEgressGatewayRequest request, bool force, IOperationContext context)
    {
        var ct = context.CancellationToken;
        var s = await sessions.KubeClients.GetSessionAsync(request.Kube, context).ConfigureAwait(false);
        var ns = request.Namespace; var name = request.Name; var target = $"{ns}/{name}";
        var existing = await GetMappedAsync(s, ns, name, ct).ConfigureAwait(false);
        if (existing is null)
        {
            context.WriteVerbose($"StaticGatewayConfiguration {target} does not exist: nothing to remove");
            return false;
        }
        var pods = await AnnotatedPodsAsync(s, ns, name, ct).ConfigureAwait(false);
        if (pods.Count > 0 && !force)
            throw new AksEgressException(ErrorIds.StaticEgressGatewayInUse, EgressErrorCategory.InvalidOperation,
                $"StaticGatewayConfiguration {target} is still used by {pods.Count} pod(s) annotated {Annotation}={name}: {string.Join(", ", pods.Take(10))}{(pods.Count > 10 ? ", ..." : "")}. Deleting it first breaks their egress (their tunnel leads nowhere) and new pods of those workloads fail to start.",
                target, "Take the workloads off the gateway first (remove the annotation from their pod templates and let them roll out), or pass -Force.");
        if (!context.ShouldProcess(target, $"Delete StaticGatewayConfiguration {target} (its public IP prefix {existing["status"]?["egressIpPrefix"]} is released)")) return false;
        await DeleteAndWaitAsync(s, ns, name, request.TimeoutSeconds, context).ConfigureAwait(false);
        return true;
    }

    internal static async Task DeleteAndWaitAsync(KubeSession s, string ns, string name, int timeoutSeconds, IOperationContext context)
    {
        var ct = context.CancellationToken;
        var target = $"{ns}/{name}";
        try { await s.Client.CustomObjects.DeleteNamespacedCustomObjectAsync(Group, Version, ns, Plural, name, cancellationToken: ct).ConfigureAwait(false); }
        catch (Exception ex) when (KubeErrors.IsStatus(ex, 404)) { return; }
        catch (Exception ex) when (ex is not OperationCanceledException) { throw KubeErrors.Map(ex, target, s.Server, ct); }
        context.WriteVerbose($"Deleted StaticGatewayConfiguration {target}; waiting for the controller to drain it (finalizer {"static-gateway-configuration-controller.microsoft.com"})");
        await PollAsync(s, ns, name, timeoutSeconds, ProgressId + 1, $"Waiting for StaticGatewayConfiguration {target} to be released",
            cur => cur is null,
            async () => new AksEgressException(ErrorIds.GatewayDeletionStuck, EgressErrorCategory.OperationTimeout,
                $"StaticGatewayConfiguration {target} is still being deleted after {timeoutSeconds} s: the controller holds its finalizer.{await WarningsAsync(s, ns, name).ConfigureAwait(false)}",
                target, "If its gateway pool was deleted first, the controller can never release it: recreate the pool with the same name (New-AksEgressGatewayPool) so the controller can finish, or remove the finalizers by hand and delete the orphaned public IP prefix in the node resource group."),
            context).ConfigureAwait(false);
    }

    public async Task<bool> RemovePoolAsync(RemoveEgressGatewayPoolRequest request, IOperationContext context) =>
        await pools.RemovePoolAsync(request, context, async info =>
        {
            var kube = request.Kube.Cluster is null && request.Kube.KubeConfigPath is null ? request.Kube with { Cluster = request.Cluster } : request.Kube;
            var s = await sessions.KubeClients.GetSessionAsync(kube, context).ConfigureAwait(false);
            var users = (await ListAllAsync(s, context.CancellationToken).ConfigureAwait(false))
                .Where(g => string.Equals(g["spec"]?["gatewayNodepoolName"]?.ToString(), request.Name, StringComparison.OrdinalIgnoreCase))
                .Select(g => $"{g["metadata"]?["namespace"]}/{g["metadata"]?["name"]}").ToList();
            if (users.Count > 0)
                throw new AksEgressException(ErrorIds.StaticEgressGatewayInUse, EgressErrorCategory.InvalidOperation,
                    $"Gateway pool '{request.Name}' of cluster '{info.ClusterName}' is used by StaticGatewayConfiguration(s) {string.Join(", ", users)}. AKS would delete it anyway, and then those configurations can never be deleted (the controller needs the pool to release them) and their public IP prefixes stay billed.",
                    $"{info.ClusterId}/agentPools/{request.Name}", "Remove the configurations first (Remove-AksEgressGateway), or run Disable-AksStaticEgressGateway -Force for the whole teardown.");
        }).ConfigureAwait(false);

    /// <summary>Enable, or Disable (refused while pools/configurations exist unless Force runs the teardown in order).</summary>
    public async Task<StaticEgressGatewayState?> SetFlagAsync(SetStaticEgressGatewayRequest request, IOperationContext context)
    {
        if (request.Enabled) return await pools.SetFlagAsync(request, context).ConfigureAwait(false);
        return await pools.SetFlagAsync(request, context, async (info, raw) =>
        {
            var kube = request.Kube.Cluster is null && request.Kube.KubeConfigPath is null ? request.Kube with { Cluster = request.Cluster } : request.Kube;
            var s = await sessions.KubeClients.GetSessionAsync(kube, context).ConfigureAwait(false);
            var ct = context.CancellationToken;
            var configs = await ListAllAsync(s, ct).ConfigureAwait(false);
            var poolNames = GatewayPoolService.GatewayPools(raw).Select(p => p["name"]?.ToString() ?? "").ToList();
            var onGateway = configs.Count > 0 ? await GatewayWorkloadService.AnnotatedWorkloadsAsync(s, ct).ConfigureAwait(false) : Array.Empty<(string Kind, string Namespace, string Name, string Gateway)>();
            var pods = configs.Count > 0 ? await AnnotatedPodsAsync(s, null, null, ct).ConfigureAwait(false) : Array.Empty<string>();
            if (configs.Count == 0 && poolNames.Count == 0) return (IReadOnlyList<string>)Array.Empty<string>();
            var names = configs.Select(g => $"{g["metadata"]?["namespace"]}/{g["metadata"]?["name"]}").ToList();
            var workloadNames = onGateway.Select(w => $"{w.Kind} {w.Namespace}/{w.Name}").ToList();
            if (!request.Force)
                throw new AksEgressException(ErrorIds.StaticEgressGatewayInUse, EgressErrorCategory.InvalidOperation,
                    $"The Static Egress Gateway of cluster '{info.ClusterName}' is still in use: {(names.Count > 0 ? $"configuration(s) {string.Join(", ", names)}" : "")}{(names.Count > 0 && poolNames.Count > 0 ? "; " : "")}{(poolNames.Count > 0 ? $"gateway pool(s) {string.Join(", ", poolNames)}" : "")}{(workloadNames.Count > 0 ? $"; workload(s) on a gateway {string.Join(", ", workloadNames.Take(10))}" : "")}{(pods.Count > 0 ? $"; annotated pod(s) {string.Join(", ", pods.Take(10))}" : "")}.",
                    info.ClusterId, "Tear down in order: take workloads off the gateway (Set-AksEgressGatewayWorkload -Remove), Remove-AksEgressGateway, Remove-AksEgressGatewayPool, then disable; or pass -Force to run that teardown now.");
            if (!context.ShouldProcess(info.ClusterId, $"Tear down the Static Egress Gateway: take workload(s) [{string.Join(", ", workloadNames)}] off their gateway and wait for their rollouts, delete configuration(s) [{string.Join(", ", names)}], then gateway pool(s) [{string.Join(", ", poolNames)}]"))
                return null;
            var removed = new List<string>();
            // 1. Annotations first: the workloads roll out to pods that leave from the cluster's normal egress (facts §2.8).
            foreach (var w in onGateway)
            {
                await GatewayWorkloadService.SetAsync(s, new SetEgressGatewayWorkloadRequest
                {
                    Kind = w.Kind, Namespace = w.Namespace, Name = w.Name, Remove = true, Kube = kube, TimeoutSeconds = Math.Min(3600, request.TimeoutSeconds),
                }, context, confirmed: true).ConfigureAwait(false);
                removed.Add($"{w.Kind} {w.Namespace}/{w.Name}");
            }
            var left = onGateway.Count > 0 ? await AnnotatedPodsAsync(s, null, null, ct).ConfigureAwait(false) : pods;
            if (left.Count > 0)
                context.WriteWarning($"Pods still annotated for a gateway lose their egress when it goes: {string.Join(", ", left.Take(10))}{(left.Count > 10 ? ", ..." : "")}. They have no workload to roll them out: recreate them without the annotation.");
            foreach (var g in configs)
            {
                await DeleteAndWaitAsync(s, g["metadata"]?["namespace"]?.ToString() ?? "default", g["metadata"]?["name"]?.ToString() ?? "", Math.Min(600, request.TimeoutSeconds), context).ConfigureAwait(false);
                removed.Add($"{g["metadata"]?["namespace"]}/{g["metadata"]?["name"]}");
            }
            foreach (var p in poolNames)
            {
                await pools.RemovePoolAsync(new RemoveEgressGatewayPoolRequest { Cluster = request.Cluster, Name = p, TimeoutSeconds = request.TimeoutSeconds }, context, _ => Task.CompletedTask, confirmed: true).ConfigureAwait(false);
                removed.Add($"pool {p}");
            }
            return (IReadOnlyList<string>?)removed;
        }).ConfigureAwait(false);
    }
}
