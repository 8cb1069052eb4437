using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Security;
using AksEgress.Contract;
using AksEgress.Internal;
using AksEgress.Models;

namespace AksEgress.Commands;

/// <summary>Sets how this PowerShell process reaches Azure Resource Manager.</summary>
[Cmdlet(VerbsCommunications.Connect, "AksEgress", DefaultParameterSetName = DefaultSet)]
[OutputType(typeof(AksEgressConnection))]
public sealed class ConnectAksEgressCommand : AksEgressCmdlet
{
    private const string DefaultSet = "Default";
    private const string IdentitySet = "Identity";
    private const string AccessTokenSet = "AccessToken";

    [Parameter(Position = 0)]
    [ArgumentCompleter(typeof(SubscriptionCompleter))]
    public string? SubscriptionId { get; set; }

    [Parameter]
    public string? TenantId { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = IdentitySet)]
    public SwitchParameter Identity { get; set; }

    [Parameter(ParameterSetName = IdentitySet)]
    public string? ClientId { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = AccessTokenSet)]
    public SecureString? AccessToken { get; set; }

    [Parameter]
    [ValidateSet("AzureCloud", "AzureChinaCloud", "AzureUSGovernment", IgnoreCase = true)]
    public string Environment { get; set; } = "AzureCloud";

    [Parameter]
    public Uri? ArmEndpoint { get; set; }

    [Parameter]
    public string? CaCertificatePath { get; set; }

    protected override void EndProcessing()
    {
        try
        {
            if (ArmEndpoint is not null && MyInvocation.BoundParameters.ContainsKey(nameof(Environment)))
                WriteWarning($"-ArmEndpoint {ArmEndpoint} wins over the ARM endpoint of -Environment {Environment}; the sign-in authority and the " +
                    $"token audience still come from {Environment}. Drop -Environment for a custom endpoint of the public cloud (Azure Stack Hub, an emulator).");
            string? caPath = CaCertificatePath is null ? null : GetUnresolvedProviderPathFromPSPath(CaCertificatePath);
            var request = new ConnectRequest
            {
                Environment = Environment,
                SubscriptionId = SubscriptionId,
                TenantId = TenantId,
                Identity = Identity.IsPresent,
                ClientId = ClientId,
                AccessToken = AccessToken is null ? null : Unprotect(AccessToken),
                ArmEndpoint = ArmEndpoint,
                CaCertificatePath = caPath,
            };
            var connection = Run(context => Engine.ConnectAsync(request, context));
            WriteObject(connection);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            ThrowFailure(e, SubscriptionId);
        }
    }

    private static string Unprotect(SecureString secure)
    {
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(secure);
        try { return Marshal.PtrToStringUni(pointer) ?? ""; }
        finally { Marshal.ZeroFreeGlobalAllocUnicode(pointer); }
    }
}
