namespace AksEgress.Contract;

/// <summary>A parsed ARM resource id of the shape /subscriptions/S/resourceGroups/G/providers/P/T/N.</summary>
public sealed record ParsedResourceId(string SubscriptionId, string ResourceGroupName, string Provider, string ResourceType, string Name)
{
    /// <summary>The id with canonical casing of the fixed segments (ARM returns /resourcegroups/ at times).</summary>
    public string Canonical => $"/subscriptions/{SubscriptionId}/resourceGroups/{ResourceGroupName}/providers/{Provider}/{ResourceType}/{Name}";
}

/// <summary>Parses ARM ids without any SDK, case-insensitively, so both the cmdlets and the engine can validate input early.</summary>
public static class ResourceIdParser
{
    public static ParsedResourceId Parse(string? id, string errorId)
    {
        if (TryParse(id, out var parsed)) return parsed!;
        throw new AksEgressException(errorId, EgressErrorCategory.InvalidArgument,
            $"'{id}' is not an Azure resource id of the form /subscriptions/<guid>/resourceGroups/<group>/providers/<namespace>/<type>/<name>.",
            id, "Pass the full ARM id (the Id or ClusterId property of an AksEgress or Az object).");
    }

    /// <summary>The one answer to "is this the id of a public IP": Microsoft.Network/publicIPAddresses, else InvalidResourceId.</summary>
    public static ParsedResourceId ParsePublicIpId(string? id)
    {
        if (TryParse(id, out var p) && p!.Provider.Equals("Microsoft.Network", StringComparison.OrdinalIgnoreCase)
            && p.ResourceType.Equals("publicIPAddresses", StringComparison.OrdinalIgnoreCase))
            return p;
        throw new AksEgressException(ErrorIds.InvalidResourceId, EgressErrorCategory.InvalidArgument,
            string.IsNullOrWhiteSpace(id) ? "The public IP id is empty."
                : $"'{id}' is not the id of a public IP (/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.Network/publicIPAddresses/<name>).",
            id, "Pass the Id of a public IP (New-AksEgressIp output, or Get-AzPublicIpAddress).");
    }

    public static ParsedResourceId ParsePublicIpPrefixId(string? id)
    {
        if (IsPublicIpPrefixId(id, out var p)) return p!;
        throw new AksEgressException(ErrorIds.InvalidResourceId, EgressErrorCategory.InvalidArgument,
            string.IsNullOrWhiteSpace(id) ? "The public IP prefix id is empty."
                : $"'{id}' is not the id of a public IP prefix (/subscriptions/<guid>/resourceGroups/<group>/providers/Microsoft.Network/publicIPPrefixes/<name>).",
            id, "Pass the Id of a public IP prefix (New-AksEgressIpPrefix output, or Get-AzPublicIpPrefix).");
    }

    /// <summary>True when <paramref name="id"/> names a Microsoft.Network/publicIPPrefixes resource.</summary>
    public static bool IsPublicIpPrefixId(string? id, out ParsedResourceId? parsed) =>
        TryParse(id, out parsed) && parsed!.Provider.Equals("Microsoft.Network", StringComparison.OrdinalIgnoreCase)
        && parsed.ResourceType.Equals("publicIPPrefixes", StringComparison.OrdinalIgnoreCase);

    public static bool TryParse(string? id, out ParsedResourceId? parsed)
    {
        parsed = null;
        if (string.IsNullOrWhiteSpace(id)) return false;
        var parts = id.Trim().Trim('/').Split('/');
        if (parts.Length != 8) return false;
        if (!parts[0].Equals("subscriptions", StringComparison.OrdinalIgnoreCase) ||
            !parts[2].Equals("resourceGroups", StringComparison.OrdinalIgnoreCase) ||
            !parts[4].Equals("providers", StringComparison.OrdinalIgnoreCase)) return false;
        if (!InputValidation.IsSubscriptionId(parts[1])) return false;
        if (!InputValidation.IsResourceGroupName(parts[3])) return false;
        if (parts[5].Length == 0 || parts[6].Length == 0 || parts[7].Length == 0) return false;
        parsed = new ParsedResourceId(parts[1].ToLowerInvariant(), parts[3], parts[5], parts[6], parts[7]);
        return true;
    }

    /// <summary>Case-insensitive ARM id comparison (ARM itself mixes /resourcegroups/ and /resourceGroups/).</summary>
    public static bool SameId(string? a, string? b) =>
        string.Equals(a?.Trim().TrimEnd('/'), b?.Trim().TrimEnd('/'), StringComparison.OrdinalIgnoreCase);
}
