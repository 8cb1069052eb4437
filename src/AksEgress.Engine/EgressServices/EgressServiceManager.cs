using System.Diagnostics;
using System.Text.RegularExpressions;
using AksEgress.Engine.EgressConfig;
using AksEgress.Engine.Kubernetes;
using AksEgress.Engine.Session;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AksEgress.Engine.EgressServices;

/// <summary>Set-AksEgressService and Remove-AksEgressService: the LoadBalancer Service that carries an egress IP.</summary>
internal sealed class EgressServiceManager(SessionService sessions)
{
    private const int ServiceProgressId = 0x4B51;

    /// <summary>Creates or updates the egress LoadBalancer Service and waits until it shows the IP. Returns null when ShouldProcess declined (WhatIf).</summary>
    public async Task<EgressService?> SetAsync(SetEgressServiceRequest request, IOperationContext context)
    {
        var ct = context.CancellationToken;
        var ip = System.Net.IPAddress.Parse(request.IpAddress.Trim()).ToString();
        var pip = string.IsNullOrWhiteSpace(request.PublicIpId) ? null : ResourceIdParser.ParsePublicIpId(request.PublicIpId);

        var session = await sessions.KubeClients.GetSessionAsync(request.Kube, context).ConfigureAwait(false);
        var info = session.ClusterInfo ?? request.Kube.ClusterInfo;
        if (pip is not null && info is not null && info.SubscriptionId.Length > 0 && !pip.SubscriptionId.Equals(info.SubscriptionId, StringComparison.OrdinalIgnoreCase))
            throw new AksEgressException(ErrorIds.PublicIpConflict, EgressErrorCategory.InvalidArgument,
                $"Public IP '{pip.ResourceGroupName}/{pip.Name}' is in subscription {pip.SubscriptionId}, cluster '{info.ClusterName}' in {info.SubscriptionId}: the cloud provider looks up a Service's public IP " +
                $"(annotation {KubeNames.AnnotationResourceGroup}) only in the cluster's own subscription, so the Service would never get the IP.", pip.Canonical,
                "Create the IP in the cluster's subscription (New-AksEgressIp -SubscriptionId <cluster's>), and pass its id.");
        var ns = request.Namespace;
        var name = request.ServiceName;
        var target = $"{ns}/{name}";
        var nodeRg = request.NodeResourceGroup ?? info?.NodeResourceGroup;
        var rgAnnotation = EgressServiceSpec.ResourceGroupAnnotation(pip?.ResourceGroupName, nodeRg, info?.NodeResourceGroupLocked ?? false);
        var core = session.Client.CoreV1;
        if (pip is null && info?.NodeResourceGroupLocked == true)
            context.WriteWarning($"The node resource group {info.NodeResourceGroup} of {info.ClusterName} is locked (ReadOnly), so {ip} cannot live there; pass -PublicIpId so the Service names the IP's resource group ({KubeNames.AnnotationResourceGroup}).");

        var on = $"{target} on {session.Describe()}";
        string action;
        V1Service current;
        Dictionary<string, int>? baseline = null;
        for (var attempt = 0; ; attempt++)
        {
            V1Service? existing;
            try { existing = await core.ReadNamespacedServiceAsync(name, ns, cancellationToken: ct).ConfigureAwait(false); }
            catch (Exception ex) when (KubeErrors.IsStatus(ex, 404)) { existing = null; }
            catch (Exception ex) { throw KubeErrors.Map(ex, target, session.Server, ct); }
            baseline ??= await EventBaselineAsync(session, ns, name, ct).ConfigureAwait(false);

            if (existing is null)
            {
                if (!context.ShouldProcess(on, $"Create LoadBalancer Service for egress IP {ip}")) return null;
                var desired = EgressServiceSpec.Build(name, ns, ip, request.Port, rgAnnotation);
                try { current = await core.CreateNamespacedServiceAsync(desired, ns, cancellationToken: ct).ConfigureAwait(false); }
                catch (Exception ex) when (attempt == 0 && KubeErrors.IsStatus(ex, 409))
                {
                    // Another run created it between our read and our create (AlreadyExists): read it again and converge on it.
                    context.WriteVerbose($"Service {target} was created meanwhile by someone else (409 AlreadyExists); reading it again.");
                    continue;
                }
                catch (Exception ex) when (ex is OperationCanceledException && ct.IsCancellationRequested)
                {
                    // Stopped while the create was in flight: the API server may have created it.
                    throw await AfterInterruptedCreateAsync(ex, session, request, ip, rgAnnotation, context).ConfigureAwait(false);
                }
                catch (Exception ex) { throw KubeErrors.Map(ex, target, session.Server, ct); }
                action = "Created";
                context.WriteVerbose($"Created Service {target} (LoadBalancer, port {request.Port}, annotation {KubeNames.AnnotationIpv4}={ip}{(rgAnnotation is null ? "" : $", {KubeNames.AnnotationResourceGroup}={rgAnnotation}")}).");
            }
            else
            {
                if (!KubeNames.IsOurs(existing.Metadata) && !request.Force)
                    throw new AksEgressException(ErrorIds.ServiceNotOwned, EgressErrorCategory.ResourceExists,
                        $"The Service {target} exists but was not created by AksEgress (it has no label {KubeNames.ManagedByLabel}={KubeNames.ManagedByValue}); AksEgress will not change it.",
                        target, "Choose another -ServiceName, or pass -Force to take the Service over (its selector and ports are replaced).");
                if (EgressServiceSpec.Matches(existing, ip, request.Port, rgAnnotation))
                {
                    current = existing;
                    action = "Unchanged";
                    context.WriteVerbose($"Service {target} already has the desired configuration.");
                }
                else
                {
                    if (!context.ShouldProcess(on, $"Update LoadBalancer Service for egress IP {ip}")) return null;
                    var patch = new V1Patch(EgressServiceSpec.MergePatch(existing, ip, request.Port, rgAnnotation), V1Patch.PatchType.MergePatch);
                    try { current = await core.PatchNamespacedServiceAsync(patch, name, ns, cancellationToken: ct).ConfigureAwait(false); }
                    catch (Exception ex) { throw KubeErrors.Map(ex, target, session.Server, ct); }
                    action = "Updated";
                    context.WriteVerbose($"Updated Service {target} for egress IP {ip}.");
                }
            }

            break;
        }

        if (!EgressServiceSpec.ShowsIp(current, ip))
        {
            try
            {
                current = await WaitForIngressAsync(session, current, ip, request.TimeoutSeconds, baseline ?? new Dictionary<string, int>(), info, pip, rgAnnotation ?? nodeRg, context).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // The wait failed or was stopped: the Service is pending; on a Basic cluster it could later move egress (issue 14, item 17).
                throw await AfterFailedWaitAsync(ex, session, request, current, created: action == "Created", ip, context).ConfigureAwait(false);
            }
        }

        var (decides, reason, note) = EgressTexts.ServiceNote(info, target, ip);
        if (decides != true) context.WriteWarning(note);
        return new EgressService
        {
            Namespace = ns,
            ServiceName = name,
            IpAddress = ip,
            IngressIpAddress = EgressServiceSpec.ShowsIp(current, ip) ? ip : EgressServiceSpec.IngressIp(current),
            Port = request.Port,
            PublicIpId = pip?.Canonical ?? request.PublicIpId,
            PublicIpResourceGroupName = pip?.ResourceGroupName,
            Annotations = new Dictionary<string, string>(current.Metadata?.Annotations ?? new Dictionary<string, string>()),
            Action = action,
            DecidesEgress = decides,
            DecidesEgressReason = reason,
            EgressDecidedBy = info?.EgressDecidedBy,
            EgressNote = note,
            SubscriptionId = info?.SubscriptionId ?? pip?.SubscriptionId,
            ClusterName = info?.ClusterName,
            ClusterResourceGroupName = info?.ResourceGroupName,
            ClusterId = info?.ClusterId,
            NodeResourceGroup = nodeRg,
            LoadBalancerSku = info?.LoadBalancerSku,
            OutboundType = info?.OutboundType,
            KubernetesServer = session.Server,
            KubeConfigPath = session.KubeConfigPath,
            KubeContext = session.KubeContext,
        };
    }

    /// <summary>
    /// After a failed or stopped wait: with <see cref="SetEgressServiceRequest.Cleanup"/> deletes the Service this call created
    /// (never one that existed before); the error then says what happened to the Service and how to remove one that was left.
    /// Returns the exception to throw.
    /// </summary>
    private static async Task<Exception> AfterFailedWaitAsync(Exception ex, KubeSession s, SetEgressServiceRequest request, V1Service service, bool created, string ip, IOperationContext context)
    {
        var ns = service.Metadata.NamespaceProperty ?? request.Namespace;
        var name = service.Metadata.Name ?? request.ServiceName;
        var target = $"{ns}/{name}";
        if (ex is AksEgressException { ErrorId: ErrorIds.KubernetesNotFound }) return ex;   // deleted meanwhile: nothing is left
        var stopped = ex is OperationCanceledException && context.CancellationToken.IsCancellationRequested;

        string fate;
        string? removal = null;
        if (!created)
            fate = request.Cleanup
                ? $"The Service {target} existed before this call, so -Cleanup left it (it now asks for {ip})."
                : $"The Service {target} existed before this call and now asks for {ip}.";
        else if (request.Cleanup)
        {
            var failure = await DeleteCreatedServiceAsync(s, ns, name, service.Metadata.Uid, context).ConfigureAwait(false);
            if (failure is null)
            {
                fate = $"-Cleanup removed the Service {target} this call had created.";
                context.WriteVerbose($"Removed Service {target} (-Cleanup).");
            }
            else
            {
                fate = EgressTexts.JoinSentences($"-Cleanup could not remove the Service {target} this call had created: {failure}",
                    "The pending LoadBalancer Service was left; on a Basic load balancer cluster it could later become the egress IP.");
                removal = RemovalAdvice(ns, name);
            }
        }
        else
        {
            fate = $"The pending LoadBalancer Service {target} this call created was left in place; on a Basic load balancer cluster it could later become the egress IP.";
            removal = EgressTexts.JoinSentences(RemovalAdvice(ns, name), "Or run the command again with -Cleanup, which removes it when the load balancer fails.");
        }

        if (stopped || ex is not AksEgressException egress)
        {
            if (removal is not null || !created) context.WriteWarning(EgressTexts.JoinSentences(fate, removal));
            return ex;
        }
        return new AksEgressException(egress.ErrorId, egress.Category, EgressTexts.JoinSentences(egress.Message, fate), egress.TargetObject,
            EgressTexts.JoinSentences(egress.RecommendedAction, removal), egress.InnerException)
        { RemoteCode = egress.RemoteCode, HttpStatus = egress.HttpStatus };
    }

    /// <summary>Ctrl+C while the create was in flight: if the API server created our Service (our label, our IP), it is treated
    /// as created by this call. Returns the exception to throw.</summary>
    private static async Task<Exception> AfterInterruptedCreateAsync(Exception ex, KubeSession s, SetEgressServiceRequest request, string ip, string? rgAnnotation, IOperationContext context)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        V1Service svc;
        try { svc = await s.Client.CoreV1.ReadNamespacedServiceAsync(request.ServiceName, request.Namespace, cancellationToken: cts.Token).ConfigureAwait(false); }
        catch (Exception) { return ex; }   // not there (404), or unknown: nothing this call can say it created
        if (!KubeNames.IsOurs(svc.Metadata) || svc.Metadata.DeletionTimestamp is not null || !EgressServiceSpec.Matches(svc, ip, request.Port, rgAnnotation))
            return ex;
        return await AfterFailedWaitAsync(ex, s, request, svc, created: true, ip, context).ConfigureAwait(false);
    }

    internal static string RemovalAdvice(string ns, string name) =>
        $"Remove it with: Remove-AksEgressService -Name {name} -Namespace {ns} (or kubectl delete service {name} -n {ns})";

    /// <summary>Deletes the Service this call created, only if it is still that object (uid precondition); a fresh short token, so
    /// it also runs after Ctrl+C. Returns null when it is gone, else why it could not be deleted. Never throws.</summary>
    private static async Task<string?> DeleteCreatedServiceAsync(KubeSession s, string ns, string name, string? uid, IOperationContext context)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            var options = uid is null ? null : new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = uid } };
            await s.Client.CoreV1.DeleteNamespacedServiceAsync(name, ns, body: options, cancellationToken: cts.Token).ConfigureAwait(false);
            return null;
        }
        catch (Exception ex) when (KubeErrors.IsStatus(ex, 404)) { return null; }
        // A finished delete (no finalizer) answers 200 with a Status, which the client cannot read as a V1Service: deleted.
        catch (Exception ex) when (ex is System.Text.Json.JsonException || ex.InnerException is System.Text.Json.JsonException) { return null; }
        catch (Exception ex)
        {
            var mapped = KubeErrors.Map(ex, $"{ns}/{name}", s.Server);
            context.WriteVerbose($"Could not remove Service {ns}/{name}: {Redaction.Text(mapped.Message)}");
            return Redaction.Text(mapped.Message);
        }
    }

    private static async Task<Dictionary<string, int>> EventBaselineAsync(KubeSession s, string ns, string name, CancellationToken ct)
    {
        try
        {
            var list = await ListServiceEventsAsync(s, ns, name, ct).ConfigureAwait(false);
            return list.Where(e => e.Metadata?.Name is not null).ToDictionary(e => e.Metadata.Name, e => e.Count ?? 1);
        }
        catch (Exception) when (!ct.IsCancellationRequested) { return new Dictionary<string, int>(); }
    }

    private static async Task<IList<Corev1Event>> ListServiceEventsAsync(KubeSession s, string ns, string name, CancellationToken ct)
    {
        var list = await s.Client.CoreV1.ListNamespacedEventAsync(ns, fieldSelector: $"involvedObject.name={name},involvedObject.kind=Service", cancellationToken: ct).ConfigureAwait(false);
        return (list.Items ?? new List<Corev1Event>()).Where(e => e.InvolvedObject?.Name == name && (e.InvolvedObject.Kind ?? "Service") == "Service").ToList();
    }

    private static async Task<V1Service> WaitForIngressAsync(KubeSession s, V1Service svc, string ip, int timeoutSeconds, Dictionary<string, int> baseline,
        AksNodeResourceGroup? info, ParsedResourceId? pip, string? ipResourceGroup, IOperationContext context)
    {
        var ns = svc.Metadata.NamespaceProperty;
        var name = svc.Metadata.Name;
        var target = $"{ns}/{name}";
        var uid = svc.Metadata.Uid;
        var activity = $"Waiting for load balancer IP {ip} on {target}";
        var sw = Stopwatch.StartNew();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, timeout.Token);
        AksEgressException? eventFailure = null;
        context.WriteProgress(new ProgressUpdate(ServiceProgressId, activity, "0 s elapsed"));

        var eventsTask = Task.Run(async () =>
        {
            var delay = 250;
            while (!linked.IsCancellationRequested)
            {
                try { await Task.Delay(delay, linked.Token).ConfigureAwait(false); } catch (OperationCanceledException) { return; }
                delay = 1000;
                context.WriteProgress(new ProgressUpdate(ServiceProgressId, activity, $"{sw.Elapsed.TotalSeconds:0} s elapsed"));
                try
                {
                    var events = await ListServiceEventsAsync(s, ns, name, linked.Token).ConfigureAwait(false);
                    var failed = events
                        .Where(e => e.Type == "Warning" && e.Reason == "SyncLoadBalancerFailed" && (uid is null || e.InvolvedObject?.Uid is null || e.InvolvedObject.Uid == uid))
                        .Where(e => !baseline.TryGetValue(e.Metadata?.Name ?? "", out var c) || (e.Count ?? 1) > c)
                        .OrderByDescending(e => e.LastTimestamp ?? e.EventTime ?? e.Metadata?.CreationTimestamp)
                        .FirstOrDefault();
                    if (failed is not null)
                    {
                        Volatile.Write(ref eventFailure, SyncFailure(failed.Message ?? "", target, ip, info, pip, ipResourceGroup));
                        linked.Cancel();
                        return;
                    }
                }
                catch (Exception) when (!linked.IsCancellationRequested) { /* transient: the watch reports real failures */ }
                catch (Exception) { return; }
            }
        });

        try
        {
            return await KubeWatch.UntilAsync<V1Service, V1ServiceList, V1Service>(
                c => s.Client.CoreV1.ListNamespacedServiceAsync(ns, fieldSelector: $"metadata.name={name}", cancellationToken: c),
                (rv, c) => s.Client.CoreV1.ListNamespacedServiceWithHttpMessagesAsync(ns, fieldSelector: $"metadata.name={name}", resourceVersion: rv,
                    allowWatchBookmarks: true, timeoutSeconds: 300, watch: true, cancellationToken: c),
                (type, obj) =>
                {
                    if (obj.Metadata?.Name != name) return null;
                    if (type == WatchEventType.Deleted)
                        throw new AksEgressException(ErrorIds.KubernetesNotFound, EgressErrorCategory.ObjectNotFound,
                            $"The Service {target} was deleted while waiting for its load balancer IP {ip}.", target, "Run the command again.");
                    context.WriteProgress(new ProgressUpdate(ServiceProgressId, activity, $"{sw.Elapsed.TotalSeconds:0} s elapsed"));
                    return EgressServiceSpec.ShowsIp(obj, ip) ? obj : null;
                },
                linked.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (Volatile.Read(ref eventFailure) is not null && ex is not AksEgressException)
        {
            throw eventFailure!;
        }
        catch (Exception ex) when (context.CancellationToken.IsCancellationRequested && ex is not AksEgressException)
        {
            throw new OperationCanceledException("Stopped while waiting for the load balancer IP.", ex, context.CancellationToken);
        }
        catch (Exception ex) when (timeout.IsCancellationRequested && ex is not AksEgressException)
        {
            var warnings = "";
            try
            {
                using var quick = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                var events = await ListServiceEventsAsync(s, ns, name, quick.Token).ConfigureAwait(false);
                warnings = string.Join(" | ", events.Where(e => e.Type == "Warning").Select(e => $"{e.Reason}: {e.Message}").Distinct().Take(5));
            }
            catch (Exception) { /* best effort */ }
            throw new AksEgressException(ErrorIds.LoadBalancerTimeout, EgressErrorCategory.OperationTimeout,
                $"The load balancer did not assign {ip} to the Service {target} within {timeoutSeconds} s." + (warnings.Length > 0 ? $" Warning events: {warnings}" : " No Warning events were recorded for the Service."),
                target, $"Check 'kubectl describe service {name} -n {ns}'; the IP must be a Standard static public IP in the node resource group or in the group named by -PublicIpId, and the cluster identity needs Network Contributor there. Increase -TimeoutSeconds if Azure is slow.", ex);
        }
        catch (Exception ex)
        {
            throw KubeErrors.Map(ex, target, s.Server, context.CancellationToken);
        }
        finally
        {
            linked.Cancel();
            try { await eventsTask.ConfigureAwait(false); } catch { /* ignored */ }
            context.WriteProgress(new ProgressUpdate(ServiceProgressId, activity, "Done", 100, Completed: true));
        }
    }

    private static readonly Regex ClientIdRegex = new(@"client '([0-9a-fA-F-]{36})'", RegexOptions.Compiled);
    private static readonly Regex ScopeRgRegex = new(@"/subscriptions/([0-9a-fA-F-]{36})/resourceGroups/([^/'""\s]+)", RegexOptions.Compiled | RegexOptions.IgnoreCase);

    internal static AksEgressException SyncFailure(string message, string target, string ip, AksNodeResourceGroup? info, ParsedResourceId? pip, string? ipResourceGroup)
    {
        var text = Redaction.Text(message);
        if (text.Contains("AuthorizationFailed", StringComparison.OrdinalIgnoreCase))
        {
            var client = ClientIdRegex.Match(text);
            var principal = info?.IdentityPrincipalId ?? (client.Success ? client.Groups[1].Value : "<cluster identity principal id>");
            var scope = ScopeRgRegex.Match(text);
            var sub = pip?.SubscriptionId ?? (scope.Success ? scope.Groups[1].Value : info?.SubscriptionId) ?? "<subscription>";
            var rg = pip?.ResourceGroupName ?? (scope.Success ? scope.Groups[2].Value : ipResourceGroup) ?? "<resource group of the IP>";
            var who = info is null ? $"The cluster identity (principal {principal})" : $"The identity of cluster {info.ClusterName} (principal {principal})";
            return new AksEgressException(ErrorIds.LoadBalancerSyncFailed, EgressErrorCategory.PermissionDenied,
                $"{who} is not allowed to use the public IP {ip} in resource group {rg}, so the load balancer of {target} could not be configured. Event: {text}",
                target,
                $"Grant the cluster identity Network Contributor on the IP's resource group: New-AzRoleAssignment -ObjectId {principal} -RoleDefinitionName 'Network Contributor' -Scope /subscriptions/{sub}/resourceGroups/{rg} (role assignments can take a few minutes to apply), then run the command again.")
            { RemoteCode = "SyncLoadBalancerFailed" };
        }
        var action = text.Contains("cannot find public IP", StringComparison.OrdinalIgnoreCase) || text.Contains("was not found", StringComparison.OrdinalIgnoreCase)
            ? $"Make sure {ip} is the address of a Standard static public IP in resource group {ipResourceGroup ?? "(the node resource group)"}; if the IP lives in another resource group pass -PublicIpId so the Service gets the {KubeNames.AnnotationResourceGroup} annotation."
            : $"Check 'kubectl describe service' for {target} and the public IP {ip}, fix the cause named in the event, then run the command again.";
        return new AksEgressException(ErrorIds.LoadBalancerSyncFailed, EgressErrorCategory.InvalidResult,
            $"The cloud provider could not give the Service {target} the IP {ip}: {text}", target, action)
        { RemoteCode = "SyncLoadBalancerFailed" };
    }

    // ====================================================================== Remove-AksEgressService
    // ---- raised by: Remove-AksEgressService

    public async Task<bool> RemoveAsync(RemoveEgressServiceRequest request, IOperationContext context)
    {
        var ct = context.CancellationToken;
        var session = await sessions.KubeClients.GetSessionAsync(request.Kube, context).ConfigureAwait(false);
        var target = $"{request.Namespace}/{request.ServiceName}";
        V1Service existing;
        try { existing = await session.Client.CoreV1.ReadNamespacedServiceAsync(request.ServiceName, request.Namespace, cancellationToken: ct).ConfigureAwait(false); }
        catch (Exception ex) when (KubeErrors.IsStatus(ex, 404)) { context.WriteVerbose($"Service {target} does not exist."); return false; }
        catch (Exception ex) { throw KubeErrors.Map(ex, target, session.Server, ct); }
        if (existing.Metadata.DeletionTimestamp is not null)
        {
            // Deleted already; the cloud provider's finalizer is releasing the load balancer frontend. Nothing more to do.
            context.WriteVerbose($"Service {target} is already being deleted (since {existing.Metadata.DeletionTimestamp:u}); waiting on the load balancer cleanup finalizer.");
            return false;
        }
        if (!KubeNames.IsOurs(existing.Metadata) && !request.Force)
            throw new AksEgressException(ErrorIds.ServiceNotOwned, EgressErrorCategory.ResourceExists,
                $"The Service {target} was not created by AksEgress (no label {KubeNames.ManagedByLabel}={KubeNames.ManagedByValue}); AksEgress will not delete it.",
                target, "Pass -Force to delete it anyway, or delete it with kubectl.");
        if (!context.ShouldProcess($"{target} on {session.Describe()}", "Delete LoadBalancer Service")) return false;
        try { await session.Client.CoreV1.DeleteNamespacedServiceAsync(request.ServiceName, request.Namespace, cancellationToken: ct).ConfigureAwait(false); }
        catch (Exception ex) when (KubeErrors.IsStatus(ex, 404)) { return false; }
        // A finished delete (no finalizer) answers 200 with a Status, which the client cannot read as a V1Service: deleted.
        catch (Exception ex) when (ex is System.Text.Json.JsonException || ex.InnerException is System.Text.Json.JsonException) { }
        catch (Exception ex) { throw KubeErrors.Map(ex, target, session.Server, ct); }
        context.WriteVerbose($"Deleted Service {target}.");
        return true;
    }
}
