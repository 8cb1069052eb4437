using System.Globalization;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using AksEgress.Engine.EgressConfig;
using AksEgress.Engine.Kubernetes;
using AksEgress.Engine.Session;
using k8s;
using k8s.Models;

namespace AksEgress.Engine.EgressTest;

/// <summary>Test-AksEgressIp: short-lived curl pods report the public source address; a mismatch is explained.</summary>
internal sealed class EgressTestService(SessionService sessions, Func<IClusterCredentialSource> arm)
{
    private const int TestProgressId = 0x4B52;

    private sealed record SampleOutcome(EgressSample Sample, string? Raw, string? Problem);

    /// <summary>
    /// Runs short-lived curl pods and reports the public source address they saw. Infrastructure failures (pod rejected,
    /// image pull, unschedulable, timeout) throw <see cref="AksEgressException"/> after every pod was deleted. An unusable
    /// body (blocked egress, HTML, curl error) is NOT thrown: the result has Succeeded=false and an Explanation starting with
    /// "egress blocked or endpoint unusable"; the cmdlet writes ErrorId EgressBlockedOrEndpointUnusable for it.
    /// </summary>
    public async Task<EgressTestResult> TestAsync(TestEgressIpRequest request, IOperationContext context)
    {
        if (request.Gateway is not null) return await TestGatewayAsync(request, context).ConfigureAwait(false);
        var ct = context.CancellationToken;
        var uri = new Uri(request.CheckUri, UriKind.Absolute);
        var expected = new List<string>();
        foreach (var e in request.ExpectedIpAddress ?? Array.Empty<string>())
            if (CheckResponseParser.TryAddress(e, out var norm) && !expected.Contains(norm!)) expected.Add(norm!);

        var session = await sessions.KubeClients.GetSessionAsync(request.Kube, context).ConfigureAwait(false);
        var info = session.ClusterInfo ?? request.Kube.ClusterInfo;
        var ns = request.Namespace;
        var sw = Stopwatch.StartNew();

        IReadOnlyList<string?> nodes;
        IReadOnlyList<SkippedNode> skippedNodes = Array.Empty<SkippedNode>();
        if (request.AllNodes)
        {
            V1NodeList list;
            try { list = await session.Client.CoreV1.ListNodeAsync(cancellationToken: ct).ConfigureAwait(false); }
            catch (Exception ex) { throw KubeErrors.Map(ex, "nodes", session.Server, ct); }
            var selection = TestNodeSelection.Select(list.Items ?? new List<V1Node>());
            skippedNodes = selection.Skipped;
            foreach (var s in skippedNodes) context.WriteVerbose($"Skipping node {s.NodeName}: {s.Reason}.");
            if (selection.Tested.Count == 0)
                throw new AksEgressException(ErrorIds.NoTestableNode, EgressErrorCategory.ResourceUnavailable,
                    skippedNodes.Count == 0 ? "The cluster has no node to run the egress test on."
                        : $"No node of the cluster can run the egress test: {string.Join("; ", skippedNodes.Select(s => $"{s.NodeName}: {s.Reason}"))}.",
                    "nodes", "Run it when a Linux node is Ready and schedulable (kubectl get nodes; kubectl uncordon <node>), or pin one with -NodeName.");
            nodes = selection.Tested.Select(n => (string?)n).ToList();
        }
        else if (!string.IsNullOrEmpty(request.NodePool))
        {
            // Every node of the pool: node public IPs differ per node, so each one is sampled.
            V1NodeList list;
            try { list = await session.Client.CoreV1.ListNodeAsync(labelSelector: "kubernetes.azure.com/agentpool=" + request.NodePool, cancellationToken: ct).ConfigureAwait(false); }
            catch (Exception ex) { throw KubeErrors.Map(ex, "nodes", session.Server, ct); }
            // The same rule as -AllNodes: only Ready, schedulable Linux nodes of the cluster's own; the others are listed as skipped.
            var selection = TestNodeSelection.Select(list.Items ?? new List<V1Node>());
            skippedNodes = selection.Skipped;
            foreach (var s in skippedNodes) context.WriteVerbose($"Skipping node {s.NodeName}: {s.Reason}.");
            nodes = selection.Tested.Select(n => (string?)n).ToList();
            if (nodes.Count == 0)
                throw new AksEgressException(ErrorIds.PodUnschedulable, EgressErrorCategory.ResourceUnavailable,
                    $"Node pool '{request.NodePool}' has no Ready, schedulable Linux node{(skippedNodes.Count == 0 ? "" : ": " + string.Join("; ", skippedNodes.Select(s => $"{s.NodeName}: {s.Reason}")))}.", request.NodePool, "Check the pool name (kubectl get nodes -L agentpool) and that it has nodes.");
        }
        else nodes = new[] { string.IsNullOrEmpty(request.NodeName) ? null : request.NodeName };

        // HTTP proxy clusters: AKS injects HTTP(S)_PROXY/NO_PROXY into pods. By default the pod bypasses them (the cluster's own
        // egress is tested); -ViaProxy keeps them (the path the workloads take).
        var proxy = info is null ? null : HttpProxyPath.ProxyFor(uri, info.HttpProxy, info.HttpsProxy, info.NoProxy);
        string? path = !request.ViaProxy ? EgressPath.Direct : info is null ? null : proxy is null ? EgressPath.Direct : EgressPath.Proxy;
        if (proxy is not null)
            context.WriteVerbose(request.ViaProxy
                ? $"The cluster's HTTP proxy {proxy} applies to {uri.Host}: the test pod keeps the proxy variables AKS injects, so it sees the proxy's egress."
                : $"The cluster has the HTTP proxy {proxy} for {uri.Host}; the test pod bypasses it (curl --noproxy '*') to test the cluster's own egress.");

        var plan = nodes.SelectMany(n => Enumerable.Range(0, request.Count).Select(_ => n)).ToList();
        var activity = $"Testing egress on {nodes.Count} node(s)";
        context.WriteProgress(new ProgressUpdate(TestProgressId, activity, $"0/{plan.Count} sample(s)", 0));

        var outcomes = new SampleOutcome?[plan.Count];
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var gate = new SemaphoreSlim(Math.Min(request.ThrottleLimit, plan.Count));
        var errors = new ConcurrentQueue<Exception>();
        var done = 0;
        var tasks = plan.Select((node, i) => Task.Run(async () =>
        {
            try { await gate.WaitAsync(abort.Token).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
            try
            {
                outcomes[i] = await RunSampleAsync(session, request, uri, node, context, abort.Token).ConfigureAwait(false);
                var n = Interlocked.Increment(ref done);
                context.WriteProgress(new ProgressUpdate(TestProgressId, activity, $"{n}/{plan.Count} sample(s)", 100 * n / plan.Count));
            }
            catch (Exception ex)
            {
                errors.Enqueue(ex);
                abort.Cancel();
            }
            finally { gate.Release(); }
        })).ToList();
        try { await Task.WhenAll(tasks).ConfigureAwait(false); }
        finally { context.WriteProgress(new ProgressUpdate(TestProgressId, activity, "Done", 100, Completed: true)); }

        ct.ThrowIfCancellationRequested();
        var first = errors.FirstOrDefault(e => e is AksEgressException) ?? errors.FirstOrDefault(e => e is not OperationCanceledException) ?? errors.FirstOrDefault();
        if (first is not null)
        {
            if (first is AksEgressException) throw first;
            throw KubeErrors.Map(first, ns, session.Server, ct);
        }

        var results = outcomes.Select(o => o!).ToList();
        var samples = results.Select(r => r.Sample).ToArray();
        var observed = samples.Select(s => s.ObservedIpAddress).Where(a => a is not null).Select(a => a!).Distinct().ToArray();
        var allObserved = samples.All(s => s.ObservedIpAddress is not null);
        var allowList = (request.AllowList ?? Array.Empty<string>()).Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => a.Trim()).Distinct().ToArray();
        // With an allowlist, the question is the partner's: is every address we were seen with allowed? (Expected addresses then only inform.)
        var outside = observed.Where(a => Cidr.Match(allowList, a) is null).ToArray();
        var matches = allowList.Length > 0
            ? outside.Length == 0
            : expected.Count == 0 || samples.All(s => s.ObservedIpAddress is not null && expected.Contains(s.ObservedIpAddress));
        var succeeded = samples.Length > 0 && allObserved && matches;
        var failedSample = results.FirstOrDefault(r => r.Sample.ObservedIpAddress is null);
        var raw = (failedSample ?? results.FirstOrDefault())?.Raw;

        string? explanation = null;
        if (!allObserved)
        {
            // Say the curl error once: when the problem already quotes the raw response (curl's own error line), do not repeat it (issue 14, item 19).
            var shortRaw = Shorten(raw, 300);
            var quoted = string.IsNullOrEmpty(shortRaw) || failedSample!.Problem?.Contains(shortRaw, StringComparison.Ordinal) == true;
            explanation = $"egress blocked or endpoint unusable: {failedSample!.Problem} (check {uri}{(quoted ? "" : "; raw response: " + shortRaw)})";
            if (proxy is not null && path == EgressPath.Direct)
                explanation += $" This cluster's workloads reach {uri.Host} through its HTTP proxy {proxy} (httpProxyConfig); if direct egress is blocked by design, -ViaProxy tests the proxy path.";
        }
        else if (!matches && path == EgressPath.Proxy)
            // Not a drift of the cluster's egress: the proxy chose the address.
            explanation = $"The request went through the cluster's HTTP proxy {proxy} (httpProxyConfig), so {string.Join(", ", observed)} is the proxy's egress address: the proxy decides it, not the cluster's outbound configuration, and this is no sign that the cluster's egress changed. " +
                $"Run without -ViaProxy to test the cluster's own egress{(expected.Count == 0 ? "" : $" against {string.Join(", ", expected)}")}, or expect the proxy's address here.";
        else if (!matches && allowList.Length > 0)
            explanation = $"{string.Join(", ", outside)} {(outside.Length == 1 ? "is" : "are")} outside the allowlist ({string.Join(", ", allowList)}): a partner that allows only that list would refuse {(outside.Length == 1 ? "it" : "them")}. " +
                          "Re-read the allowlist (Get-AksEgressConfiguration) after egress changes, or pin egress so it stays inside.";
        else if (!matches)
            explanation = await ExplainMismatchAsync(session, request, info, expected, observed, context).ConfigureAwait(false);

        return new EgressTestResult
        {
            ClusterName = info?.ClusterName,
            ClusterId = info?.ClusterId,
            ExpectedIpAddress = expected.ToArray(),
            AllowList = allowList,
            OutsideAllowList = allowList.Length > 0 ? outside : Array.Empty<string>(),
            NodePool = string.IsNullOrEmpty(request.NodePool) ? null : request.NodePool,
            ObservedIpAddress = samples.FirstOrDefault(s => s.ObservedIpAddress is not null)?.ObservedIpAddress,
            ObservedIpAddresses = observed,
            Succeeded = succeeded,
            // One pod / one node only: a summary of several must not name the first sample's (issue 14, item 10).
            PodName = samples.Length == 1 ? samples[0].PodName : null,
            NodeName = samples.Select(s => s.NodeName).Distinct().Count() == 1 ? samples[0].NodeName : null,
            Namespace = ns,
            CheckUri = uri.ToString(),
            DurationSeconds = Math.Round(sw.Elapsed.TotalSeconds, 3),
            Explanation = explanation,
            RawResponse = Shorten(raw, 2048),
            Samples = samples,
            SkippedNodes = skippedNodes.ToArray(),
            Path = path,
            Proxy = proxy,
        };
    }

    private static string? Shorten(string? s, int max)
    {
        if (s is null) return null;
        s = s.Trim();
        return s.Length <= max ? s : s[..max];
    }

    /// <summary>
    /// Test-AksEgressIp -Gateway: one pod annotated with the StaticGatewayConfiguration must egress inside its prefix, and one
    /// unannotated pod in the same namespace must not (it shows the cluster's normal egress). Both run at once; both are deleted.
    /// </summary>
    private async Task<EgressTestResult> TestGatewayAsync(TestEgressIpRequest request, IOperationContext context)
    {
        var ct = context.CancellationToken;
        var uri = new Uri(request.CheckUri, UriKind.Absolute);
        var session = await sessions.KubeClients.GetSessionAsync(request.Kube, context).ConfigureAwait(false);
        var info = session.ClusterInfo ?? request.Kube.ClusterInfo;
        var ns = request.Namespace; var gw = request.Gateway!;
        var sw = Stopwatch.StartNew();
        System.Text.Json.Nodes.JsonObject? sgc;
        try { sgc = StaticEgressGateway.GatewayService.ToNode(await session.Client.CustomObjects.GetNamespacedCustomObjectAsync(StaticEgressGateway.GatewayService.Group, StaticEgressGateway.GatewayService.Version, ns, StaticEgressGateway.GatewayService.Plural, gw, ct).ConfigureAwait(false)); }
        catch (Exception ex) when (KubeErrors.IsStatus(ex, 404)) { sgc = null; }
        catch (Exception ex) when (ex is not OperationCanceledException) { throw KubeErrors.Map(ex, $"{ns}/{gw}", session.Server, ct); }
        if (sgc is null)
            throw new AksEgressException(ErrorIds.GatewayNotFound, EgressErrorCategory.ObjectNotFound,
                $"There is no StaticGatewayConfiguration '{gw}' in namespace '{ns}' (a pod's annotation names a configuration of its own namespace only).", $"{ns}/{gw}",
                "Pass -Namespace of the gateway, or create it there with New-AksEgressGateway.");
        var prefix = sgc["status"]?["egressIpPrefix"]?.ToString();
        if (string.IsNullOrEmpty(prefix))
            throw new AksEgressException(ErrorIds.GatewayNotReady, EgressErrorCategory.ResourceUnavailable,
                $"StaticGatewayConfiguration {ns}/{gw} has no egress prefix yet (status.egressIpPrefix is empty): annotated pods cannot start.", $"{ns}/{gw}",
                "Wait for it (New-AksEgressGateway waits and reports the controller's events), then test again.");
        if (sgc["spec"]?["defaultRoute"]?.ToString() == "azureNetworking")
            context.WriteWarning($"StaticGatewayConfiguration {ns}/{gw} has defaultRoute azureNetworking: only its excludeCidrs go through the gateway, so {uri.Host} is reached through the cluster's normal egress unless its address is in excludeCidrs.");
        var activity = $"Testing gateway {ns}/{gw}";
        context.WriteProgress(new ProgressUpdate(TestProgressId, activity, "annotated and unannotated pod", 0));
        var errors = new ConcurrentQueue<Exception>();
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var runs = new[] { gw, null }.Select(annotation => Task.Run(async () =>
        {
            try { return await RunSampleAsync(session, request, uri, null, context, annotation, abort.Token).ConfigureAwait(false); }
            catch (Exception ex) { errors.Enqueue(ex); abort.Cancel(); return null; }
        })).ToArray();
        SampleOutcome?[] outcomes;
        try { outcomes = await Task.WhenAll(runs).ConfigureAwait(false); }
        finally { context.WriteProgress(new ProgressUpdate(TestProgressId, activity, "Done", 100, Completed: true)); }
        ct.ThrowIfCancellationRequested();
        var first = errors.FirstOrDefault(e => e is AksEgressException) ?? errors.FirstOrDefault(e => e is not OperationCanceledException) ?? errors.FirstOrDefault();
        if (first is not null) throw first is AksEgressException ? first : KubeErrors.Map(first, ns, session.Server, ct);

        var gated = outcomes[0]!; var plain = outcomes[1]!;
        var gatedIn = StaticEgressGateway.GatewayPrefix.Contains(prefix, gated.Sample.ObservedIpAddress);
        var plainIn = StaticEgressGateway.GatewayPrefix.Contains(prefix, plain.Sample.ObservedIpAddress);
        var samples = new[]
        {
            With(gated.Sample, gw, gated.Sample.ObservedIpAddress is null ? null : gatedIn),
            With(plain.Sample, null, plain.Sample.ObservedIpAddress is null ? null : plainIn),
        };
        var succeeded = gated.Sample.ObservedIpAddress is not null && plain.Sample.ObservedIpAddress is not null && gatedIn && !plainIn;
        string? explanation = null;
        if (gated.Sample.ObservedIpAddress is null)
            explanation = $"egress blocked or endpoint unusable: the pod annotated with {gw} observed no address ({gated.Problem}); check the gateway pool's nodes and the configuration's events (kubectl describe staticgatewayconfiguration {gw} -n {ns}).";
        else if (!gatedIn)
            explanation = $"The pod annotated with {gw} left from {gated.Sample.ObservedIpAddress}, outside the gateway prefix {prefix}: " +
                          (sgc["spec"]?["defaultRoute"]?.ToString() == "azureNetworking"
                              ? $"the configuration's defaultRoute is azureNetworking, so only its excludeCidrs use the gateway."
                              : "on clusters whose gateway subnet has a NAT gateway or a 0.0.0.0/0 route to an appliance, that path takes precedence over the gateway's instance-level public IPs.");
        else if (plain.Sample.ObservedIpAddress is null)
            explanation = $"The annotated pod left from {gated.Sample.ObservedIpAddress} (inside {prefix}), but the unannotated pod observed no address ({plain.Problem}), so the gateway's effect is not proven.";
        else if (plainIn)
            explanation = $"The unannotated pod also left from {plain.Sample.ObservedIpAddress}, inside the gateway prefix {prefix}: the prefix is not specific to the gateway's workloads.";
        var observed = samples.Select(x => x.ObservedIpAddress).Where(a => a is not null).Select(a => a!).Distinct().ToArray();
        return new EgressTestResult
        {
            ClusterName = info?.ClusterName, ClusterId = info?.ClusterId,
            ExpectedIpAddress = new ValueList<string>(StaticEgressGateway.GatewayPrefix.AllowList(prefix)),
            ObservedIpAddress = gated.Sample.ObservedIpAddress,
            ObservedIpAddresses = observed,
            Succeeded = succeeded,
            Namespace = ns, CheckUri = uri.ToString(),
            DurationSeconds = Math.Round(sw.Elapsed.TotalSeconds, 3),
            Explanation = explanation,
            RawResponse = Shorten(gated.Sample.ObservedIpAddress is null ? gated.Raw : plain.Sample.ObservedIpAddress is null ? plain.Raw : gated.Raw, 2048),
            Samples = samples,
            Gateway = gw, GatewayPrefix = prefix,
        };

        static EgressSample With(EgressSample x, string? gateway, bool? inPrefix) => new()
        {
            PodName = x.PodName, NodeName = x.NodeName, ObservedIpAddress = x.ObservedIpAddress, Error = x.Error, DurationSeconds = x.DurationSeconds,
            Gateway = gateway, InGatewayPrefix = inPrefix,
        };
    }

    private static Task<SampleOutcome> RunSampleAsync(KubeSession s, TestEgressIpRequest request, Uri uri, string? nodeName, IOperationContext context, CancellationToken ct) =>
        RunSampleAsync(s, request, uri, nodeName, context, null, ct);

    private static async Task<SampleOutcome> RunSampleAsync(KubeSession s, TestEgressIpRequest request, Uri uri, string? nodeName, IOperationContext context, string? gateway, CancellationToken ct)
    {
        var ns = request.Namespace;
        var name = EgressPodBuilder.NewPodName();
        var sw = Stopwatch.StartNew();
        // Only a pod the API server accepted is deleted or mentioned (issue 14, item 5): a create that failed (refused, or never
        // sent because authentication to the cluster failed first) left nothing behind. A create interrupted while in flight
        // (Ctrl+C, another sample failed) may or may not have been accepted: that pod is deleted quietly if it exists.
        var pod = PodState.NotCreated;
        try
        {
            var spec = EgressPodBuilder.Build(name, ns, request.Image, request.CheckUri, request.TimeoutSeconds, nodeName, bypassProxy: !request.ViaProxy);
            if (gateway is not null)
            {
                spec.Metadata.Annotations ??= new Dictionary<string, string>();
                spec.Metadata.Annotations[StaticEgressGateway.GatewayService.Annotation] = gateway;
            }
            try
            {
                pod = PodState.Unknown;
                await s.Client.CoreV1.CreateNamespacedPodAsync(spec, ns, cancellationToken: ct).ConfigureAwait(false);
                pod = PodState.Created;
            }
            catch (Exception ex) when (KubeErrors.IsStatus(ex, 409))
            {
                pod = PodState.NotCreated;              // the existing pod of that name is not ours
                name = EgressPodBuilder.NewPodName();   // name clash: one retry with a fresh name
                spec.Metadata.Name = name;
                try
                {
                    pod = PodState.Unknown;
                    await s.Client.CoreV1.CreateNamespacedPodAsync(spec, ns, cancellationToken: ct).ConfigureAwait(false);
                    pod = PodState.Created;
                }
                catch (Exception ex2) when (ex2 is not OperationCanceledException) { pod = PodState.NotCreated; throw; }
            }
            catch (Exception ex) when (ex is not OperationCanceledException) { pod = PodState.NotCreated; throw; }
            context.WriteVerbose($"Created egress test pod {ns}/{name}{(nodeName is null ? "" : " on node " + nodeName)} (image {request.Image}, {uri}).");
            var final = await WaitForPodAsync(s, ns, name, request, ct).ConfigureAwait(false);
            var node = final.Spec?.NodeName ?? nodeName;
            string log;
            try
            {
                using var stream = await s.Client.CoreV1.ReadNamespacedPodLogAsync(name, ns, container: KubeNames.ContainerName, limitBytes: 65536, cancellationToken: ct).ConfigureAwait(false);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                log = await reader.ReadToEndAsync(ct).ConfigureAwait(false);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested && ex is not AksEgressException)
            {
                throw KubeErrors.Map(ex, $"{ns}/{name}", s.Server, ct);
            }
            var parsed = CheckResponseParser.Parse(log);
            var exit = final.Status?.ContainerStatuses?.FirstOrDefault()?.State?.Terminated?.ExitCode;
            string? problem = parsed.Problem;
            if (!parsed.Success && final.Status?.Phase == "Failed" && exit is not null && !problem!.StartsWith("curl failed", StringComparison.Ordinal))
                problem = $"curl exited with code {exit}: {problem}";
            context.WriteVerbose($"Egress test pod {ns}/{name} on {node}: {(parsed.Success ? parsed.IpAddress : problem)}.");
            return new SampleOutcome(new EgressSample
            {
                PodName = name,
                NodeName = node,
                ObservedIpAddress = parsed.IpAddress,
                Error = parsed.Success ? null : "egress blocked or endpoint unusable: " + problem,
                DurationSeconds = Math.Round(sw.Elapsed.TotalSeconds, 3),
            }, log, problem);
        }
        catch (Exception ex) when (ex is not AksEgressException && !(ex is OperationCanceledException && ct.IsCancellationRequested))
        {
            throw KubeErrors.Map(ex, $"{ns}/{name}", s.Server, ct);
        }
        finally
        {
            if (pod != PodState.NotCreated) await DeleteTestPodAsync(s, ns, name, pod == PodState.Created, context).ConfigureAwait(false);
        }
    }

    /// <summary>Whether the API server accepted the test pod: not (nothing to delete), unknown (the create was interrupted in flight), created.</summary>
    private enum PodState { NotCreated, Unknown, Created }

    /// <summary>Deletes a test pod with a fresh short token, so Ctrl+C still cleans up. Never throws. <paramref name="accepted"/>
    /// false: the create was interrupted, so the pod may not exist; a failed delete then says so.</summary>
    private static async Task DeleteTestPodAsync(KubeSession s, string ns, string name, bool accepted, IOperationContext context)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await s.Client.CoreV1.DeleteNamespacedPodAsync(name, ns, gracePeriodSeconds: 0, cancellationToken: cts.Token).ConfigureAwait(false);
            context.WriteVerbose($"Deleted egress test pod {ns}/{name}.");
        }
        catch (Exception ex) when (KubeErrors.IsStatus(ex, 404)) { }
        catch (Exception ex)
        {
            context.WriteWarning(DeleteFailedText(ns, name, accepted, Redaction.Text(ex.Message)));
        }
    }

    internal static string DeleteFailedText(string ns, string name, bool accepted, string reason) => accepted
        ? EgressTexts.JoinSentences($"Could not delete the egress test pod {ns}/{name}: {reason}", $"Delete it with: kubectl delete pod {name} -n {ns}")
        : EgressTexts.JoinSentences($"The egress test pod {ns}/{name} may have been created (its create request was interrupted) and could not be deleted: {reason}",
            $"If it exists, delete it with: kubectl delete pod {name} -n {ns}");

    private static async Task<V1Pod> WaitForPodAsync(KubeSession s, string ns, string name, TestEgressIpRequest request, CancellationToken ct)
    {
        var outboundType = (s.ClusterInfo ?? request.Kube.ClusterInfo)?.OutboundType;
        return await WaitForPodAsync(s, ns, name, request, outboundType, ct).ConfigureAwait(false);
    }

    private static async Task<V1Pod> WaitForPodAsync(KubeSession s, string ns, string name, TestEgressIpRequest request, string? outboundType, CancellationToken ct)
    {
        var target = $"{ns}/{name}";
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(request.TimeoutSeconds + 5));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        V1Pod? last = null;
        try
        {
            return await KubeWatch.UntilAsync<V1Pod, V1PodList, V1Pod>(
                c => s.Client.CoreV1.ListNamespacedPodAsync(ns, fieldSelector: $"metadata.name={name}", cancellationToken: c),
                (rv, c) => s.Client.CoreV1.ListNamespacedPodWithHttpMessagesAsync(ns, fieldSelector: $"metadata.name={name}", resourceVersion: rv,
                    allowWatchBookmarks: true, timeoutSeconds: 300, watch: true, cancellationToken: c),
                (type, pod) =>
                {
                    if (pod.Metadata?.Name != name) return null;
                    last = pod;
                    if (type == WatchEventType.Deleted)
                        throw new AksEgressException(ErrorIds.KubernetesNotFound, EgressErrorCategory.ObjectNotFound,
                            $"The egress test pod {target} was deleted before it finished.", target, "Run the test again; check for controllers or policies that delete pods in this namespace.");
                    return EvaluatePod(pod, request, target, outboundType);
                },
                linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (timeout.IsCancellationRequested && !ct.IsCancellationRequested && ex is not AksEgressException)
        {
            throw PodTimeout(target, request, last, ex);
        }
    }

    private static AksEgressException PodTimeout(string target, TestEgressIpRequest request, V1Pod? last, Exception? inner) =>
        new(ErrorIds.EgressTestTimeout, EgressErrorCategory.OperationTimeout,
            $"The egress test pod {target} did not finish within {request.TimeoutSeconds} s (last phase: {last?.Status?.Phase ?? "unknown"}{WaitingText(last)}).",
            target, $"Check 'kubectl describe pod' events; increase -TimeoutSeconds on slow clusters; make sure {request.CheckUri} is reachable from the nodes.", inner);

    private static string WaitingText(V1Pod? pod)
    {
        var w = pod?.Status?.ContainerStatuses?.Select(c => c.State?.Waiting).FirstOrDefault(x => x is not null);
        return w is null ? "" : $", container waiting: {w.Reason}{(string.IsNullOrEmpty(w.Message) ? "" : ": " + w.Message)}";
    }

    /// <summary>Null while the pod is still on its way; the pod once it has finished; throws for image pull, scheduling and container creation failures.</summary>
    internal static V1Pod? EvaluatePod(V1Pod pod, TestEgressIpRequest request, string target, string? outboundType = null)
    {
        var phase = pod.Status?.Phase;
        if (phase == "Failed" && pod.Status?.Reason == "DeadlineExceeded") throw PodTimeout(target, request, pod, null);
        if (phase is "Succeeded" or "Failed") return pod;
        foreach (var cs in pod.Status?.ContainerStatuses ?? new List<V1ContainerStatus>())
        {
            var w = cs.State?.Waiting;
            if (w is null) continue;
            if (w.Reason is "ErrImagePull" or "ImagePullBackOff" or "InvalidImageName" or "ErrImageNeverPull")
            {
                var (cause, action) = ImagePullAdvice.Explain(request.Image, w.Message, outboundType);
                throw new AksEgressException(ErrorIds.ImagePullFailed, EgressErrorCategory.ResourceUnavailable,
                    EgressTexts.JoinSentences($"The egress test pod {target} cannot pull the image '{request.Image}' ({w.Reason}): {w.Message}", cause),
                    target, action)
                { RemoteCode = w.Reason };
            }
            if (w.Reason is "CreateContainerConfigError" or "CreateContainerError" or "RunContainerError")
                throw new AksEgressException(ErrorIds.PodRejected, EgressErrorCategory.InvalidOperation,
                    $"The container of the egress test pod {target} could not be started ({w.Reason}): {w.Message}",
                    target, $"The pod runs as user 65534 with a read-only root filesystem; use an image that supports that (the default {TestEgressIpRequest.DefaultImage} does).")
                { RemoteCode = w.Reason };
        }
        var sched = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
        if (sched is { Status: "False", Reason: "Unschedulable" })
            throw new AksEgressException(ErrorIds.PodUnschedulable, EgressErrorCategory.ResourceUnavailable,
                $"The egress test pod {target} cannot be scheduled{(string.IsNullOrEmpty(request.NodeName) ? "" : $" on node '{request.NodeName}'")}: {sched.Message}",
                target, string.IsNullOrEmpty(request.NodeName)
                    ? "Check node capacity, taints and the kubernetes.io/os=linux selector (kubectl describe nodes)."
                    : "Check the node name (kubectl get nodes) or omit -NodeName.")
            { RemoteCode = "Unschedulable" };
        return null;
    }

    // ------------------------------------------------------------------ explanation of a mismatch

    private async Task<string> ExplainMismatchAsync(KubeSession s, TestEgressIpRequest request, AksNodeResourceGroup? info,
        IReadOnlyList<string> expected, IReadOnlyList<string> observed, IOperationContext context)
    {
        var unexpected = observed.Where(o => !expected.Contains(o)).ToList();
        var sb = new StringBuilder($"Observed {string.Join(", ", unexpected)} but expected {string.Join(", ", expected)}.");
        // LoadBalancer Services and their ingress IPs (cheap): which expected address is only a Service frontend?
        var lbServices = new List<(string Name, string? Ip)>();
        try
        {
            using var quick = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
            quick.CancelAfter(TimeSpan.FromSeconds(15));
            var list = await s.Client.CoreV1.ListServiceForAllNamespacesAsync(cancellationToken: quick.Token).ConfigureAwait(false);
            lbServices = list.Items.Where(x => x.Spec?.Type == "LoadBalancer")
                .Select(x => ($"{x.Metadata.NamespaceProperty}/{x.Metadata.Name}", EgressServiceSpec.IngressIp(x))).ToList();
        }
        catch (Exception) when (!context.CancellationToken.IsCancellationRequested) { }

        EgressConfiguration? cfg = null;
        var cluster = request.Kube.Cluster ?? (info is not null && ResourceIdParser.TryParse(info.ClusterId, out _) ? ClusterRef.FromId(info.ClusterId) : null);
        if (cluster is not null)
        {
            try { cfg = await arm().GetEgressConfigurationAsync(cluster, request.Kube.ClusterInfo?.ClusterReadId, context).ConfigureAwait(false); }
            catch (Exception ex) when (!context.CancellationToken.IsCancellationRequested)
            {
                context.WriteVerbose($"Could not read the cluster's egress configuration to explain the result: {Redaction.Text(ex.Message)}");
            }
        }

        EgressDecider? decidedBy = cfg?.EgressDecidedBy ?? info?.EgressDecidedBy;
        var svcText = string.Join(", ", lbServices.Select(x => $"{x.Name}={x.Ip ?? "<pending>"}"));
        string? ServiceOf(string ip) => lbServices.FirstOrDefault(x => x.Ip == ip).Name;

        switch (decidedBy)
        {
            case EgressDecider.LoadBalancerOutboundRule:
                foreach (var o in unexpected)
                {
                    var r = cfg?.EgressIps.FirstOrDefault(e => e.IpAddress == o);
                    sb.Append(r is not null
                        ? $" {o} is this cluster's {(r.AksManaged ? "managed outbound IP" : "outbound IP")} (load balancer outbound rule{(string.IsNullOrEmpty(r.Name) ? "" : ", " + r.Name)})."
                        : cfg is not null && cfg.EgressIpAddress.Contains(o) ? $" {o} is one of this cluster's outbound IPs (load balancer outbound rule)."
                        : $" {o} is the address of the load balancer outbound rule.");
                }
                foreach (var e in expected.Where(e => !observed.Contains(e)))
                {
                    var svc = ServiceOf(e);
                    sb.Append(svc is not null ? $" {e} is only the inbound address of Service {svc};" : $" {e} is not one of the cluster's outbound IPs;");
                }
                sb.Append(EgressTexts.MismatchLoadBalancer);
                break;
            case EgressDecider.NatGateway:
                sb.Append(EgressTexts.MismatchNatGateway(cfg?.EgressIpAddress ?? Array.Empty<string>(), cfg?.PinWith));
                break;
            case EgressDecider.UserDefinedRouting:
                sb.Append(EgressTexts.MismatchUserDefinedRouting);
                break;
            case EgressDecider.BasicLoadBalancerFrontend:
                sb.Append(EgressTexts.MismatchBasic);
                if (svcText.Length > 0) sb.Append(CultureInfo.InvariantCulture, $" LoadBalancer Services: {svcText}.");
                sb.Append(EgressTexts.MismatchBasicRetired);
                break;
            case EgressDecider.None:
            case EgressDecider.Block:
                sb.Append(EgressTexts.MismatchNoManagedEgress);
                break;
            case EgressDecider.Unknown:
                sb.Append(EgressTexts.MismatchUndecided);
                break;
            default:
                foreach (var e in expected.Where(e => !observed.Contains(e)))
                    if (ServiceOf(e) is { } svc) sb.Append(CultureInfo.InvariantCulture, $" {e} is only the inbound address of Service {svc}.");
                sb.Append(EgressTexts.MismatchClusterUnknown);
                break;
        }
        if (cfg is not null && !string.IsNullOrEmpty(cfg.Explanation) && decidedBy is not (EgressDecider.LoadBalancerOutboundRule or EgressDecider.NatGateway or EgressDecider.UserDefinedRouting or EgressDecider.BasicLoadBalancerFrontend))
            sb.Append(' ').Append(cfg.Explanation);
        return sb.ToString();
    }
}
