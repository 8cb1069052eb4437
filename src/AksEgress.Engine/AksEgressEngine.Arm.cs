using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using Azure.Core;
using Azure.Identity;
using k8s;
using AksEgress.Engine.Arm;
using AksEgress.Models;

namespace AksEgress.Engine;

/// <summary>
/// The ARM half of the engine. All requests go through one <see cref="Azure.Core.Pipeline.HttpPipeline"/> built from
/// <see cref="Azure.ResourceManager.ArmClientOptions"/> (same transport, retry policy, pinned api-versions) with a bearer-token policy.
/// The session (credential + pipeline + caches) is immutable and swapped atomically, so parallel runspaces are safe.
/// </summary>
public sealed partial class AksEgressEngine : IClusterCredentialSource
{
    private const string AksServerAppScope = "6dae42f8-4368-4678-94ff-3960e28e3630/.default";
    private ArmSession? _session;
    private readonly SemaphoreSlim _defaultSessionLock = new(1, 1);

    public AksEgressConnection? Connection => Volatile.Read(ref _session) is { Explicit: true } s ? s.Connection : null;

    // ------------------------------------------------------------------ connect

    public async Task<AksEgressConnection> ConnectAsync(ConnectRequest request, IOperationContext context)
    {
        ArmSessionFactory.CurrentContext.Value = context;
        var session = await BuildSessionAsync(request, explicitConnect: true, context).ConfigureAwait(false);
        Interlocked.Exchange(ref _session, session);
        // Kubernetes credentials came from the previous connection: never reuse them under a new one.
        Interlocked.Exchange(ref _kubeFactory, null);
        context.WriteVerbose($"Connected: {session.Connection.AuthenticationMethod} to {session.Endpoint} (subscription {session.SubscriptionId})");
        return session.Connection;
    }

    public void Disconnect()
    {
        Interlocked.Exchange(ref _session, null);
        Interlocked.Exchange(ref _kubeFactory, null);
    }

    private async Task<ArmSession> BuildSessionAsync(ConnectRequest request, bool explicitConnect, IOperationContext context)
    {
        if (request.SubscriptionId is not null) InputValidation.ValidateSubscriptionId(request.SubscriptionId);
        if (request.TenantId is not null && !InputValidation.IsSubscriptionId(request.TenantId) && !request.TenantId.Contains('.'))
            throw InputValidation.Invalid(ErrorIds.ConflictingParameters, request.TenantId,
                $"'{request.TenantId}' is not a tenant id (a GUID or a domain such as contoso.onmicrosoft.com).", "Pass -TenantId <guid>.");
        if (request.AccessToken is not null && request.Identity)
            throw InputValidation.Invalid(ErrorIds.ConflictingParameters, null,
                "-AccessToken and -Identity cannot be used together: choose one way to authenticate.", "Pass either -AccessToken or -Identity.");
        if (request.ClientId is not null && !request.Identity && request.AccessToken is not null)
            throw InputValidation.Invalid(ErrorIds.ConflictingParameters, request.ClientId,
                "-ClientId names a managed identity and cannot be used with -AccessToken.", "Remove -ClientId, or use -Identity -ClientId <id>.");
        if (request.ArmEndpoint is { } ep && (!ep.IsAbsoluteUri || ep.Scheme != Uri.UriSchemeHttps))
            throw InputValidation.Invalid(ErrorIds.InvalidArmEndpoint, ep.ToString(),
                $"-ArmEndpoint '{ep}' must be an absolute https:// URL: bearer tokens are never sent over plain HTTP.", "Pass an https endpoint, e.g. https://management.local.azurestack.external/.");
        if (request.CaCertificatePath is not null && request.ArmEndpoint is null)
            throw InputValidation.Invalid(ErrorIds.ConflictingParameters, request.CaCertificatePath,
                "-CaCertificatePath is trusted only for a custom -ArmEndpoint; the public Azure clouds use the system's trusted roots.",
                "Pass -ArmEndpoint <https url> together with -CaCertificatePath, or drop -CaCertificatePath.");
        var ca = request.CaCertificatePath is null ? null : ArmSessionFactory.LoadCa(request.CaCertificatePath);
        var (env, authority) = ArmSessionFactory.ResolveEnvironment(request.Environment);
        var endpoint = request.ArmEndpoint ?? env.Endpoint;
        if (!endpoint.AbsolutePath.EndsWith('/')) endpoint = new Uri(endpoint + "/");
        var audience = env.Audience;

        TokenCredential credential;
        string method;
        if (request.AccessToken is not null)
        {
            credential = new StaticTokenCredential(request.AccessToken);
            method = "AccessToken";
        }
        else if (request.Identity)
        {
            credential = request.ClientId is null ? new ManagedIdentityCredential(ManagedIdentityId.SystemAssigned)
                : new ManagedIdentityCredential(ManagedIdentityId.FromUserAssignedClientId(request.ClientId));
            method = "ManagedIdentity";
        }
        else
        {
            var o = new DefaultAzureCredentialOptions { AuthorityHost = authority, ExcludeInteractiveBrowserCredential = true };
            if (request.TenantId is not null) o.TenantId = request.TenantId;
            if (request.ClientId is not null) o.ManagedIdentityClientId = request.ClientId;
            credential = new DefaultAzureCredential(o);
            method = "DefaultAzureCredential";
        }
        var options = ArmSessionFactory.CreateOptions(new Azure.ResourceManager.ArmEnvironment(endpoint, audience), ca);
        var pipeline = ArmSessionFactory.CreatePipeline(options, credential, audience);
        var secrets = request.AccessToken is null ? Array.Empty<string>() : new[] { request.AccessToken };

        var sub = request.SubscriptionId ?? NullIfEmpty(Environment.GetEnvironmentVariable("AZURE_SUBSCRIPTION_ID"));
        if (sub is not null && !InputValidation.IsSubscriptionId(sub))
            throw InputValidation.Invalid(ErrorIds.InvalidSubscriptionId, sub, $"AZURE_SUBSCRIPTION_ID '{sub}' is not a subscription GUID.", "Fix the variable or pass -SubscriptionId.");
        ArmSession Make(string subscription) => new()
        {
            Connection = new AksEgressConnection
            {
                Environment = NormaliseEnvironmentName(request.Environment), ArmEndpoint = endpoint, SubscriptionId = subscription, TenantId = request.TenantId,
                AuthenticationMethod = method, ClientId = request.ClientId,
                CaCertificatePath = request.CaCertificatePath is null ? null : Path.GetFullPath(request.CaCertificatePath),
            },
            Credential = credential, Pipeline = pipeline, Endpoint = endpoint, Audience = audience,
            SubscriptionId = subscription, Explicit = explicitConnect, KnownSecrets = secrets,
        };
        if (sub is not null)
        {
            context.WriteVerbose($"Using subscription {sub}{(request.SubscriptionId is null ? " (from AZURE_SUBSCRIPTION_ID)" : "")}");
            return Make(sub.ToLowerInvariant());
        }
        // Discover: the only subscription the credential can see.
        var probe = Make("00000000-0000-0000-0000-000000000000");
        context.WriteVerbose("No subscription given: listing the subscriptions this identity can see");
        var r = await ArmRest.SendAsync(probe, RequestMethod.Get, ArmRest.Url(probe, "/subscriptions", ApiVersions.Subscriptions), null, context, "subscriptions").ConfigureAwait(false);
        const string fix = "Pass -SubscriptionId <guid> to Connect-AksEgress, or set the AZURE_SUBSCRIPTION_ID environment variable.";
        if (r.Status == 404)
            throw new AksEgressException(ErrorIds.SubscriptionNotDetermined, EgressErrorCategory.InvalidOperation,
                $"The subscription could not be determined: {endpoint} does not list subscriptions.", endpoint.ToString(), fix) { HttpStatus = 404 };
        if (!r.IsSuccess)
        {
            var (code, msg) = ArmErrorMapper.ParseError(r.Content);
            throw ArmErrorMapper.Map(r.Status, code, msg, new ErrorScope(ArmTargetKind.Subscription, "subscriptions"));
        }
        var ids = (r.Json?["value"] as JsonArray ?? new JsonArray()).OfType<JsonObject>()
            .Select(o => ManagedClusterModel.Str(o, "subscriptionId")).Where(x => x is not null).Select(x => x!).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        if (ids.Length != 1)
            throw new AksEgressException(ErrorIds.SubscriptionNotDetermined, EgressErrorCategory.InvalidOperation,
                ids.Length == 0 ? "The subscription could not be determined: this identity cannot see any subscription."
                    : $"The subscription could not be determined: this identity can see {ids.Length} subscriptions ({string.Join(", ", ids.Take(5))}{(ids.Length > 5 ? ", ..." : "")}).",
                endpoint.ToString(), fix);
        context.WriteVerbose($"Using subscription {ids[0]}, the only one this identity can see");
        return Make(ids[0].ToLowerInvariant());
    }

    private static string NormaliseEnvironmentName(string? env) => (env ?? "AzureCloud").ToLowerInvariant() switch
    {
        "azurechinacloud" => "AzureChinaCloud",
        "azureusgovernment" => "AzureUSGovernment",
        _ => "AzureCloud",
    };

    private static string? NullIfEmpty(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();

    /// <summary>The explicit session, or (first use without Connect) the default: DefaultAzureCredential, public cloud.</summary>
    private async Task<ArmSession> GetSessionAsync(IOperationContext context)
    {
        ArmSessionFactory.CurrentContext.Value = context;
        var s = Volatile.Read(ref _session);
        if (s is not null) return s;
        await _defaultSessionLock.WaitAsync(context.CancellationToken).ConfigureAwait(false);
        try
        {
            s = Volatile.Read(ref _session);
            if (s is not null) return s;
            context.WriteVerbose("Not connected: using DefaultAzureCredential against the public Azure cloud");
            s = await BuildSessionAsync(new ConnectRequest(), explicitConnect: false, context).ConfigureAwait(false);
            return Interlocked.CompareExchange(ref _session, s, null) ?? s;
        }
        finally { _defaultSessionLock.Release(); }
    }

    // ------------------------------------------------------------------ clusters

    private static string ClusterKey(string sub, ClusterRef c) => $"{sub}/{c.ResourceGroupName}/{c.ClusterName}".ToLowerInvariant();

    private static void ValidateClusterRef(ClusterRef cluster)
    {
        if (cluster.SubscriptionId is not null) InputValidation.ValidateSubscriptionId(cluster.SubscriptionId);
        InputValidation.ValidateResourceGroupName(cluster.ResourceGroupName);
        InputValidation.ValidateClusterName(cluster.ClusterName);
    }

    public async Task<AksNodeResourceGroup> GetClusterAsync(ClusterRef cluster, IOperationContext context) =>
        (await GetClusterModelAsync(cluster, context, fresh: false).ConfigureAwait(false)).Model.Info;

    /// <summary>GET of the cluster (cached ~30 s unless fresh); returns the model and, when fetched now, the raw JSON.</summary>
    private async Task<(ManagedClusterModel Model, JsonObject? Raw, ArmSession Session)> GetClusterModelAsync(ClusterRef cluster, IOperationContext context, bool fresh)
    {
        ValidateClusterRef(cluster);
        var s = await GetSessionAsync(context).ConfigureAwait(false);
        var sub = cluster.SubscriptionId ?? s.SubscriptionId;
        var key = ClusterKey(sub, cluster);
        if (!fresh && s.ClusterCache.TryGet(key, out var cached))
        {
            context.WriteVerbose($"Cluster {cluster} from cache");
            return (cached, null, s);
        }
        context.WriteVerbose($"GET cluster {cluster}");
        var r = await ArmRest.SendCheckedAsync(s, RequestMethod.Get, ArmRest.Url(s, cluster.ToId(sub), ApiVersions.ManagedClusters), null, context,
            new ErrorScope(ArmTargetKind.Cluster, cluster.ToString()) { ClusterName = cluster.ClusterName }).ConfigureAwait(false);
        var raw = r!.Json ?? throw new AksEgressException(ErrorIds.ArmRequestFailed, EgressErrorCategory.InvalidResult,
            $"ARM returned an empty body for cluster {cluster}.", cluster.ToString());
        var model = ManagedClusterModel.Parse(raw);
        s.ClusterCache.Set(key, model);
        return (model, raw, s);
    }

    public async IAsyncEnumerable<AksNodeResourceGroup> ListClustersAsync(string? subscriptionId, string? resourceGroupName, IOperationContext context)
    {
        if (subscriptionId is not null) InputValidation.ValidateSubscriptionId(subscriptionId);
        if (resourceGroupName is not null) InputValidation.ValidateResourceGroupName(resourceGroupName);
        var s = await GetSessionAsync(context).ConfigureAwait(false);
        var sub = (subscriptionId ?? s.SubscriptionId).ToLowerInvariant();
        var path = resourceGroupName is null
            ? $"/subscriptions/{sub}/providers/Microsoft.ContainerService/managedClusters"
            : $"/subscriptions/{sub}/resourceGroups/{resourceGroupName}/providers/Microsoft.ContainerService/managedClusters";
        var scope = resourceGroupName is null ? new ErrorScope(ArmTargetKind.Subscription, sub) : new ErrorScope(ArmTargetKind.ResourceGroup, resourceGroupName) { ResourceGroupName = resourceGroupName };
        Uri? next = ArmRest.Url(s, path, ApiVersions.ManagedClusters);
        var page = 0;
        while (next is not null)
        {
            page++;
            context.WriteVerbose(resourceGroupName is null ? $"GET clusters of subscription {sub} (page {page})" : $"GET clusters of resource group {resourceGroupName} (page {page})");
            var r = await ArmRest.SendCheckedAsync(s, RequestMethod.Get, next, null, context, scope).ConfigureAwait(false);
            var json = r!.Json;
            foreach (var item in (json?["value"] as JsonArray ?? new JsonArray()).OfType<JsonObject>())
            {
                ManagedClusterModel? model = null;
                try { model = ManagedClusterModel.Parse(item); }
                catch (Exception e) when (e is InvalidOperationException or FormatException or System.Text.Json.JsonException)
                {
                    context.WriteWarning($"Skipped a cluster that could not be read ({ManagedClusterModel.Str(item, "id")}): {e.Message}");
                }
                if (model is null) continue;
                s.ClusterCache.Set(ClusterKey(model.Info.SubscriptionId.Length > 0 ? model.Info.SubscriptionId : sub,
                    new ClusterRef(null, model.Info.ResourceGroupName, model.Info.ClusterName)), model);
                yield return model.Info;
            }
            var nextLink = ManagedClusterModel.Str(json, "nextLink");
            next = string.IsNullOrWhiteSpace(nextLink) ? null : new Uri(nextLink, UriKind.Absolute);
            context.CancellationToken.ThrowIfCancellationRequested();
        }
    }

    // ------------------------------------------------------------------ public IPs

    private static string PublicIpPath(string sub, string rg, string name) =>
        $"/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/publicIPAddresses/{name}";

    private static async Task<PublicIpModel?> GetPublicIpAsync(ArmSession s, string id, IOperationContext context, ErrorScope? scope = null)
    {
        var p = ResourceIdParser.Parse(id, ErrorIds.InvalidResourceId);
        context.WriteVerbose($"GET public IP {p.ResourceGroupName}/{p.Name}");
        var r = await ArmRest.SendCheckedAsync(s, RequestMethod.Get, ArmRest.Url(s, p.Canonical, ApiVersions.Network), null, context,
            scope ?? new ErrorScope(ArmTargetKind.PublicIp, p.Canonical) { ResourceGroupName = p.ResourceGroupName }, allow404: true).ConfigureAwait(false);
        return r?.Json is { } json ? PublicIpModel.Parse(json) : null;
    }

    private static readonly HashSet<string> ValidZones = new() { "1", "2", "3" };

    private static void ValidateTags(IReadOnlyDictionary<string, string> tags)
    {
        if (tags.Count > 50)
            throw InputValidation.Invalid(ErrorIds.InvalidTag, null, $"{tags.Count} tags given; Azure allows at most 50 tags per resource.", "Pass fewer tags.");
        foreach (var (k, v) in tags)
        {
            if (string.IsNullOrWhiteSpace(k) || k.Length > 512 || k.IndexOfAny(new[] { '<', '>', '%', '&', '\\', '?', '/' }) >= 0)
                throw InputValidation.Invalid(ErrorIds.InvalidTag, k,
                    $"Tag name '{k}' is invalid: it must be 1-512 characters and must not contain < > % & \\ ? /.", "Use a tag name such as 'purpose'.");
            if ((v ?? "").Length > 256)
                throw InputValidation.Invalid(ErrorIds.InvalidTag, k, $"The value of tag '{k}' is longer than 256 characters.", "Shorten the tag value.");
        }
    }

    /// <summary>Creates (or returns the matching existing) static Standard public IP. Returns null when ShouldProcess declined (-WhatIf): the cmdlet writes nothing.</summary>
    public async Task<EgressIp> NewEgressIpAsync(NewEgressIpRequest request, IOperationContext context)
    {
        ArmSessionFactory.CurrentContext.Value = context;
        InputValidation.ValidatePublicIpName(request.Name);
        if (string.Equals(request.Sku, "Basic", StringComparison.OrdinalIgnoreCase))
            throw InputValidation.Invalid(ErrorIds.BasicSkuRetired, request.Sku,
                "Basic SKU public IPs were retired on 30 September 2025; use Standard.", "Remove -Sku Basic (Standard is the default).");
        if (!string.Equals(request.Sku, "Standard", StringComparison.OrdinalIgnoreCase))
            throw InputValidation.Invalid(ErrorIds.ConflictingParameters, request.Sku, $"SKU '{request.Sku}' is not supported: egress IPs are Standard public IPs.", "Use -Sku Standard.");
        foreach (var z in request.Zones)
            if (!ValidZones.Contains(z))
                throw InputValidation.Invalid(ErrorIds.InvalidZone, z, $"Zone '{z}' is invalid: availability zones are '1', '2' and '3'.", "Pass -Zone 1,2,3 for a zone-redundant IP, or omit -Zone.");
        ValidateTags(request.Tags);
        if (request.IdleTimeoutInMinutes is int it && it is < 4 or > 30)
            throw InputValidation.Invalid(ErrorIds.InvalidIdleTimeout, it, $"IdleTimeoutInMinutes {it} is invalid for a public IP: it must be between 4 and 30.", "Use a value such as 4.");
        if (request.ResourceGroupName is not null) InputValidation.ValidateResourceGroupName(request.ResourceGroupName);
        if (request.SubscriptionId is not null) InputValidation.ValidateSubscriptionId(request.SubscriptionId);

        var s = await GetSessionAsync(context).ConfigureAwait(false);
        var info = request.ClusterInfo;
        if (info is null && request.Cluster is not null)
            info = (await GetClusterModelAsync(request.Cluster, context, fresh: false).ConfigureAwait(false)).Model.Info;
        var sub = (request.SubscriptionId ?? NullIfEmpty(info?.SubscriptionId) ?? request.Cluster?.SubscriptionId ?? s.SubscriptionId).ToLowerInvariant();
        var nodeRg = NullIfEmpty(info?.NodeResourceGroup) ?? request.NodeResourceGroup;
        var targetRg = request.ResourceGroupName ?? nodeRg
            ?? throw new AksEgressException(ErrorIds.MissingClusterContext, EgressErrorCategory.InvalidArgument,
                "Where should the public IP go? Give -ResourceGroupName, or a cluster (-ClusterName/-ResourceGroupName, or pipe Get-AksNodeResourceGroup) so its node resource group is used.",
                request.Name, "Example: New-AksEgressIp -Name aks-egress-ip -ResourceGroupName egress-rg -Location eastus");
        var inNodeRg = nodeRg is not null && string.Equals(targetRg, nodeRg, StringComparison.OrdinalIgnoreCase);
        if (inNodeRg)
        {
            context.WriteVerbose($"Target resource group {targetRg} is the node resource group of {info?.ClusterName ?? "the cluster"}");
            if (info?.NodeResourceGroupLocked == true)
                throw new AksEgressException(ErrorIds.NodeResourceGroupLocked, EgressErrorCategory.PermissionDenied,
                    ArmErrorMapper.NodeRgLockedMessage(targetRg, info.ClusterName), $"{targetRg}/{request.Name}", ArmErrorMapper.NodeRgLockedAction);
        }
        var target = $"{targetRg}/{request.Name}";
        var id = PublicIpPath(sub, targetRg, request.Name);
        var scope = new ErrorScope(ArmTargetKind.PublicIp, target) { ResourceGroupName = targetRg, InNodeResourceGroup = inNodeRg, ClusterName = info?.ClusterName };
        var knownLocation = NullIfEmpty(request.Location) ?? NullIfEmpty(info?.Location);

        var existing = await GetPublicIpAsync(s, id, context, scope).ConfigureAwait(false);
        if (existing is not null)
        {
            var diffs = new List<string>();
            if (!existing.IsStandard) diffs.Add($"SKU is {existing.SkuName ?? "Basic"}, not Standard");
            if (!existing.IsStatic) diffs.Add($"allocation is {existing.AllocationMethod ?? "Dynamic"}, not Static");
            if (knownLocation is not null && PublicIpModel.NormaliseLocation(existing.Location) != PublicIpModel.NormaliseLocation(knownLocation))
                diffs.Add($"location is {existing.Location}, not {PublicIpModel.NormaliseLocation(knownLocation)}");
            if (!string.Equals(existing.IpVersion ?? "IPv4", "IPv4", StringComparison.OrdinalIgnoreCase)) diffs.Add($"IP version is {existing.IpVersion}, not IPv4");
            if (diffs.Count > 0)
                throw new AksEgressException(ErrorIds.PublicIpConflict, EgressErrorCategory.ResourceExists,
                    $"A public IP named '{request.Name}' already exists in '{targetRg}' with other settings: {string.Join("; ", diffs)}.", target,
                    "Choose another -Name, or remove the existing IP first (Remove-AksEgressIp) if nothing uses it.");
            // A create that failed, timed out or was interrupted leaves the IP Failed/Updating without an address: sending the
            // same PUT again is how Azure repairs it; returning it "unchanged" would hand an unusable IP down the pipeline.
            if (existing.IpAddress is not null && (existing.ProvisioningState is null || existing.ProvisioningState.Equals("Succeeded", StringComparison.OrdinalIgnoreCase)))
            {
                context.WriteVerbose($"Public IP {target} already exists as a static Standard IP ({existing.IpAddress}): returning it unchanged");
                return ToEgressIp(existing, created: false, sub, info, request);
            }
            context.WriteVerbose($"Public IP {target} exists but is {existing.ProvisioningState ?? "not provisioned"}{(existing.IpAddress is null ? " without an address" : "")}: sending the create again to finish it");
            knownLocation ??= NullIfEmpty(existing.Location);
        }

        var location = knownLocation;
        if (location is not null)
            context.WriteVerbose($"Location {PublicIpModel.NormaliseLocation(location)} ({(request.Location is not null ? "given" : "the cluster's")})");
        else
        {
            context.WriteVerbose($"GET resource group {targetRg} (for its location)");
            var rgr = await ArmRest.SendCheckedAsync(s, RequestMethod.Get, ArmRest.Url(s, $"/subscriptions/{sub}/resourceGroups/{targetRg}", ApiVersions.ResourceGroups), null, context,
                new ErrorScope(ArmTargetKind.ResourceGroup, targetRg) { ResourceGroupName = targetRg }).ConfigureAwait(false);
            location = ManagedClusterModel.Str(rgr!.Json, "location");
            if (location is not null) context.WriteVerbose($"Location {location} (the location of resource group {targetRg}: no cluster and no -Location given)");
            if (location is null)
                throw new AksEgressException(ErrorIds.MissingClusterContext, EgressErrorCategory.InvalidArgument,
                    $"The location of resource group '{targetRg}' is unknown.", targetRg, "Pass -Location.");
        }
        location = PublicIpModel.NormaliseLocation(location);
        if (!context.ShouldProcess(target, $"Create static Standard public IP in {location}"))
            return null!;
        context.WriteVerbose($"Creating public IP {target} in {location} (Standard, Static{(request.Zones.Length > 0 ? ", zones " + string.Join(",", request.Zones) : "")})");
        var tags = new JsonObject();
        foreach (var (k, v) in request.Tags) tags[k] = v;
        var props = new JsonObject { ["publicIPAllocationMethod"] = "Static", ["publicIPAddressVersion"] = "IPv4" };
        if (request.IdleTimeoutInMinutes is int idle) props["idleTimeoutInMinutes"] = idle;
        var body = new JsonObject
        {
            ["location"] = location,
            ["sku"] = new JsonObject { ["name"] = "Standard", ["tier"] = "Regional" },
        };
        if (request.Zones.Length > 0) body["zones"] = new JsonArray(request.Zones.Distinct().Select(z => (JsonNode)JsonValue.Create(z)!).ToArray());
        if (tags.Count > 0) body["tags"] = tags;
        body["properties"] = props;
        var uri = ArmRest.Url(s, id, ApiVersions.Network);
        var initial = await ArmRest.SendCheckedAsync(s, RequestMethod.Put, uri, body, context, scope).ConfigureAwait(false);
        var final = await ArmRest.WaitAsync(s, initial!, uri, $"creation of public IP {target}", request.TimeoutSeconds, context, scope).ConfigureAwait(false);
        var created = PublicIpModel.Parse(final!.Json ?? initial!.Json!);
        context.WriteVerbose($"Public IP {target} is {created.IpAddress}");
        return ToEgressIp(created, created: true, sub, info, request);
    }

    private static EgressIp ToEgressIp(PublicIpModel ip, bool created, string sub, AksNodeResourceGroup? info, NewEgressIpRequest request) => new()
    {
        Name = ip.Name,
        ResourceGroupName = ip.ResourceGroupName,
        Id = ip.Id,
        IpAddress = ip.IpAddress,
        Location = ip.Location,
        Sku = ip.SkuName ?? "Standard",
        AllocationMethod = ip.AllocationMethod ?? "Static",
        IpVersion = ip.IpVersion ?? "IPv4",
        Zones = ip.Zones,
        Tags = ip.Tags,
        ProvisioningState = ip.ProvisioningState,
        AttachedTo = ip.AttachedTo,
        Created = created,
        SubscriptionId = ip.SubscriptionId.Length > 0 ? ip.SubscriptionId : sub,
        ClusterName = info?.ClusterName ?? request.Cluster?.ClusterName,
        ClusterResourceGroupName = info?.ResourceGroupName ?? request.Cluster?.ResourceGroupName,
        ClusterId = info?.ClusterId ?? request.Cluster?.ToId(sub),
        NodeResourceGroup = NullIfEmpty(info?.NodeResourceGroup) ?? request.NodeResourceGroup,
        LoadBalancerSku = NullIfEmpty(info?.LoadBalancerSku),
        OutboundType = NullIfEmpty(info?.OutboundType),
    };

    // ------------------------------------------------------------------ egress configuration

    public async Task<EgressConfiguration> GetEgressConfigurationAsync(ClusterRef cluster, AksNodeResourceGroup? clusterInfo, IOperationContext context)
    {
        ArmSessionFactory.CurrentContext.Value = context;
        var (model, _, s) = await GetClusterModelAsync(cluster, context, fresh: false).ConfigureAwait(false);
        return await BuildEgressConfigurationAsync(s, model, context).ConfigureAwait(false);
    }

    private async Task<EgressConfiguration> BuildEgressConfigurationAsync(ArmSession s, ManagedClusterModel model, IOperationContext context)
    {
        var info = model.Info;
        var outbound = info.OutboundType.ToLowerInvariant();
        string decidedBy, explanation;
        string? source = null, pinWith = null;
        IReadOnlyList<string> ipIds = Array.Empty<string>();
        int? ports = null, idle = null;
        if (model.IsBasic)
        {
            decidedBy = "BasicLoadBalancerFrontend";
            pinWith = "Set-AksEgressService";
            explanation = "This cluster uses a Basic load balancer: outbound traffic leaves through the first public IP configured on the load balancer, " +
                          "i.e. the IP of the first LoadBalancer Service. ARM alone cannot tell which address that is (before any LoadBalancer Service exists, " +
                          "nodes use an unpredictable Azure address). Pin it with Set-AksEgressService. Note: Basic load balancers were retired on 30 September 2025; migrate to Standard.";
            context.WriteVerbose("Basic load balancer: egress = first LoadBalancer Service frontend");
        }
        else switch (outbound)
        {
            case "loadbalancer":
                decidedBy = "LoadBalancerOutboundRule";
                pinWith = "Set-AksOutboundIp";
                source = model.OutboundIpIds.Count > 0 ? "OutboundIPs" : model.OutboundIpPrefixIds.Count > 0 ? "OutboundIPPrefixes" : "ManagedOutboundIPs";
                ipIds = model.EffectiveOutboundIpIds;
                ports = model.AllocatedOutboundPorts;
                idle = model.IdleTimeoutInMinutes;
                explanation = source switch
                {
                    "OutboundIPs" => "Egress uses the outbound rule of the cluster's Standard load balancer with public IPs you supplied (outboundIPs): these addresses are stable. Change them with Set-AksOutboundIp.",
                    "OutboundIPPrefixes" => "Egress uses the outbound rule of the cluster's Standard load balancer with public IP prefixes you supplied: egress addresses come from those prefixes. Set-AksOutboundIp replaces them with specific public IPs.",
                    _ => "Egress uses the outbound rule of the cluster's Standard load balancer with public IPs AKS created and manages (managedOutboundIPs). They can change if the managed count changes; pin a static IP you own with New-AksEgressIp | Set-AksOutboundIp. A LoadBalancer Service's IP does not change egress here.",
                };
                context.WriteVerbose($"Standard load balancer, outboundType loadBalancer: egress = outbound rule IPs ({source})");
                break;
            case "managednatgateway" or "userassignednatgateway" or "managednatgatewayv2":
                decidedBy = "NatGateway";
                ipIds = model.NatGatewayEffectiveOutboundIpIds;
                idle = model.NatGatewayIdleTimeoutInMinutes;
                explanation = outbound == "userassignednatgateway"
                    ? "Egress goes through the NAT gateway you associated with the cluster subnet: its public IPs or prefixes decide the egress address. Change the NAT gateway's public IPs (Azure networking), not the cluster."
                    : "Egress goes through the AKS-managed NAT gateway: its public IPs (natGatewayProfile) decide the egress address. Change the NAT gateway's public IPs (az aks update --nat-gateway-managed-outbound-ip-count), not a LoadBalancer Service.";
                context.WriteVerbose($"outboundType {info.OutboundType}: egress = NAT gateway IPs");
                break;
            case "userdefinedrouting":
                decidedBy = "UserDefinedRouting";
                explanation = "Egress follows your route table (0.0.0.0/0 to a firewall or NVA): the public IP of your firewall/NVA decides egress, and AKS cannot change it. Pin or read it on the firewall.";
                context.WriteVerbose("outboundType userDefinedRouting: egress decided by your firewall/NVA");
                break;
            case "none":
                decidedBy = "None";
                explanation = "outboundType none: AKS sets up no internet egress; there is no egress IP unless you build your own path.";
                break;
            case "block":
                decidedBy = "Block";
                explanation = "outboundType block: internet egress is blocked by AKS; there is no egress IP.";
                break;
            default:
                decidedBy = "None";
                explanation = model.HasNetworkProfile ? $"Unknown outbound type '{info.OutboundType}': AksEgress cannot tell what decides egress." : "The cluster has no network profile: AksEgress cannot tell what decides egress.";
                break;
        }
        var refs = await ResolvePublicIpsAsync(s, ipIds, context).ConfigureAwait(false);
        return new EgressConfiguration
        {
            SubscriptionId = info.SubscriptionId,
            ResourceGroupName = info.ResourceGroupName,
            ClusterName = info.ClusterName,
            ClusterId = info.ClusterId,
            NodeResourceGroup = info.NodeResourceGroup,
            LoadBalancerSku = info.LoadBalancerSku,
            OutboundType = info.OutboundType,
            NodeResourceGroupLocked = info.NodeResourceGroupLocked,
            EgressDecidedBy = decidedBy,
            OutboundIpSource = source,
            EgressIps = refs,
            EgressIpAddress = refs.Where(r => r.IpAddress is not null).Select(r => r.IpAddress!).ToArray(),
            PinWith = pinWith,
            Explanation = explanation,
            AllocatedOutboundPorts = ports,
            IdleTimeoutInMinutes = idle,
            NodeCount = info.NodeCount,
        };
    }

    /// <summary>
    /// GETs public IPs in parallel (at most 4 at a time); unreadable ones keep a null address and produce a warning. IPs already
    /// read by this call (<paramref name="known"/>) are not fetched again: a static IP's address does not change when it is attached.
    /// </summary>
    private static async Task<EgressIpReference[]> ResolvePublicIpsAsync(ArmSession s, IReadOnlyList<string> ids, IOperationContext context,
        IReadOnlyList<PublicIpModel>? known = null)
    {
        using var gate = new SemaphoreSlim(4);
        var tasks = ids.Select(async id =>
        {
            await gate.WaitAsync(context.CancellationToken).ConfigureAwait(false);
            try
            {
                var parsed = ResourceIdParser.TryParse(id, out var p) ? p : null;
                try
                {
                    var ip = known?.FirstOrDefault(k => ResourceIdParser.SameId(k.Id, NormaliseId(id)))
                             ?? await GetPublicIpAsync(s, id, context).ConfigureAwait(false);
                    if (ip is null) context.WriteWarning($"Public IP {id} was not found.");
                    return new EgressIpReference
                    {
                        Id = ip?.Id ?? parsed?.Canonical ?? id, Name = ip?.Name ?? parsed?.Name ?? "", ResourceGroupName = ip?.ResourceGroupName ?? parsed?.ResourceGroupName ?? "",
                        IpAddress = ip?.IpAddress, AksManaged = ip?.AksManaged ?? false,
                    };
                }
                catch (AksEgressException e) when (e.Category is EgressErrorCategory.PermissionDenied or EgressErrorCategory.ObjectNotFound)
                {
                    context.WriteWarning($"Could not read public IP {id}: {e.Message}");
                    return new EgressIpReference { Id = parsed?.Canonical ?? id, Name = parsed?.Name ?? "", ResourceGroupName = parsed?.ResourceGroupName ?? "" };
                }
            }
            finally { gate.Release(); }
        }).ToArray();
        return await Task.WhenAll(tasks).ConfigureAwait(false);
    }

    // ------------------------------------------------------------------ outbound IPs

    /// <summary>Returns null when ShouldProcess declined (-WhatIf): the cmdlet writes nothing.</summary>
    public async Task<OutboundIpAssignment> SetOutboundIpAsync(SetOutboundIpRequest request, IOperationContext context)
    {
        ArmSessionFactory.CurrentContext.Value = context;
        ValidateClusterRef(request.Cluster);
        if (request.PublicIpIds is null || request.PublicIpIds.Length == 0)
            throw InputValidation.Invalid(ErrorIds.InvalidResourceId, null, "Give at least one public IP id.", "Pipe New-AksEgressIp, or pass -PublicIpId <id>.");
        var wanted = new List<ParsedResourceId>();
        foreach (var raw in request.PublicIpIds)
        {
            var p = ResourceIdParser.Parse(raw, ErrorIds.InvalidResourceId);
            if (!p.Provider.Equals("Microsoft.Network", StringComparison.OrdinalIgnoreCase) || !p.ResourceType.Equals("publicIPAddresses", StringComparison.OrdinalIgnoreCase))
                throw InputValidation.Invalid(ErrorIds.InvalidResourceId, raw, $"'{raw}' is not the id of a public IP (…/providers/Microsoft.Network/publicIPAddresses/<name>).",
                    "Pass the Id of a public IP (New-AksEgressIp output).");
            if (!wanted.Any(w => ResourceIdParser.SameId(w.Canonical, p.Canonical))) wanted.Add(p);
        }
        if (request.AllocatedOutboundPorts is int reqPorts) InputValidation.ValidateAllocatedOutboundPorts(reqPorts);
        if (request.IdleTimeoutInMinutes is int reqIdle) InputValidation.ValidateIdleTimeout(reqIdle);

        var (model, raw0, s) = await GetClusterModelAsync(request.Cluster, context, fresh: true).ConfigureAwait(false);
        var info = model.Info;
        var sub = info.SubscriptionId.Length > 0 ? info.SubscriptionId : request.Cluster.SubscriptionId ?? s.SubscriptionId;
        if (!model.IsStandard || !info.OutboundType.Equals("loadBalancer", StringComparison.OrdinalIgnoreCase))
        {
            var cfg = await BuildEgressConfigurationAsync(s, model, context).ConfigureAwait(false);
            var why = model.IsBasic
                ? "it uses a Basic load balancer, which has no outbound rules: egress is the first LoadBalancer Service's IP. Use Set-AksEgressService instead (and plan the migration to a Standard load balancer)."
                : $"its outboundType is '{info.OutboundType}', so the load balancer's outbound IPs do not decide egress. {cfg.Explanation}";
            throw new AksEgressException(ErrorIds.EgressNotConfigurableHere, EgressErrorCategory.InvalidOperation,
                $"Cluster '{info.ClusterName}' cannot get load-balancer outbound IPs: {why}", info.ClusterId,
                model.IsBasic ? "Run Set-AksEgressService with the IP instead." : "Change egress where it is decided (see Get-AksEgressConfiguration), or switch the cluster to outboundType loadBalancer (az aks update --outbound-type loadBalancer).");
        }

        // Resolve every IP before changing anything.
        var ips = new List<PublicIpModel>();
        foreach (var w in wanted)
        {
            var ip = await GetPublicIpAsync(s, w.Canonical, context).ConfigureAwait(false)
                ?? throw new AksEgressException(ErrorIds.PublicIpNotFound, EgressErrorCategory.ObjectNotFound,
                    $"Public IP '{w.ResourceGroupName}/{w.Name}' was not found.", w.Canonical, "Create it with New-AksEgressIp, or check the id.") { HttpStatus = 404 };
            if (!ip.IsStandard)
                throw InputValidation.Invalid(ErrorIds.BasicSkuRetired, ip.Id, $"Public IP '{ip.Name}' is a {ip.SkuName ?? "Basic"} SKU IP; a Standard load balancer accepts only Standard public IPs (Basic SKU public IPs were retired on 30 September 2025).",
                    "Create a Standard IP with New-AksEgressIp.");
            var problems = new List<string>();
            if (!ip.IsStatic) problems.Add($"its allocation is {ip.AllocationMethod ?? "Dynamic"}, not Static");
            if (string.IsNullOrEmpty(ip.IpAddress)) problems.Add("it has no address yet");
            if (ip.AksManaged) problems.Add("it is an AKS-managed outbound IP (tag type=aks-slb-managed-outbound-ip); AKS does not accept its own managed IPs as your outbound IPs");
            if (PublicIpModel.NormaliseLocation(ip.Location) != PublicIpModel.NormaliseLocation(info.Location)) problems.Add($"it is in {ip.Location}, the cluster in {info.Location}");
            if (problems.Count > 0)
                throw new AksEgressException(ErrorIds.PublicIpConflict, EgressErrorCategory.InvalidArgument,
                    $"Public IP '{ip.ResourceGroupName}/{ip.Name}' cannot be an outbound IP of cluster '{info.ClusterName}': {string.Join("; ", problems)}.", ip.Id,
                    "Use a static Standard IPv4 public IP in the cluster's region, e.g. from New-AksEgressIp.");
            ips.Add(ip);
        }

        var newPorts = request.AllocatedOutboundPorts ?? model.AllocatedOutboundPorts;
        var newIdle = request.IdleTimeoutInMinutes ?? model.IdleTimeoutInMinutes;
        if (newPorts is int ports && ports > 0)
        {
            var surge = OutboundCapacity.SurgeNodes(model.AgentPools);
            var needed = info.NodeCount + surge;
            if (!OutboundCapacity.Fits(ips.Count, ports, needed))
            {
                var suggest = OutboundCapacity.MaxPortsPerNode(ips.Count, needed);
                var ipsNeeded = (int)Math.Ceiling((double)needed * ports / OutboundCapacity.PortsPerIp);
                throw new AksEgressException(ErrorIds.InsufficientOutboundPorts, EgressErrorCategory.LimitsExceeded,
                    $"{ips.Count} outbound IP(s) give {ips.Count} x 64000 = {ips.Count * 64000L} SNAT ports, which at {ports} ports per node covers {(long)ips.Count * 64000 / ports} nodes; " +
                    $"cluster '{info.ClusterName}' needs {needed} ({info.NodeCount} nodes + {surge} surge nodes during upgrades).", info.ClusterId,
                    suggest > 0 ? $"Use -AllocatedOutboundPorts {suggest} (or 0 for automatic), or give at least {ipsNeeded} public IPs." : $"Give at least {ipsNeeded} public IPs, or -AllocatedOutboundPorts 0 (automatic).")
                { };
            }
        }

        var previous = await ResolvePublicIpsAsync(s, model.EffectiveOutboundIpIds, context, ips).ConfigureAwait(false);
        var previousAddresses = previous.Where(p => p.IpAddress is not null).Select(p => p.IpAddress!).ToArray();
        var sameSet = model.OutboundIpIds.Count == ips.Count && ips.All(ip => model.OutboundIpIds.Any(o => ResourceIdParser.SameId(NormaliseId(o), ip.Id)));
        var portsUnchanged = request.AllocatedOutboundPorts is null || request.AllocatedOutboundPorts == model.AllocatedOutboundPorts
                             || (request.AllocatedOutboundPorts == 0 && model.AllocatedOutboundPorts is null);
        var idleUnchanged = request.IdleTimeoutInMinutes is null || request.IdleTimeoutInMinutes == model.IdleTimeoutInMinutes;
        OutboundIpAssignment Result(string action, ManagedClusterModel m, string[] addresses) => new()
        {
            SubscriptionId = sub, ResourceGroupName = info.ResourceGroupName, ClusterName = info.ClusterName, ClusterId = info.ClusterId,
            PublicIpId = ips.Select(i => i.Id).ToArray(), EgressIpAddress = addresses,
            AllocatedOutboundPorts = m.AllocatedOutboundPorts, IdleTimeoutInMinutes = m.IdleTimeoutInMinutes,
            Action = action, PreviousEgressIpAddress = previousAddresses,
        };
        if (sameSet && portsUnchanged && idleUnchanged)
        {
            context.WriteVerbose($"Cluster {info.ClusterName} already uses exactly these outbound IPs: nothing to change");
            return Result("Unchanged", model, ips.Select(i => i.IpAddress!).ToArray());
        }
        var list = string.Join(", ", ips.Select(i => $"{i.Name} ({i.IpAddress})"));
        if (!context.ShouldProcess(info.ClusterId,
                $"Replace the egress (outbound) IPs of cluster {info.ClusterName} with {list}: egress changes for every workload and existing outbound connections drop"))
            return null!;

        var body = BuildOutboundIpPutBody(raw0!, ips.Select(i => i.Id), request.AllocatedOutboundPorts, request.IdleTimeoutInMinutes);
        var clusterUri = ArmRest.Url(s, info.ClusterId.Length > 0 ? info.ClusterId : request.Cluster.ToId(sub), ApiVersions.ManagedClusters);
        var foreign = ips.FirstOrDefault(i => !i.ResourceGroupName.Equals(info.NodeResourceGroup, StringComparison.OrdinalIgnoreCase));
        var scope = new ErrorScope(ArmTargetKind.Cluster, info.ClusterId)
        {
            ClusterName = info.ClusterName, ClusterPrincipalId = info.IdentityPrincipalId, ResourceGroupName = info.ResourceGroupName,
            LinkedResourceGroupId = foreign is null ? null : ArmErrorMapper.ResourceGroupIdOf(foreign.Id),
        };
        context.WriteVerbose($"PUT cluster {info.ResourceGroupName}/{info.ClusterName} with outboundIPs {string.Join(", ", ips.Select(i => i.Id))}" +
                             $"{(request.AllocatedOutboundPorts is null ? "" : $", allocatedOutboundPorts {request.AllocatedOutboundPorts}")}{(request.IdleTimeoutInMinutes is null ? "" : $", idleTimeoutInMinutes {request.IdleTimeoutInMinutes}")}");
        s.ClusterCache.Remove(ClusterKey(sub, request.Cluster));
        var initial = await ArmRest.SendCheckedAsync(s, RequestMethod.Put, clusterUri, body, context, scope).ConfigureAwait(false);
        var final = await ArmRest.WaitAsync(s, initial!, clusterUri, $"the update of cluster {info.ClusterName}", request.TimeoutSeconds, context, scope).ConfigureAwait(false);
        var after = ManagedClusterModel.Parse(final!.Json!);
        s.ClusterCache.Set(ClusterKey(sub, request.Cluster), after);
        var now = await ResolvePublicIpsAsync(s, after.EffectiveOutboundIpIds, context, ips).ConfigureAwait(false);
        var addresses = now.Where(p => p.IpAddress is not null).Select(p => p.IpAddress!).ToArray();
        context.WriteVerbose($"Cluster {info.ClusterName} egress is now {string.Join(", ", addresses)} (was {string.Join(", ", previousAddresses)})");
        return Result("Updated", after, addresses);
    }

    private static string NormaliseId(string id) => ResourceIdParser.TryParse(id, out var p) ? p!.Canonical : id;

    /// <summary>
    /// The PUT body for a new set of outbound IPs, from the cluster's full GET JSON: outboundIPs set, managedOutboundIPs /
    /// outboundIPPrefixes removed (mutually exclusive), effectiveOutboundIPs and other read-only properties removed.
    /// </summary>
    internal static JsonObject BuildOutboundIpPutBody(JsonObject clusterJson, IEnumerable<string> publicIpIds, int? allocatedOutboundPorts, int? idleTimeoutInMinutes)
    {
        var body = (JsonObject)clusterJson.DeepClone();
        var props = body["properties"] as JsonObject ?? new JsonObject();
        body["properties"] = props;
        foreach (var ro in new[] { "provisioningState", "powerState", "maxAgentPools", "currentKubernetesVersion", "fqdn", "azurePortalFQDN", "privateFQDN", "resourceUID" })
            props.Remove(ro);
        if (props["agentPoolProfiles"] is JsonArray pools)
            foreach (var pool in pools.OfType<JsonObject>())
                foreach (var ro in new[] { "provisioningState", "currentOrchestratorVersion", "nodeImageVersion", "eTag" })
                    pool.Remove(ro);
        if (body["identity"] is JsonObject identity) { identity.Remove("principalId"); identity.Remove("tenantId"); }
        var np = props["networkProfile"] as JsonObject ?? new JsonObject();
        props["networkProfile"] = np;
        var lbp = np["loadBalancerProfile"] as JsonObject ?? new JsonObject();
        np["loadBalancerProfile"] = lbp;
        lbp.Remove("managedOutboundIPs");
        lbp.Remove("outboundIPPrefixes");
        lbp.Remove("effectiveOutboundIPs");
        lbp["outboundIPs"] = new JsonObject { ["publicIPs"] = new JsonArray(publicIpIds.Select(id => (JsonNode)new JsonObject { ["id"] = id }).ToArray()) };
        if (allocatedOutboundPorts is int ports) lbp["allocatedOutboundPorts"] = ports;
        if (idleTimeoutInMinutes is int idle) lbp["idleTimeoutInMinutes"] = idle;
        if (np["natGatewayProfile"] is JsonObject ngp) ngp.Remove("effectiveOutboundIPs");
        return body;
    }

    // ------------------------------------------------------------------ remove

    public async Task<bool> RemoveEgressIpAsync(RemoveEgressIpRequest request, IOperationContext context)
    {
        ArmSessionFactory.CurrentContext.Value = context;
        var p = ResourceIdParser.Parse(request.PublicIpId, ErrorIds.InvalidResourceId);
        if (!p.Provider.Equals("Microsoft.Network", StringComparison.OrdinalIgnoreCase) || !p.ResourceType.Equals("publicIPAddresses", StringComparison.OrdinalIgnoreCase))
            throw InputValidation.Invalid(ErrorIds.InvalidResourceId, request.PublicIpId, $"'{request.PublicIpId}' is not the id of a public IP.", "Pass the Id of a public IP (New-AksEgressIp output).");
        var s = await GetSessionAsync(context).ConfigureAwait(false);
        var scope = new ErrorScope(ArmTargetKind.PublicIp, p.Canonical) { ResourceGroupName = p.ResourceGroupName };
        var ip = await GetPublicIpAsync(s, p.Canonical, context, scope).ConfigureAwait(false);
        if (ip is null)
        {
            context.WriteVerbose($"Public IP {p.ResourceGroupName}/{p.Name} does not exist: nothing to remove");
            return false;
        }
        if (!request.Force && (ip.AttachedTo is not null || ip.AksManaged))
        {
            var what = ip.AksManaged ? "it is an AKS-managed outbound IP of a cluster"
                : ip.IpConfigurationId?.Contains("/loadBalancers/", StringComparison.OrdinalIgnoreCase) == true
                    ? $"it is a frontend of load balancer '{LoadBalancerName(ip.IpConfigurationId)}' (a cluster's outbound IP, or the IP of a LoadBalancer Service)"
                : ip.NatGatewayId is not null ? $"it is attached to NAT gateway '{ip.NatGatewayId.Split('/').Last()}'"
                : $"it is attached to '{ip.AttachedTo}'";
            throw new AksEgressException(ErrorIds.PublicIpInUse, EgressErrorCategory.InvalidOperation,
                $"Public IP '{ip.ResourceGroupName}/{ip.Name}' ({ip.IpAddress}) is still in use: {what}. Deleting it would break egress or the Service using it.", ip.Id,
                "Detach it first (Set-AksOutboundIp with other IPs, or Remove-AksEgressService), then remove it; -Force skips this check (Azure still refuses to delete an attached IP).");
        }
        if (!context.ShouldProcess(ip.Id, $"Delete public IP {ip.Name} ({ip.IpAddress})")) return false;
        context.WriteVerbose($"Deleting public IP {ip.ResourceGroupName}/{ip.Name}");
        var uri = ArmRest.Url(s, ip.Id, ApiVersions.Network);
        var initial = await ArmRest.SendCheckedAsync(s, RequestMethod.Delete, uri, null, context, scope, allow404: true).ConfigureAwait(false);
        if (initial is null || initial.Status == 204) return initial is not null;
        await ArmRest.WaitAsync(s, initial, null, $"deletion of public IP {ip.ResourceGroupName}/{ip.Name}", request.TimeoutSeconds, context, scope).ConfigureAwait(false);
        return true;
    }

    private static string LoadBalancerName(string ipConfigurationId)
    {
        var parts = ipConfigurationId.Split('/');
        var i = Array.FindIndex(parts, x => x.Equals("loadBalancers", StringComparison.OrdinalIgnoreCase));
        return i >= 0 && i + 1 < parts.Length ? parts[i + 1] : ipConfigurationId;
    }

    // ------------------------------------------------------------------ credentials for the Kubernetes half

    public async Task<string> GetClusterKubeconfigAsync(ClusterRef cluster, bool admin, IOperationContext context)
    {
        ArmSessionFactory.CurrentContext.Value = context;
        ValidateClusterRef(cluster);
        var s = await GetSessionAsync(context).ConfigureAwait(false);
        var sub = cluster.SubscriptionId ?? s.SubscriptionId;
        if (admin)
        {
            var (model, _, _) = await GetClusterModelAsync(cluster, context, fresh: false).ConfigureAwait(false);
            if (model.Info.LocalAccountsDisabled)
                throw new AksEgressException(ErrorIds.LocalAccountsDisabled, EgressErrorCategory.PermissionDenied,
                    $"Cluster '{cluster.ClusterName}' has local accounts disabled (disableLocalAccounts), so admin credentials cannot be listed.", cluster.ToString(),
                    "Omit -Admin: the user credentials work with Microsoft Entra ID (the module gets the Entra token for you).");
        }
        var action = admin ? "listClusterAdminCredential" : "listClusterUserCredential";
        context.WriteVerbose($"POST {action} for cluster {cluster}");
        var r = await ArmRest.SendCheckedAsync(s, RequestMethod.Post, ArmRest.Url(s, cluster.ToId(sub) + "/" + action, ApiVersions.ManagedClusters), null, context,
            new ErrorScope(ArmTargetKind.Cluster, cluster.ToString()) { ClusterName = cluster.ClusterName }).ConfigureAwait(false);
        var value = ManagedClusterModel.Str((r!.Json?["kubeconfigs"] as JsonArray)?.OfType<JsonObject>().FirstOrDefault(), "value");
        if (string.IsNullOrEmpty(value))
            throw new AksEgressException(ErrorIds.ArmRequestFailed, EgressErrorCategory.InvalidResult,
                $"{action} for cluster {cluster} returned no kubeconfig.", cluster.ToString(), "Run the command again; if it persists, use -KubeConfigPath.");
        try { return Encoding.UTF8.GetString(Convert.FromBase64String(value)); }
        catch (FormatException)
        {
            throw new AksEgressException(ErrorIds.ArmRequestFailed, EgressErrorCategory.InvalidResult,
                $"{action} for cluster {cluster} returned a kubeconfig that is not base64.", cluster.ToString(), "Use -KubeConfigPath instead.");
        }
    }

    public async Task<string> GetAksAadTokenAsync(IOperationContext context)
    {
        var s = await GetSessionAsync(context).ConfigureAwait(false);
        if (s.Credential is StaticTokenCredential)
            throw new AksEgressException(ErrorIds.AuthenticationFailed, EgressErrorCategory.AuthenticationError,
                "This session was connected with -AccessToken, an ARM token; a Microsoft Entra cluster needs a token for the AKS server application (6dae42f8-4368-4678-94ff-3960e28e3630), which cannot be derived from it.",
                "6dae42f8-4368-4678-94ff-3960e28e3630",
                "Connect with -Identity or with DefaultAzureCredential (az login / Connect-AzAccount), or pass -KubeConfigPath with a kubeconfig converted by kubelogin.");
        try
        {
            var token = await s.Credential.GetTokenAsync(new TokenRequestContext(new[] { AksServerAppScope }), context.CancellationToken).ConfigureAwait(false);
            return token.Token;
        }
        catch (Exception e) when (e is AuthenticationFailedException or CredentialUnavailableException)
        {
            throw new AksEgressException(ErrorIds.AuthenticationFailed, EgressErrorCategory.AuthenticationError,
                $"Could not get a Microsoft Entra token for the AKS server application: {Redaction.Text(e.Message)}", "6dae42f8-4368-4678-94ff-3960e28e3630",
                "Sign in (az login / Connect-AzAccount / Connect-AksEgress) with an identity that has access to the cluster.", e);
        }
    }

    // ------------------------------------------------------------------ completion

    public async Task<IReadOnlyList<string>> CompleteAsync(CompletionKind kind, string? resourceGroupName, string? kubeConfigPath, CancellationToken cancellationToken)
    {
        try
        {
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            cts.CancelAfter(TimeSpan.FromSeconds(5));
            var ctx = new NullOperationContext(cts.Token);
            if (kind == CompletionKind.KubeContext) return CompleteKubeContexts(kubeConfigPath);
            if (kind == CompletionKind.Namespace) return await CompleteNamespacesAsync(kubeConfigPath, cts.Token).ConfigureAwait(false);
            if (kind is not (CompletionKind.Subscription or CompletionKind.ResourceGroup or CompletionKind.Cluster)) return Array.Empty<string>();
            if (resourceGroupName is not null && !InputValidation.IsResourceGroupName(resourceGroupName)) resourceGroupName = null;
            var s = await GetSessionAsync(ctx).ConfigureAwait(false);
            var key = $"{kind}/{resourceGroupName}";
            if (s.CompletionCache.TryGet(key, out var cached)) return cached;
            IReadOnlyList<string> result;
            if (kind == CompletionKind.Cluster)
            {
                var names = new List<string>();
                await foreach (var c in ListClustersAsync(null, resourceGroupName, ctx).WithCancellation(cts.Token).ConfigureAwait(false)) names.Add(c.ClusterName);
                result = names.Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(x => x, StringComparer.OrdinalIgnoreCase).ToArray();
            }
            else
            {
                var path = kind == CompletionKind.Subscription ? "/subscriptions" : $"/subscriptions/{s.SubscriptionId}/resourcegroups";
                var prop = kind == CompletionKind.Subscription ? "subscriptionId" : "name";
                var names = new List<string>();
                Uri? next = ArmRest.Url(s, path, kind == CompletionKind.Subscription ? ApiVersions.Subscriptions : ApiVersions.ResourceGroups);
                while (next is not null && names.Count < 5000)
                {
                    var r = await ArmRest.SendAsync(s, RequestMethod.Get, next, null, ctx, path).ConfigureAwait(false);
                    if (!r.IsSuccess) break;
                    var json = r.Json;
                    names.AddRange((json?["value"] as JsonArray ?? new JsonArray()).OfType<JsonObject>().Select(o => ManagedClusterModel.Str(o, prop)).Where(x => x is not null)!);
                    var nl = ManagedClusterModel.Str(json, "nextLink");
                    next = string.IsNullOrEmpty(nl) ? null : new Uri(nl);
                }
                result = names.Distinct(StringComparer.OrdinalIgnoreCase).OrderBy(x => x, StringComparer.OrdinalIgnoreCase).ToArray();
            }
            s.CompletionCache.Set(key, result);
            return result;
        }
        catch (Exception)
        {
            return Array.Empty<string>();
        }
    }

    private static readonly TtlCache<string, IReadOnlyList<string>> NamespaceCompletionCache = new(TimeSpan.FromSeconds(60));

    private static string DefaultKubeconfigPath(string? kubeConfigPath) =>
        kubeConfigPath ?? NullIfEmpty(Environment.GetEnvironmentVariable("KUBECONFIG")?.Split(Path.PathSeparator).FirstOrDefault())
        ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");

    /// <summary>Namespaces of the kubeconfig's current context (tab completion only; 60 s cache).</summary>
    private static async Task<IReadOnlyList<string>> CompleteNamespacesAsync(string? kubeConfigPath, CancellationToken ct)
    {
        var path = Path.GetFullPath(DefaultKubeconfigPath(kubeConfigPath));
        if (!File.Exists(path)) return Array.Empty<string>();
        if (NamespaceCompletionCache.TryGet(path, out var cached)) return cached;
        var cfg = k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(path);
        using var client = new k8s.Kubernetes(cfg);
        var list = await client.CoreV1.ListNamespaceAsync(cancellationToken: ct).ConfigureAwait(false);
        IReadOnlyList<string> names = list.Items.Select(n => n.Metadata?.Name).Where(n => !string.IsNullOrEmpty(n)).Select(n => n!).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        NamespaceCompletionCache.Set(path, names);
        return names;
    }

    private static IReadOnlyList<string> CompleteKubeContexts(string? kubeConfigPath)
    {
        var path = DefaultKubeconfigPath(kubeConfigPath);
        if (!File.Exists(path)) return Array.Empty<string>();
        var cfg = k8s.KubernetesClientConfiguration.LoadKubeConfig(path);
        return cfg.Contexts?.Select(c => c.Name).Where(n => !string.IsNullOrEmpty(n)).ToArray() ?? Array.Empty<string>();
    }
}
