using System.Globalization;
using AksEgress.Engine.PublicIps;

namespace AksEgress.Engine.OutboundIps;

/// <summary>What a Set-AksOutboundIp call changes on a cluster, so the confirmation (-WhatIf/-Confirm) says exactly that.</summary>
internal sealed record PlannedChange(bool IpsChange, int? PortsFrom, int? PortsTo, int? IdleFrom, int? IdleTo, IReadOnlyList<PublicIpModel> Ips, bool Repair = false)
{
    /// <summary>The new outbound source in words when it is not a list of public IPs (prefixes, a managed count).</summary>
    public string? SourceText { get; init; }

    /// <summary>A change to prefixes or managed IPs: <paramref name="sourceChanges"/> says whether the source differs from the cluster's.</summary>
    public static PlannedChange ForSource(ManagedClusterModel model, bool sourceChanges, string sourceText, int? ports, int? idle)
    {
        var basis = Of(model, Array.Empty<PublicIpModel>(), ports, idle);
        return basis with { IpsChange = sourceChanges, SourceText = sourceText };
    }

    /// <summary>A managed NAT gateway's IP count and idle timeout (natGatewayProfile), compared with the cluster's.</summary>
    public static PlannedChange ForManagedNatGateway(ManagedClusterModel model, int count, int? idle)
    {
        var idleNow = model.NatGatewayIdleTimeoutInMinutes;
        var failed = string.Equals(model.Info.ProvisioningState, "Failed", StringComparison.OrdinalIgnoreCase);
        return new PlannedChange((model.NatGatewayManagedOutboundIpCount ?? 1) != count, null, null, idleNow, idle is null || idle == (idleNow ?? DefaultNatIdle) ? null : idle,
            Array.Empty<PublicIpModel>(), failed)
        { SourceText = $"{count} AKS-managed NAT gateway outbound IP(s)", IdleDefault = DefaultNatIdle };
    }

    /// <summary>natGatewayProfile.idleTimeoutInMinutes when unset (AKS 2025-10-01); a load balancer's default is 30.</summary>
    private const int DefaultNatIdle = 4;

    /// <summary>The idle timeout a cluster has when none is set: 30 for a load balancer, 4 for a NAT gateway.</summary>
    public int IdleDefault { get; init; } = 30;

    public bool PortsChange => PortsTo is not null;
    public bool IdleChange => IdleTo is not null;
    /// <summary>Nothing to send: the wanted settings are there and the last update did not fail (a Failed cluster holds the desired
    /// spec of the failed update, not what runs; sending the same PUT again is how AKS repairs it).</summary>
    public bool IsEmpty => !IpsChange && !PortsChange && !IdleChange && !Repair;

    public static PlannedChange Of(ManagedClusterModel model, IReadOnlyList<PublicIpModel> ips, int? ports, int? idle)
    {
        var sameSet = model.OutboundIpIds.Count == ips.Count
                      && ips.All(ip => model.OutboundIpIds.Any(o => ResourceIdParser.SameId(PublicIpReader.NormaliseId(o), ip.Id)));
        var portsUnchanged = ports is null || ports == model.AllocatedOutboundPorts || (ports == 0 && model.AllocatedOutboundPorts is null);
        var idleUnchanged = idle is null || idle == model.IdleTimeoutInMinutes;
        var failed = string.Equals(model.Info.ProvisioningState, "Failed", StringComparison.OrdinalIgnoreCase);
        return new PlannedChange(!sameSet, model.AllocatedOutboundPorts, portsUnchanged ? null : ports, model.IdleTimeoutInMinutes, idleUnchanged ? null : idle, ips, failed);
    }

    public string Describe(string clusterName, IReadOnlyList<string> currentEgress)
    {
        var parts = new List<string>();
        if (IpsChange)
        {
            var list = SourceText ?? string.Join(", ", Ips.Select(i => $"{i.Name} ({i.IpAddress})"));
            var was = currentEgress.Count > 0 ? $" (now {string.Join(", ", currentEgress)})" : "";
            parts.Add($"replace the egress (outbound) IPs{was} with {list}: egress changes for every workload and existing outbound connections drop");
        }
        if (PortsChange)
            parts.Add($"set the SNAT ports per node (allocatedOutboundPorts) from {(PortsFrom is int f ? f == 0 ? "0 (automatic)" : f.ToString(CultureInfo.InvariantCulture) : "automatic")} to {(PortsTo == 0 ? "0 (automatic)" : PortsTo)}");
        if (IdleChange)
            parts.Add($"set the idle timeout of outbound connections from {(IdleFrom is int i ? $"{i}" : $"the default ({IdleDefault})")} to {IdleTo} minutes");
        if (!IpsChange && Repair)
            parts.Add($"send the outbound {SourceText ?? "IPs " + string.Join(", ", Ips.Select(i => $"{i.Name} ({i.IpAddress})"))} again to repair the cluster's failed last update (provisioningState Failed): egress may change and existing outbound connections may drop");
        else if (!IpsChange) parts.Add("the outbound IPs stay the same");
        var text = string.Join("; ", parts);
        return $"Change cluster {clusterName}: {char.ToLowerInvariant(text[0])}{text[1..]}";
    }
}
