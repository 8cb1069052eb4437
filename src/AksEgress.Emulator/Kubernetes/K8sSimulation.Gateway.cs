namespace AksEgress.Emulator;

/// <summary>
/// The kube-egress-gateway controller and CNI as AKS runs them (docs/research/static-egress-gateway-facts.md §2.4-2.9): sets
/// status.egressIpPrefix (one public IP prefix per configuration, of the pool's size), holds its finalizer until the gateway
/// resources are drained, and decides the egress of annotated pods.
/// </summary>
internal sealed partial class K8sSimulation
{
    private const string GwKind = "StaticGatewayConfiguration";

    public void GatewayChanged(Cluster c, JsonObject sgc) => Enqueue(c, w.Options.LoadBalancerDelayMilliseconds, () => ReconcileGateway(c, sgc));

    /// <summary>A pool was created or deleted: every configuration is reconciled again.</summary>
    public void GatewayPoolsChanged(Cluster c)
    {
        foreach (var g in c.K8s.Gateways.Values.ToList()) GatewayChanged(c, JsonUtil.Clone(g));
    }

    private void ReconcileGateway(Cluster c, JsonObject snap)
    {
        if (!Alive(c, snap, GwKind, out var sgc)) return;
        var md = JsonUtil.Obj(sgc, "metadata");
        var spec = sgc["spec"] as JsonObject ?? new JsonObject();
        var poolName = JsonUtil.S(spec, "gatewayNodepoolName");
        var pool = string.IsNullOrEmpty(poolName) ? null : EmulatorWorld.FindPool(c, poolName);
        var poolOk = pool is not null && EmulatorWorld.IsGatewayPool(pool) && JsonUtil.S(pool, "provisioningState") is not "Deleting";
        if (md["deletionTimestamp"] is not null)
        {
            if (!poolOk)
            {
                // The VM configuration's delete path needs the pool too: the finalizers stay and the prefix is orphaned (facts §2.9).
                w.RecordEvent(c.K8s, sgc, "Warning", "EnsureDeleteGatewayVMConfigurationError", "gateway VMSS not found", "gateway-vm-configuration-controller");
                return;
            }
            // Drain: secondary ipconfigs removed from the gateway nodes, the prefix deleted, then the finalizer goes.
            Enqueue(c, w.Options.LoadBalancerDelayMilliseconds, () =>
            {
                if (!Alive(c, snap, GwKind, out var live)) return;
                if (JsonUtil.Get(live, "status", "egressIpPrefix") is JsonValue p && JsonUtil.S(live, "spec", "publicIpPrefixId") is null
                    && JsonUtil.Bool(JsonUtil.Get(live, "spec", "provisionPublicIps")) != false)
                    w.ReleasePrefix(p.ToString());
                JsonUtil.Obj(live, "metadata").Remove("finalizers");
                w.Commit(c.K8s, GwKind, "DELETED", live);
            });
            return;
        }
        var vmss = spec["gatewayVmssProfile"] as JsonObject;
        string? invalid = null;
        if (string.IsNullOrEmpty(poolName) && vmss is null) invalid = "spec.gatewaynodepoolname: Invalid value: \"\": Either GatewayNodepoolName or GatewayVmssProfile must be provided";
        else if (!string.IsNullOrEmpty(poolName) && vmss is not null) invalid = $"spec.gatewaynodepoolname: Invalid value: \"{poolName}\": Only one of GatewayNodepoolName and GatewayVmssProfile should be provided";
        else if (JsonUtil.Bool(spec["provisionPublicIps"]) == false && JsonUtil.S(spec, "publicIpPrefixId") is { Length: > 0 } pid)
            invalid = $"spec.publicipprefixid: Invalid value: \"{pid}\": PublicIpPrefixId should be empty when ProvisionPublicIps is false";
        if (invalid is not null)
        {
            w.RecordEvent(c.K8s, sgc, "Warning", "InvalidSpec", $"StaticGatewayConfiguration.egressgateway.kubernetes.azure.com \"{JsonUtil.S(md, "name")}\" is invalid: {invalid}", "staticgatewayconfiguration-controller");
            return;
        }
        var finalizers = md["finalizers"] as JsonArray;
        var changed = false;
        if (finalizers is null || !finalizers.Any(f => f?.ToString() == EmulatorWorld.GatewayFinalizer))
        {
            if (finalizers is null) md["finalizers"] = finalizers = new JsonArray();
            finalizers.Add(EmulatorWorld.GatewayFinalizer);
            changed = true;
        }
        if (!poolOk)
        {
            if (changed) w.Commit(c.K8s, GwKind, "MODIFIED", sgc);
            // status.egressIpPrefix keeps its last value (stale): only the child objects' status would overwrite it.
            w.RecordEvent(c.K8s, sgc, "Warning", "ReconcileGatewayLBConfigurationError", "gateway agent pool not found", "staticgatewayconfiguration-controller");
            return;
        }
        var status = JsonUtil.Obj(sgc, "status");
        if (JsonUtil.S(status, "egressIpPrefix") is not { Length: > 0 })
        {
            var size = JsonUtil.Int(JsonUtil.Get(pool, "gatewayProfile", "publicIPPrefixSize")) ?? 31;
            string? prefix;
            if (JsonUtil.Bool(spec["provisionPublicIps"]) == false)
            {
                // Private mode: a comma-separated list of the gateway nodes' secondary private IPs, not a CIDR (facts §2.2).
                var n = JsonUtil.Int(pool!["count"]) ?? 2;
                prefix = string.Join(",", Enumerable.Range(0, n).Select(i => $"10.224.1.{8 + i}"));
            }
            else if (JsonUtil.S(spec, "publicIpPrefixId") is { Length: > 0 } byo)
            {
                // Bring your own prefix (facts §2.7): same subscription, prefixLength = the pool's size; never deleted on teardown.
                var error = ByoPrefixError(byo, size, out prefix);
                if (error is not null)
                {
                    w.RecordEvent(c.K8s, sgc, "Warning", "ReconcileGatewayVMConfigurationError", error, "gateway-vm-configuration-controller");
                    if (changed) w.Commit(c.K8s, GwKind, "MODIFIED", sgc);
                    return;
                }
            }
            else prefix = w.AllocateGatewayPrefix(size);
            if (prefix is null)
            {
                w.RecordEvent(c.K8s, sgc, "Warning", "ReconcileGatewayVMConfigurationError", "failed to create managed public ip prefix: PublicIPPrefixCountLimitReached", "gateway-vm-configuration-controller");
                if (changed) w.Commit(c.K8s, GwKind, "MODIFIED", sgc);
                return;
            }
            status["egressIpPrefix"] = prefix;
            status["gatewayServerProfile"] = new JsonObject
            {
                ["ip"] = "10.224.0.250",
                ["port"] = 6000 + c.K8s.Gateways.Count,
                ["publicKey"] = Convert.ToBase64String(Guid.NewGuid().ToByteArray().Concat(Guid.NewGuid().ToByteArray()).ToArray()),
                ["privateKeySecretRef"] = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Secret", ["name"] = "sgw-" + JsonUtil.S(md, "uid"), ["namespace"] = "aks-static-egress-gateway" },
            };
            changed = true;
        }
        if (changed) w.Commit(c.K8s, GwKind, "MODIFIED", sgc);
        w.RecordEvent(c.K8s, sgc, "Normal", "Reconciled", $"StaticGatewayConfiguration provisioned with egress prefix {JsonUtil.S(status, "egressIpPrefix")}", "staticgatewayconfiguration-controller");
    }

    /// <summary>The controller's checks of a bring-your-own prefix (its Go error texts); null and the prefix CIDR when it fits. Caller holds Sync.</summary>
    private string? ByoPrefixError(string id, int size, out string? cidr)
    {
        cidr = null;
        var m = System.Text.RegularExpressions.Regex.Match(id, @"^/subscriptions/(?<sub>[^/]+)/resourceGroups/[^/]+/providers/Microsoft\.Network/publicIPPrefixes/[^/]+$", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        if (!m.Success) return $"failed to parse public ip prefix id: {id}";
        if (!m.Groups["sub"].Value.Equals(w.SubscriptionId, StringComparison.OrdinalIgnoreCase))
            return $"public ip prefix subscription({m.Groups["sub"].Value}) is not in the same subscription({w.SubscriptionId})";
        var p = EmulatorWorld.FindById(w.PublicIpPrefixes, id, "publicIPPrefixes");
        if (p?.IpPrefix is null) return $"failed to get public ip prefix({id}): GET {id}: RESPONSE 404: 404 Not Found ERROR CODE: ResourceNotFound";
        if (p.PrefixLength != size) return $"provided public ip prefix has invalid length({p.PrefixLength}), required({size})";
        cidr = p.IpPrefix;
        return null;
    }

    /// <summary>
    /// The gateway decision for a pod's sandbox: null gateway = normal egress; a sandbox error = the CNI refused (pod stays in
    /// ContainerCreating). hostNetwork pods never reach the CNI, so their annotation has no effect (facts §2.6). Caller holds Sync.
    /// </summary>
    private static (JsonObject? Gateway, string? SandboxError) GatewayOf(Cluster c, JsonObject pod)
    {
        var name = JsonUtil.S(pod, "metadata", "annotations", EmulatorWorld.GatewayAnnotation);
        if (string.IsNullOrEmpty(name) || JsonUtil.Bool(JsonUtil.Get(pod, "spec", "hostNetwork")) == true) return (null, null);
        var ns = JsonUtil.S(pod, "metadata", "namespace");
        const string prefix = "Failed to create pod sandbox: plugin type=\"kube-egress-cni\" failed (add): failed to send nicAdd request: rpc error: ";
        if (!EmulatorWorld.GatewayEnabled(c) || !c.K8s.Gateways.TryGetValue(ns + "/" + name, out var sgc))
            return (null, prefix + $"code = Unknown desc = failed to retrieve StaticGatewayConfiguration {ns}/{name}: {"staticgatewayconfigurations"}.egressgateway.kubernetes.azure.com \"{name}\" not found");
        if (JsonUtil.S(sgc, "status", "egressIpPrefix") is not { Length: > 0 })
            return (null, prefix + "code = FailedPrecondition desc = the egress IP prefix is not ready yet.");
        return (sgc, null);
    }

    /// <summary>The source address of one flow of a pod behind a gateway (null = no egress: the tunnel leads nowhere).</summary>
    private string? GatewayPick(Cluster c, JsonObject sgc)
    {
        if (JsonUtil.S(sgc, "spec", "defaultRoute") == "azureNetworking") return Egress.Pick(w, c);   // only excludeCidrs use the gateway
        var pool = EmulatorWorld.FindPool(c, JsonUtil.S(sgc, "spec", "gatewayNodepoolName") ?? "");
        if (pool is null || !EmulatorWorld.IsGatewayPool(pool)) return null;   // the pool was deleted under the configuration
        var prefix = JsonUtil.S(sgc, "status", "egressIpPrefix")!;
        if (JsonUtil.Bool(JsonUtil.Get(sgc, "spec", "provisionPublicIps")) == false) return Egress.Pick(w, c);
        var addresses = EmulatorWorld.PrefixAddresses(prefix);
        var nodes = Math.Max(1, Math.Min(addresses.Count, JsonUtil.Int(pool["count"]) ?? 1));
        return addresses.Count == 0 ? null : addresses[Random.Shared.Next(nodes)];
    }
}
