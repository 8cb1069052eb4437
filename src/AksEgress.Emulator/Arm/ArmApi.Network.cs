using System.Diagnostics.CodeAnalysis;

namespace AksEgress.Emulator;

/// <summary>Network RP reads for the egress paths of issue 11: virtual networks and subnets, route tables, Azure Firewalls, public IP prefixes.</summary>
internal sealed partial class ArmApi
{
    /// <summary>
    /// Network RP's first checks of a PUT of a public IP or prefix, in its order: the resource group (404, answered by the
    /// gateway), the name (400 InvalidResourceName), AKS's node resource group lockdown (403 deny assignment) and the body (400
    /// InvalidRequestFormat). True with the answer in <paramref name="refusal"/> when one fails. Caller holds Sync.
    /// </summary>
    private bool NetworkPutRefused(string rg, string name, string resourceType, string scope, [NotNullWhen(false)] JsonObject? req,
        out (int Status, JsonObject? Error, bool Gateway) refusal)
    {
        refusal = !W.ResourceGroups.ContainsKey(rg) ? (404, RgNotFoundError(rg), true)
            : !PipName.IsMatch(name) ? (400, Err("InvalidResourceName", $"Resource name {name} is invalid. The name can be up to 80 characters long. It must begin with a word character, and it must end with a word character or with '_'. The name may contain word characters or '.', '-', '_'.", true), false)
            : LockedBy(rg) is { } locked ? (403, DenyAssignment(locked, $"Microsoft.Network/{resourceType}/write", scope), false)
            : req is null ? (400, InvalidRequestFormat(), false)
            : default;
        return refusal.Status != 0;
    }

    /// <summary>Network RP's 400 for a write whose body is not valid JSON (or has the wrong shape).</summary>
    private static JsonObject InvalidRequestFormat() => Err("InvalidRequestFormat", "Cannot parse the request.", true);

    /// <summary>Network RP's 412 for a write whose If-Match (<paramref name="sentEtag"/>) is not the resource's current etag.</summary>
    private static JsonObject NetworkPreconditionFailed(string sentEtag, string scope) =>
        Err("PreconditionFailed", $"Precondition failed: the If-Match value {sentEtag} does not match the current etag of {scope}.", true);

    /// <summary>Network RP's 429 for a write while <paramref name="operation"/> (<paramref name="operationId"/>) still updates the resource.</summary>
    private static JsonObject AnotherOperationError(string operation, string operationId, string scope, int retryAfterSeconds) =>
        Err("RetryableErrorDueToAnotherOperation", $"Operation {operation} ({operationId}) is updating resource {scope}. The call can be retried in {retryAfterSeconds} seconds.", true);

    /// <summary>GET of one Network RP resource held in <paramref name="table"/> (key rg/name).</summary>
    private async Task GetNetworkResource<T>(HttpContext ctx, string rg, string name, string type, Dictionary<string, T> table, Func<T, JsonObject> toJson) where T : class
    {
        JsonObject? body; bool rgOk;
        lock (W.Sync)
        {
            rgOk = W.ResourceGroups.ContainsKey(rg);
            body = table.GetValueOrDefault(EmulatorWorld.RgKey(rg, name)) is { } r ? toJson(r) : null;
        }
        if (!rgOk) { await RgNotFound(ctx, rg); return; }
        if (body is null) { await ResNotFound(ctx, type, name, rg); return; }
        await Write(ctx, 200, body);
    }

    private Task GetVnet(HttpContext ctx, string rg, string name) =>
        GetNetworkResource(ctx, rg, name, "Microsoft.Network/virtualNetworks", W.VirtualNetworks, v => v.ToJson(Sub, W.Location));

    private Task GetRouteTable(HttpContext ctx, string rg, string name) =>
        GetNetworkResource(ctx, rg, name, "Microsoft.Network/routeTables", W.RouteTables, t => t.ToJson(Sub, W.Location));

    private Task GetFirewall(HttpContext ctx, string rg, string name) =>
        GetNetworkResource(ctx, rg, name, "Microsoft.Network/azureFirewalls", W.Firewalls, f => f.ToJson(Sub, W.Location));

    private Task GetPrefix(HttpContext ctx, string rg, string name) =>
        GetNetworkResource(ctx, rg, name, "Microsoft.Network/publicIPPrefixes", W.PublicIpPrefixes, p => p.ToJson(Sub, W.Location));

    private async Task GetSubnet(HttpContext ctx, string rg, string vnet, string subnet)
    {
        JsonObject? body; bool rgOk, vnetOk;
        lock (W.Sync)
        {
            rgOk = W.ResourceGroups.ContainsKey(rg);
            var v = W.VirtualNetworks.GetValueOrDefault(EmulatorWorld.RgKey(rg, vnet));
            vnetOk = v is not null;
            var s = v?.Subnets.FirstOrDefault(x => x.Name.Equals(subnet, StringComparison.OrdinalIgnoreCase));
            body = s is null ? null : v!.SubnetJson(Sub, s);
        }
        if (!rgOk) { await RgNotFound(ctx, rg); return; }
        if (!vnetOk) { await ResNotFound(ctx, "Microsoft.Network/virtualNetworks", vnet, rg); return; }
        if (body is null) { await ResNotFound(ctx, "Microsoft.Network/virtualNetworks/subnets", $"{vnet}/{subnet}", rg); return; }
        await Write(ctx, 200, body);
    }

    /// <summary>AzureFirewalls_ListAll: every firewall of the subscription (one page).</summary>
    private async Task ListFirewalls(HttpContext ctx)
    {
        JsonArray arr;
        lock (W.Sync) arr = new JsonArray(W.Firewalls.Values.Select(f => (JsonNode)f.ToJson(Sub, W.Location)).ToArray());
        await Write(ctx, 200, new JsonObject { ["value"] = arr });
    }
}
