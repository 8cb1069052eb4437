namespace AksEgress.Contract;

/// <summary>
/// One validator per request type. The engine facade calls the matching one once, when an engine method is entered and
/// before any request is sent; cmdlets keep only [Validate*] attributes and parameter-set logic. Each throws
/// <see cref="AksEgressException"/> with the ErrorId that names what is wrong (ConflictingParameters only when two
/// parameters conflict).
/// </summary>
public static class RequestValidation
{
    private static readonly string[] ValidZones = { "1", "2", "3" };
    private static readonly char[] TagNameForbidden = { '<', '>', '%', '&', '\\', '?', '/' };

    public static void Validate(ClusterRef cluster)
    {
        if (cluster.SubscriptionId is not null) InputValidation.ValidateSubscriptionId(cluster.SubscriptionId);
        InputValidation.ValidateResourceGroupName(cluster.ResourceGroupName);
        InputValidation.ValidateClusterName(cluster.ClusterName);
    }

    /// <summary>The scope of a cluster listing: the subscription and, optionally, one resource group.</summary>
    public static void ValidateListScope(string? subscriptionId, string? resourceGroupName)
    {
        if (subscriptionId is not null) InputValidation.ValidateSubscriptionId(subscriptionId);
        if (resourceGroupName is not null) InputValidation.ValidateResourceGroupName(resourceGroupName);
    }

    public static void Validate(KubeAccess access)
    {
        if (access.Cluster is not null) Validate(access.Cluster);
    }

    public static void Validate(ConnectRequest request)
    {
        if (request.SubscriptionId is not null) InputValidation.ValidateSubscriptionId(request.SubscriptionId);
        if (request.TenantId is not null && !InputValidation.IsSubscriptionId(request.TenantId) && !request.TenantId.Contains('.'))
            throw InputValidation.Invalid(ErrorIds.InvalidTenantId, request.TenantId,
                $"'{request.TenantId}' is not a tenant id (a GUID or a domain such as contoso.onmicrosoft.com).", "Pass -TenantId <guid>.");
        if (!InputValidation.IsKnownEnvironment(request.Environment))
            throw InputValidation.Invalid(ErrorIds.InvalidEnvironment, request.Environment,
                $"'{request.Environment}' is not a known Azure environment. Use AzureCloud, AzureChinaCloud or AzureUSGovernment, and -ArmEndpoint for a custom endpoint.",
                "Pass -Environment AzureCloud (the default), AzureChinaCloud or AzureUSGovernment.");
        if (request.AccessToken is not null && request.Identity)
            throw InputValidation.Invalid(ErrorIds.ConflictingParameters, null,
                "-AccessToken and -Identity cannot be used together: choose one way to authenticate.", "Pass either -AccessToken or -Identity.");
        if (request.ClientId is not null && !request.Identity && request.AccessToken is not null)
            throw InputValidation.Invalid(ErrorIds.ConflictingParameters, request.ClientId,
                "-ClientId names a managed identity and cannot be used with -AccessToken.", "Remove -ClientId, or use -Identity -ClientId <id>.");
        if (request.ArmEndpoint is { } ep && (!ep.IsAbsoluteUri || ep.Scheme != Uri.UriSchemeHttps))
            throw InputValidation.Invalid(ErrorIds.InvalidArmEndpoint, ep.ToString(),
                $"-ArmEndpoint '{ep}' must be an absolute https:// URL: bearer tokens are never sent over plain HTTP.",
                "Pass an https endpoint, e.g. https://management.local.azurestack.external/.");
        if (request.AzContext && (request.AccessToken is not null || request.Identity || request.ArmEndpoint is not null))
            throw InputValidation.Invalid(ErrorIds.ConflictingParameters, null,
                "-AzContext takes the identity and the cloud from Az PowerShell; it cannot be combined with -AccessToken, -Identity or -ArmEndpoint.",
                "Pass -AzContext alone (optionally with -SubscriptionId), or choose another way to authenticate.");
        // With -AzContext the endpoint may come from a custom Az environment: the engine checks the CA against it.
        if (request.CaCertificatePath is not null && request.ArmEndpoint is null && !request.AzContext)
            throw InputValidation.Invalid(ErrorIds.ConflictingParameters, request.CaCertificatePath,
                "-CaCertificatePath is trusted only for a custom -ArmEndpoint; the public Azure clouds use the system's trusted roots.",
                "Pass -ArmEndpoint <https url> together with -CaCertificatePath, or drop -CaCertificatePath.");
    }

    public static void Validate(NewEgressIpRequest request)
    {
        InputValidation.ValidatePublicIpName(request.Name);
        if (request.ResourceGroupName is not null) InputValidation.ValidateResourceGroupName(request.ResourceGroupName);
        if (request.SubscriptionId is not null) InputValidation.ValidateSubscriptionId(request.SubscriptionId);
        if (request.Cluster is not null) Validate(request.Cluster);
        if (string.Equals(request.Sku, "Basic", StringComparison.OrdinalIgnoreCase))
            throw InputValidation.Invalid(ErrorIds.BasicSkuRetired, request.Sku,
                "Basic SKU public IP addresses were retired on 30 September 2025, and AKS no longer supports the Basic load balancer. Use -Sku Standard.",
                "Drop -Sku Basic: Standard is the default.");
        if (!string.Equals(request.Sku, "Standard", StringComparison.OrdinalIgnoreCase))
            throw InputValidation.Invalid(ErrorIds.InvalidSku, request.Sku, $"SKU '{request.Sku}' is not supported: egress IPs are Standard public IPs.", "Use -Sku Standard.");
        foreach (var z in request.Zones)
            if (!ValidZones.Contains(z))
                throw InputValidation.Invalid(ErrorIds.InvalidZone, z, $"Zone '{z}' is invalid: availability zones are '1', '2' and '3'.", "Pass -Zone 1,2,3 for a zone-redundant IP, or omit -Zone.");
        ValidateTags(request.Tags);
        if (request.IdleTimeoutInMinutes is int it && it is < 4 or > 30)
            throw InputValidation.Invalid(ErrorIds.InvalidIdleTimeout, it, $"IdleTimeoutInMinutes {it} is invalid for a public IP: it must be between 4 and 30.", "Use a value such as 4.");
        if (request.Cluster is null && request.ClusterInfo is null && request.ResourceGroupName is null && string.IsNullOrWhiteSpace(request.NodeResourceGroup))
            throw new AksEgressException(ErrorIds.MissingClusterContext, EgressErrorCategory.InvalidArgument,
                "Where should the public IP go? Give -ResourceGroupName, or a cluster (-ClusterId, or pipe Get-AksNodeResourceGroup) so its node resource group is used.",
                request.Name, "Example: Get-AksNodeResourceGroup -ResourceGroupName rg -ClusterName aks | New-AksEgressIp -Name aks-egress-ip");
    }

    /// <summary>Standard IPv4 public IP prefix lengths AksEgress creates: /28 (16 addresses) to /31 (2).</summary>
    public const int MinPrefixLength = 28, MaxPrefixLength = 31;

    public static void Validate(NewEgressIpPrefixRequest request)
    {
        if (!InputValidation.IsPublicIpName(request.Name))
            throw InputValidation.Invalid(ErrorIds.InvalidPublicIpName, request.Name,
                $"'{request.Name}' is not a valid public IP prefix name. It must be 1-80 characters, begin with a letter or digit, end with a letter, digit or '_', and contain only letters, digits, '_', '.' and '-'.",
                "Choose a name such as 'aks-egress-prefix'.");
        if (request.PrefixLength is < MinPrefixLength or > MaxPrefixLength)
            throw InputValidation.Invalid(ErrorIds.InvalidPrefixLength, request.PrefixLength,
                $"PrefixLength {request.PrefixLength} is invalid: a Standard IPv4 public IP prefix for egress is /28 (16 addresses), /29 (8), /30 (4) or /31 (2).",
                "Use -PrefixLength 28 to 31; the allowlist entry is then one CIDR of that length.");
        if (request.ResourceGroupName is not null) InputValidation.ValidateResourceGroupName(request.ResourceGroupName);
        if (request.SubscriptionId is not null) InputValidation.ValidateSubscriptionId(request.SubscriptionId);
        if (request.Cluster is not null) Validate(request.Cluster);
        foreach (var z in request.Zones)
            if (!ValidZones.Contains(z))
                throw InputValidation.Invalid(ErrorIds.InvalidZone, z, $"Zone '{z}' is invalid: availability zones are '1', '2' and '3'.", "Pass -Zone 1,2,3 for a zone-redundant prefix, or omit -Zone.");
        ValidateTags(request.Tags);
        if (request.Cluster is null && request.ClusterInfo is null && request.ResourceGroupName is null && string.IsNullOrWhiteSpace(request.NodeResourceGroup))
            throw new AksEgressException(ErrorIds.MissingClusterContext, EgressErrorCategory.InvalidArgument,
                "Where should the public IP prefix go? Give -ResourceGroupName, or a cluster (-ClusterId, or pipe Get-AksNodeResourceGroup) so its node resource group is used.",
                request.Name, "Example: Get-AksNodeResourceGroup -ResourceGroupName rg -ClusterName aks | New-AksEgressIpPrefix -Name aks-egress-prefix");
    }

    /// <summary>Azure tags: at most 50; names 1-512 characters without &lt; &gt; % &amp; \ ? /; values at most 256 characters.</summary>
    public static void ValidateTags(IReadOnlyDictionary<string, string> tags)
    {
        if (tags.Count > 50)
            throw InputValidation.Invalid(ErrorIds.InvalidTag, null, $"{tags.Count} tags given; Azure allows at most 50 tags per resource.", "Pass fewer tags.");
        foreach (var (k, v) in tags)
        {
            if (string.IsNullOrWhiteSpace(k) || k.Length > 512 || k.IndexOfAny(TagNameForbidden) >= 0)
                throw InputValidation.Invalid(ErrorIds.InvalidTag, k,
                    $"Tag name '{k}' is invalid: it must be 1-512 characters and must not contain < > % & \\ ? /.", "Use a tag name such as 'purpose'.");
            if ((v ?? "").Length > 256)
                throw InputValidation.Invalid(ErrorIds.InvalidTag, k, $"The value of tag '{k}' is longer than 256 characters.", "Shorten the tag value.");
        }
    }

    /// <summary>natGatewayProfile.managedOutboundIPProfile.count of a managed NAT gateway (AKS 2025-10-01): 1 to 16.</summary>
    public const int MinManagedNatGatewayIps = 1, MaxManagedNatGatewayIps = 16;

    public static void Validate(SetOutboundIpRequest request)
    {
        Validate(request.Cluster);
        var ipIds = request.PublicIpIds ?? Array.Empty<string>();
        var prefixIds = request.PublicIpPrefixIds ?? Array.Empty<string>();
        var given = new List<string>();
        if (ipIds.Length > 0) given.Add("public IPs (outboundIPs)");
        if (prefixIds.Length > 0) given.Add("public IP prefixes (outboundIPPrefixes)");
        if (request.ManagedOutboundIpCount is not null || request.ManagedOutboundIpv6Count is not null) given.Add("a managed outbound IP count (managedOutboundIPs)");
        if (request.ManagedNatGatewayIpCount is not null) given.Add("a managed NAT gateway IP count (natGatewayProfile)");
        if (given.Count > 1 && request.ManagedNatGatewayIpCount is not null)
            throw InputValidation.Invalid(ErrorIds.ConflictingParameters, request.Cluster.ToString(),
                $"Give either a managed NAT gateway IP count or a load balancer outbound source, not {string.Join(" and ", given)}: a cluster's egress is its managed NAT gateway (outboundType managedNATGateway) or its load balancer (outboundType loadBalancer), never both.",
                "Pass -ManagedNatGatewayIpCount alone for a managedNATGateway cluster, or only the load balancer source for a loadBalancer cluster.");
        // The stable AKS api-version takes exactly one outbound IP source (InvalidLoadBalancerProfile otherwise): refuse a mix before
        // anything is sent, and say why.
        if (given.Count > 1)
            throw InputValidation.Invalid(ErrorIds.ConflictingParameters, request.Cluster.ToString(),
                $"Give exactly one outbound IP source, not {string.Join(" and ", given)}: a Standard load balancer cluster uses managed outbound IPs, your public IPs or your public IP prefixes, one of the three at a time (AKS refuses more than one with InvalidLoadBalancerProfile).",
                "Pass only public IPs (-PublicIpId or piped New-AksEgressIp), only prefixes (-PublicIpPrefixId or piped New-AksEgressIpPrefix), or only -ManagedOutboundIpCount.");
        if (given.Count == 0)
            throw InputValidation.Invalid(ErrorIds.InvalidResourceId, null, "Give the new outbound IP source: public IP ids, public IP prefix ids, a managed outbound IP count, or a managed NAT gateway IP count.",
                "Pipe New-AksEgressIp or New-AksEgressIpPrefix, or pass -PublicIpId, -PublicIpPrefixId, -ManagedOutboundIpCount or -ManagedNatGatewayIpCount.");
        foreach (var id in ipIds) ResourceIdParser.ParsePublicIpId(id);
        foreach (var id in prefixIds) ResourceIdParser.ParsePublicIpPrefixId(id);
        if (request.ManagedOutboundIpCount is int count && count is < 1 or > 100)
            throw InputValidation.Invalid(ErrorIds.InvalidCount, count, $"ManagedOutboundIpCount {count} is invalid: AKS manages 1 to 100 outbound IPs.", "Use a value such as 1.");
        if (request.ManagedOutboundIpv6Count is int v6 && v6 is < 0 or > 100)
            throw InputValidation.Invalid(ErrorIds.InvalidCount, v6, $"ManagedOutboundIpv6Count {v6} is invalid: it must be between 0 and 100.", "Use a value such as 1.");
        if (request.ManagedOutboundIpCount is null && request.ManagedOutboundIpv6Count is not null)
            throw InputValidation.Invalid(ErrorIds.ConflictingParameters, request.ManagedOutboundIpv6Count,
                "-ManagedOutboundIpv6Count needs -ManagedOutboundIpCount: managedOutboundIPs sets the IPv4 and IPv6 counts together.", "Pass -ManagedOutboundIpCount 1 -ManagedOutboundIpv6Count 1.");
        if (request.ManagedNatGatewayIpCount is int natCount && natCount is < MinManagedNatGatewayIps or > MaxManagedNatGatewayIps)
            throw InputValidation.Invalid(ErrorIds.InvalidCount, natCount,
                $"ManagedNatGatewayIpCount {natCount} is invalid: a managed NAT gateway has {MinManagedNatGatewayIps} to {MaxManagedNatGatewayIps} outbound IPs (natGatewayProfile.managedOutboundIPProfile.count).", "Use a value such as 2.");
        if (request.ManagedNatGatewayIpCount is not null && request.AllocatedOutboundPorts is not null)
            throw InputValidation.Invalid(ErrorIds.ConflictingParameters, request.AllocatedOutboundPorts,
                "-AllocatedOutboundPorts is a load balancer setting: a NAT gateway allocates SNAT ports on demand, so it has no per-node port allocation.",
                "Drop -AllocatedOutboundPorts; -IdleTimeoutInMinutes (4-120) is the NAT gateway's one other setting.");
        if (request.AllocatedOutboundPorts is int ports) InputValidation.ValidateAllocatedOutboundPorts(ports);
        if (request.IdleTimeoutInMinutes is int idle) InputValidation.ValidateIdleTimeout(idle);
    }

    /// <summary>A Standard NAT gateway: at most 16 public IP addresses, single IPs and every address of its prefixes together.</summary>
    public const int MaxNatGatewayAddresses = 16;

    public static void Validate(SetNatGatewayIpRequest request)
    {
        Validate(request.Cluster);
        var ipIds = request.PublicIpIds ?? Array.Empty<string>();
        var prefixIds = request.PublicIpPrefixIds ?? Array.Empty<string>();
        if (ipIds.Length == 0 && prefixIds.Length == 0)
            throw InputValidation.Invalid(ErrorIds.InvalidResourceId, null, "Give the public IPs or public IP prefixes to attach to the NAT gateway.",
                "Pipe New-AksEgressIp or New-AksEgressIpPrefix, or pass -PublicIpId / -PublicIpPrefixId.");
        foreach (var id in ipIds) ResourceIdParser.ParsePublicIpId(id);
        foreach (var id in prefixIds) ResourceIdParser.ParsePublicIpPrefixId(id);
        var distinctIps = ipIds.Distinct(StringComparer.OrdinalIgnoreCase).Count();
        if (distinctIps > MaxNatGatewayAddresses)
            throw InputValidation.Invalid(ErrorIds.NatGatewayAddressLimitExceeded, distinctIps,
                $"{distinctIps} public IPs given; a NAT gateway takes at most {MaxNatGatewayAddresses} public IP addresses (single IPs and the addresses of its prefixes together).",
                "Use fewer IPs, or one public IP prefix (New-AksEgressIpPrefix -PrefixLength 28 gives 16 addresses in one allowlist entry).");
        if (request.TimeoutSeconds < 1)
            throw InputValidation.Invalid(ErrorIds.InvalidTimeout, request.TimeoutSeconds, $"TimeoutSeconds {request.TimeoutSeconds} is invalid: it must be at least 1.", "Use a value such as 600.");
    }

    public static void Validate(RemoveEgressIpRequest request) => ResourceIdParser.ParsePublicIpId(request.PublicIpId);

    public static void Validate(SetEgressServiceRequest request)
    {
        InputValidation.ValidatePublicIPv4(request.IpAddress);
        InputValidation.ValidateServiceName(request.ServiceName);
        InputValidation.ValidateNamespace(request.Namespace);
        InputValidation.ValidatePort(request.Port);
        if (!string.IsNullOrWhiteSpace(request.PublicIpId)) ResourceIdParser.ParsePublicIpId(request.PublicIpId);
        if (request.TimeoutSeconds < 1)
            throw InputValidation.Invalid(ErrorIds.InvalidTimeout, request.TimeoutSeconds, $"TimeoutSeconds {request.TimeoutSeconds} is invalid: it must be at least 1.", "Use a value such as 300.");
        Validate(request.Kube);
    }

    public static void Validate(RemoveEgressServiceRequest request)
    {
        InputValidation.ValidateServiceName(request.ServiceName);
        InputValidation.ValidateNamespace(request.Namespace);
        Validate(request.Kube);
    }

    public static void Validate(TestEgressIpRequest request)
    {
        InputValidation.ValidateCheckUri(request.CheckUri);
        InputValidation.ValidateNamespace(request.Namespace);
        // IPv6 too: a dual-stack configuration piped in carries its IPv6 outbound IPs in EgressIpAddress.
        foreach (var e in request.ExpectedIpAddress ?? Array.Empty<string>()) InputValidation.ValidatePublicIp(e);
        if (request.Count is < 1 or > 100)
            throw InputValidation.Invalid(ErrorIds.InvalidCount, request.Count, $"Count {request.Count} is invalid: it must be between 1 and 100.", "Use a value such as 3.");
        if (request.ThrottleLimit is < 1 or > 50)
            throw InputValidation.Invalid(ErrorIds.InvalidThrottleLimit, request.ThrottleLimit, $"ThrottleLimit {request.ThrottleLimit} is invalid: it must be between 1 and 50.", "Use a value such as 5.");
        if (request.TimeoutSeconds is < 5 or > 3600)
            throw InputValidation.Invalid(ErrorIds.InvalidTimeout, request.TimeoutSeconds, $"TimeoutSeconds {request.TimeoutSeconds} is invalid: it must be between 5 and 3600.", "Use a value such as 120.");
        if (string.IsNullOrWhiteSpace(request.Image))
            throw InputValidation.Invalid(ErrorIds.InvalidImage, request.Image, "-Image must not be empty.", $"Use an image with curl, such as the default {TestEgressIpRequest.DefaultImage}.");
        if (request.AllNodes && !string.IsNullOrEmpty(request.NodeName))
            throw InputValidation.Invalid(ErrorIds.ConflictingParameters, request.NodeName,
                "-AllNodes runs one pod on every node; -NodeName pins one node. Use one of them.", "Drop -AllNodes or -NodeName.");
        if (!string.IsNullOrEmpty(request.NodePool) && (request.AllNodes || !string.IsNullOrEmpty(request.NodeName)))
            throw InputValidation.Invalid(ErrorIds.ConflictingParameters, request.NodePool,
                "-NodePool runs the samples on every node of that pool; -AllNodes and -NodeName choose nodes too. Use one of them.", "Drop -AllNodes / -NodeName, or -NodePool.");
        if (!string.IsNullOrEmpty(request.NodePool) && !System.Text.RegularExpressions.Regex.IsMatch(request.NodePool, "^[a-z][a-z0-9]{0,11}$"))
            throw InputValidation.Invalid(ErrorIds.InvalidKubernetesName, request.NodePool,
                $"'{request.NodePool}' is not an AKS node pool name (lowercase letters and digits, starting with a letter, at most 12).", "Pass a name from Get-AksEgressConfiguration's NodePool or 'kubectl get nodes -L agentpool'.");
        foreach (var entry in request.AllowList ?? Array.Empty<string>())
            if (!Cidr.TryParse(entry, out _, out _))
                throw InputValidation.Invalid(ErrorIds.InvalidAllowList, entry,
                    $"AllowList entry '{entry}' is not an IP address or CIDR (such as 203.0.113.10/32, 192.0.2.0/28 or 2001:db8::/124).",
                    "Pipe Get-AksEgressConfiguration, or pass -AllowList with addresses and CIDRs.");
        if (request.Gateway is not null)
        {
            InputValidation.ValidateResourceName(request.Gateway, "StaticGatewayConfiguration");
            if (request.ExpectedIpAddress is { Length: > 0 })
                throw InputValidation.Invalid(ErrorIds.ConflictingParameters, request.Gateway,
                    "-Gateway expects the gateway's prefix, not -ExpectedIpAddress: the annotated pod must egress inside the prefix and an unannotated one outside it.",
                    "Drop -ExpectedIpAddress, or drop -Gateway.");
            if (request.AllNodes || !string.IsNullOrEmpty(request.NodeName) || !string.IsNullOrEmpty(request.NodePool) || request.Count != 1)
                throw InputValidation.Invalid(ErrorIds.ConflictingParameters, request.Gateway,
                    "-Gateway runs exactly one annotated and one unannotated pod; -AllNodes, -NodeName, -NodePool and -Count do not apply.", "Drop -AllNodes, -NodeName, -NodePool and -Count.");
        }
        Validate(request.Kube);
    }

    public static void Validate(SetStaticEgressGatewayRequest request)
    {
        Validate(request.Cluster);
        Validate(request.Kube);
        ValidateTimeout(request.TimeoutSeconds, 30, 7200);
    }

    /// <summary>AKS's gateway pool rules, before any request: prefix size 28..31, and 2 to 2^(32-size) nodes.</summary>
    public static void Validate(NewEgressGatewayPoolRequest request)
    {
        Validate(request.Cluster);
        InputValidation.ValidateAgentPoolName(request.Name);
        if (request.PrefixSize is < 28 or > 31)
            throw InputValidation.Invalid(ErrorIds.InvalidPrefixSize, request.PrefixSize,
                $"-PrefixSize {request.PrefixSize} is invalid: a gateway pool's public IP prefix is /28 to /31 (16, 8, 4 or 2 addresses, one per node).",
                "Use -PrefixSize 31 for 2 nodes, 30 for up to 4, 29 for up to 8, 28 for up to 16.");
        var max = 1 << (32 - request.PrefixSize);
        if (request.Count < 2 || request.Count > max)
            throw InputValidation.Invalid(ErrorIds.InvalidGatewayNodeCount, request.Count,
                $"-Count {request.Count} is invalid for -PrefixSize {request.PrefixSize}: a gateway pool needs at least 2 nodes (AKS refuses fewer) and at most {max}, one per address of its /{request.PrefixSize} prefix.",
                request.Count < 2 ? "Use -Count 2 or more." : $"Use -Count {max} or less, or a larger prefix (-PrefixSize {Math.Max(28, 32 - (int)Math.Ceiling(Math.Log2(request.Count)))}).");
        if (request.VmSize is not null && string.IsNullOrWhiteSpace(request.VmSize))
            throw InputValidation.Invalid(ErrorIds.ConflictingParameters, request.VmSize, "-VmSize must not be empty.", "Omit -VmSize to let AKS choose, or pass a size such as Standard_D2s_v3.");
        ValidateTimeout(request.TimeoutSeconds, 30, 7200);
    }

    public static void Validate(RemoveEgressGatewayPoolRequest request)
    {
        Validate(request.Cluster);
        InputValidation.ValidateAgentPoolName(request.Name);
        Validate(request.Kube);
        ValidateTimeout(request.TimeoutSeconds, 30, 7200);
    }

    public static void Validate(NewEgressGatewayRequest request)
    {
        InputValidation.ValidateResourceName(request.Name, "StaticGatewayConfiguration");
        InputValidation.ValidateNamespace(request.Namespace);
        InputValidation.ValidateAgentPoolName(request.PoolName);
        if (request.DefaultRoute is not ("staticEgressGateway" or "azureNetworking"))
            throw InputValidation.Invalid(ErrorIds.InvalidDefaultRoute, request.DefaultRoute,
                $"-DefaultRoute '{request.DefaultRoute}' is invalid: use staticEgressGateway (all traffic but -ExcludeCidr leaves through the gateway) or azureNetworking (only -ExcludeCidr does).",
                "Omit -DefaultRoute for staticEgressGateway.");
        foreach (var cidr in request.ExcludeCidr) InputValidation.ValidateIPv4Cidr(cidr);
        if (request.PublicIpPrefixId is not null)
        {
            var prefix = ResourceIdParser.ParsePublicIpPrefixId(request.PublicIpPrefixId);
            if (request.Kube.Cluster?.SubscriptionId is { Length: > 0 } sub && !string.Equals(sub, prefix.SubscriptionId, StringComparison.OrdinalIgnoreCase))
                throw InputValidation.Invalid(ErrorIds.GatewayPrefixMismatch, request.PublicIpPrefixId,
                    $"Public IP prefix '{prefix.Name}' is in subscription {prefix.SubscriptionId}, the cluster in {sub}: the gateway controller only uses a prefix of the cluster's own subscription (it would report 'public ip prefix subscription(...) is not in the same subscription(...)' and never provision the gateway).",
                    "Create the prefix in the cluster's subscription (New-AksEgressIpPrefix), or omit -PublicIpPrefixId to let the controller provision one.");
        }
        Validate(request.Kube);
        ValidateTimeout(request.TimeoutSeconds, 5, 3600);
    }

    public static void Validate(RemoveEgressGatewayRequest request)
    {
        InputValidation.ValidateResourceName(request.Name, "StaticGatewayConfiguration");
        InputValidation.ValidateNamespace(request.Namespace);
        Validate(request.Kube);
        ValidateTimeout(request.TimeoutSeconds, 5, 3600);
    }

    public static void Validate(SetEgressGatewayWorkloadRequest request)
    {
        if (request.Kind is not ("Deployment" or "StatefulSet" or "DaemonSet"))
            throw InputValidation.Invalid(ErrorIds.InvalidWorkloadKind, request.Kind,
                $"-Kind '{request.Kind}' is invalid: the gateway annotation goes on the pod template of a Deployment, StatefulSet or DaemonSet.",
                "Pass -Kind Deployment, StatefulSet or DaemonSet. A bare pod cannot be changed: recreate it with the annotation kubernetes.azure.com/static-gateway-configuration.");
        InputValidation.ValidateResourceName(request.Name, request.Kind);
        InputValidation.ValidateNamespace(request.Namespace);
        if (!request.Remove)
        {
            if (string.IsNullOrWhiteSpace(request.Gateway))
                throw InputValidation.Invalid(ErrorIds.ConflictingParameters, request.Name,
                    "-Gateway is required: it names the StaticGatewayConfiguration the workload's pods should leave through.",
                    "Pass -Gateway <name>, pipe the object New-AksEgressGateway wrote, or pass -Remove to take the workload off its gateway.");
            InputValidation.ValidateResourceName(request.Gateway, "StaticGatewayConfiguration");
        }
        else if (!string.IsNullOrWhiteSpace(request.Gateway)) InputValidation.ValidateResourceName(request.Gateway, "StaticGatewayConfiguration");
        if (!request.Remove && request.GatewayNamespace is { Length: > 0 } gwNs && !string.Equals(gwNs, request.Namespace, StringComparison.Ordinal))
            throw InputValidation.Invalid(ErrorIds.GatewayNamespaceMismatch, $"{request.Namespace}/{request.Name}",
                $"StaticGatewayConfiguration {gwNs}/{request.Gateway} is in namespace '{gwNs}', the {request.Kind} '{request.Name}' in '{request.Namespace}': the gateway's CNI looks the annotation's name up in the pod's own namespace only, so the pods would fail to start.",
                $"Create a gateway in namespace '{request.Namespace}' (New-AksEgressGateway -Namespace {request.Namespace}), or pick a workload of namespace '{gwNs}'.");
        Validate(request.Kube);
        ValidateTimeout(request.TimeoutSeconds, 5, 3600);
    }

    private static void ValidateTimeout(int seconds, int min, int max)
    {
        if (seconds < min || seconds > max)
            throw InputValidation.Invalid(ErrorIds.InvalidTimeout, seconds, $"TimeoutSeconds {seconds} is invalid: it must be between {min} and {max}.", $"Use a value such as {Math.Min(max, Math.Max(min, 600))}.");
    }
}
