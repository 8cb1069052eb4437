namespace AksEgress.Models;

/// <summary>How completely Get-AksEgressConfiguration resolved the addresses a partner must allowlist.</summary>
public enum EgressResolution
{
    /// <summary>AllowList is everything egress can use (it may be empty: no egress at all, e.g. outboundType block).</summary>
    Exact = 0,
    /// <summary>AllowList is what could be read; ResolutionNote says what is missing (an unreadable resource, per-node IPs that change).</summary>
    Partial,
    /// <summary>Azure does not say which public address egress uses (an appliance that is not an Azure Firewall, on-premises); ResolutionNote says why.</summary>
    Unresolvable,
}
