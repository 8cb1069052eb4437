namespace AksEgress.Engine.PublicIps;

/// <summary>Reads public IPs over a session (stateless: used by the public IP, outbound IP and egress configuration services).</summary>
internal static class PublicIpReader
{
    public static async Task<PublicIpModel?> GetAsync(ArmSession s, string id, IOperationContext context, ErrorScope? scope = null)
    {
        var p = ResourceIdParser.Parse(id, ErrorIds.InvalidResourceId);
        context.WriteVerbose($"GET public IP {p.ResourceGroupName}/{p.Name}");
        var r = await ArmRest.SendCheckedAsync(s, RequestMethod.Get, ArmRest.Url(s, p.Canonical, ApiVersions.Network), null, context,
            scope ?? new ErrorScope(ArmTargetKind.PublicIp, p.Canonical) { ResourceGroupName = p.ResourceGroupName }, allow404: true).ConfigureAwait(false);
        return r?.Json is { } json ? PublicIpModel.Parse(json) : null;
    }

    /// <summary>
    /// GETs public IPs in parallel (at most 4 at a time); unreadable ones keep a null address and produce a warning. IPs already
    /// read by this call (<paramref name="known"/>) are not fetched again: a static IP's address does not change when it is attached.
    /// </summary>
    public static async Task<EgressIpReference[]> ResolveAsync(ArmSession s, IReadOnlyList<string> ids, IOperationContext context,
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
                             ?? await GetAsync(s, id, context).ConfigureAwait(false);
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

    public static string NormaliseId(string id) => ResourceIdParser.TryParse(id, out var p) ? p!.Canonical : id;
}
