using System.Text.RegularExpressions;

namespace AksEgress.Emulator;

/// <summary>
/// The two Compute-path reads behind node public IPs without a prefix (issue 11): the scale sets of a node resource group
/// (Compute VirtualMachineScaleSets_List, one per node pool, tagged aks-managed-poolName as AKS tags them) and a scale set's
/// instance public IPs (Network RP PublicIPAddresses_ListVirtualMachineScaleSetPublicIPAddresses, vmssPublicIpAddress.json,
/// whose api-version the spec pins to 2017-03-30). The addresses are the ones the emulated kubelet egresses from.
/// </summary>
internal sealed partial class ArmApi
{
    /// <summary>Compute api-versions the emulator answers for virtualMachineScaleSets (not in the contract spec set: see docs/contracts.md).</summary>
    internal static readonly string[] ComputeVmssApiVersions = ["2024-07-01"];
    /// <summary>The only api-version vmssPublicIpAddress.json defines (network.json ApiVersionVmssParameter).</summary>
    internal const string VmssPublicIpApiVersion = "2017-03-30";

    private static readonly Regex VmssPath = new(
        @"^/subscriptions/[^/]+/resourceGroups/(?<rg>[^/]+)/providers/Microsoft\.Compute/virtualMachineScaleSets(/(?<vmss>[^/]+)(?<pips>/publicipaddresses)?)?$", Ro);

    /// <summary>Handles the two Compute-path lists; false for any other path.</summary>
    private async Task<bool> ComputeVmss(HttpContext ctx, string method, string path)
    {
        var m = VmssPath.Match(path);
        if (!m.Success || (m.Groups["vmss"].Success && !m.Groups["pips"].Success)) return false;
        var pips = m.Groups["pips"].Success;
        var versions = pips ? new[] { VmssPublicIpApiVersion } : ComputeVmssApiVersions;
        if (await RefuseApiVersion(ctx, "virtualMachineScaleSets", versions, W.Location)) return true;
        if (method != "GET") { await MethodNotAllowed(ctx); return true; }
        var rg = m.Groups["rg"].Value;
        JsonArray? value;
        lock (W.Sync)
        {
            if (!W.ResourceGroups.ContainsKey(rg)) value = null;
            else
            {
                var sets = W.ScaleSetsLocked(rg);
                if (!pips) value = new JsonArray(sets.Select(v => (JsonNode)v.Json).ToArray());
                else
                {
                    var set = sets.FirstOrDefault(v => v.Name.Equals(m.Groups["vmss"].Value, StringComparison.OrdinalIgnoreCase));
                    value = set is null ? null : new JsonArray(W.ScaleSetPublicIpsLocked(set).ToArray());
                }
            }
        }
        if (value is null)
        {
            bool rgOk; lock (W.Sync) rgOk = W.ResourceGroups.ContainsKey(rg);
            if (!rgOk) await RgNotFound(ctx, rg);
            else await ResNotFound(ctx, "Microsoft.Compute/virtualMachineScaleSets", m.Groups["vmss"].Value, rg);
            return true;
        }
        await Write(ctx, 200, new JsonObject { ["value"] = value });
        return true;
    }
}
