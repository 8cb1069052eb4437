using AksEgress.Engine.Clusters;
using AksEgress.Engine.Session;
using static AksEgress.Engine.Session.SessionService;

namespace AksEgress.Engine.PublicIps;

/// <summary>New-AksEgressIpPrefix: Standard IPv4 public IP prefixes (a stable range to allowlist once).</summary>
internal sealed class PublicIpPrefixService(SessionService sessions, ClusterService clusters)
{
    /// <summary>Creates (or returns the matching existing) prefix. Returns null when ShouldProcess declined (-WhatIf).</summary>
    public async Task<EgressIpPrefix?> NewAsync(NewEgressIpPrefixRequest request, IOperationContext context)
    {
        var s = await sessions.GetAsync(context).ConfigureAwait(false);
        var place = await ResourcePlacement.ResolveAsync(s, clusters,
            request, freshCluster: false, "publicIPPrefixes", "public IP prefix", "New-AksEgressIpPrefix", context).ConfigureAwait(false);
        var (sub, targetRg, info, target, id) = (place.SubscriptionId, place.ResourceGroupName, place.Cluster, place.Target, place.Id);
        var scope = place.Scope(ArmTargetKind.Other);
        var knownLocation = NullIfEmpty(request.Location) ?? NullIfEmpty(info?.Location);

        var existing = await PublicIpPrefixModel.GetAsync(s, id, context, scope).ConfigureAwait(false);
        if (existing is not null)
        {
            var diffs = Differences(existing, request, knownLocation);
            if (diffs.Count > 0)
                throw new AksEgressException(ErrorIds.PublicIpPrefixConflict, EgressErrorCategory.ResourceExists,
                    $"A public IP prefix named '{request.Name}' already exists in '{targetRg}' with other settings: {string.Join("; ", diffs)}. A prefix's length, version, location and zones cannot be changed.", existing.Id,
                    "Choose another -Name, or pass the existing prefix's settings.");
            if (existing.IpPrefix is not null && existing.Succeeded)
            {
                context.WriteVerbose($"Public IP prefix {target} already exists as {existing.IpPrefix}: returning it unchanged");
                return ToResult(existing, created: false, sub, info, request);
            }
            context.WriteVerbose($"Public IP prefix {target} exists but is {existing.ProvisioningState ?? "not provisioned"}{(existing.IpPrefix is null ? " without a range" : "")}: sending the create again to finish it");
            knownLocation ??= NullIfEmpty(existing.Location);
        }

        var size = 1 << (32 - request.PrefixLength);
        var properties = new JsonObject { ["prefixLength"] = request.PrefixLength, ["publicIPAddressVersion"] = "IPv4" };
        var final = await place.CreateAsync(s, request, knownLocation, $"Standard IPv4 public IP prefix /{request.PrefixLength} ({size} addresses)",
            $"IPv4 /{request.PrefixLength}", properties, scope, context).ConfigureAwait(false);
        if (final is null) return null;
        var created = PublicIpPrefixModel.Parse(final);
        context.WriteVerbose($"Public IP prefix {target} is {created.IpPrefix}");
        return ToResult(created, created: true, sub, info, request);
    }

    /// <summary>What makes an existing prefix a different one from the request (empty: the same prefix).</summary>
    internal static List<string> Differences(PublicIpPrefixModel existing, NewEgressIpPrefixRequest request, string? location)
    {
        var diffs = new List<string>();
        if (!existing.IsStandard) diffs.Add($"SKU is {existing.SkuName ?? "none"}, not Standard");
        if (existing.IsIpv6) diffs.Add("IP version is IPv6, not IPv4");
        if (existing.PrefixLength is int len && len != request.PrefixLength) diffs.Add($"length is /{len}, not /{request.PrefixLength}");
        if (location is not null && PublicIpModel.NormaliseLocation(existing.Location) != PublicIpModel.NormaliseLocation(location))
            diffs.Add($"location is {existing.Location}, not {PublicIpModel.NormaliseLocation(location)}");
        var want = request.Zones.Distinct().OrderBy(z => z, StringComparer.Ordinal).ToArray();
        var have = existing.Zones.Distinct().OrderBy(z => z, StringComparer.Ordinal).ToArray();
        if (!want.SequenceEqual(have))
            diffs.Add($"zones are {(have.Length == 0 ? "none" : string.Join(",", have))}, not {(want.Length == 0 ? "none" : string.Join(",", want))}");
        return diffs;
    }

    private static EgressIpPrefix ToResult(PublicIpPrefixModel p, bool created, string sub, AksNodeResourceGroup? info, NewEgressIpPrefixRequest request)
    {
        var c = ResourcePlacement.ContextOf(sub, info, request);
        return new()
        {
            Name = p.Name,
            ResourceGroupName = p.ResourceGroupName,
            Id = p.Id,
            Prefix = p.IpPrefix,
            PrefixLength = p.PrefixLength ?? request.PrefixLength,
            IpVersion = p.IpVersion ?? "IPv4",
            Location = p.Location,
            Sku = p.SkuName ?? "Standard",
            Zones = new ValueList<string>(p.Zones),
            Tags = new ValueMap(p.Tags),
            ProvisioningState = p.ProvisioningState,
            AttachedTo = p.AttachedTo,
            AllowList = new ValueList<string>(p.IpPrefix is null ? Array.Empty<string>() : new[] { p.IpPrefix }),
            Created = created,
            SubscriptionId = p.SubscriptionId.Length > 0 ? p.SubscriptionId : sub,
            ClusterName = c.ClusterName,
            ClusterResourceGroupName = c.ClusterResourceGroupName,
            ClusterId = c.ClusterId,
            NodeResourceGroup = c.NodeResourceGroup,
            LoadBalancerSku = c.LoadBalancerSku,
            OutboundType = c.OutboundType,
        };
    }
}
