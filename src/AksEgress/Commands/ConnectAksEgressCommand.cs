using System.Runtime.InteropServices;
using System.Security;

namespace AksEgress.Commands;

/// <summary>Sets how this PowerShell process reaches Azure Resource Manager.</summary>
[Cmdlet(VerbsCommunications.Connect, "AksEgress", DefaultParameterSetName = DefaultSet)]
[OutputType(typeof(AksEgressConnection))]
public sealed class ConnectAksEgressCommand : AksEgressCmdlet
{
    private const string DefaultSet = "Default";
    private const string IdentitySet = "Identity";
    private const string AccessTokenSet = "AccessToken";
    private const string AzContextSet = "AzContext";

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

    /// <summary>Follow the Az PowerShell context: its subscription, tenant and cloud; ARM tokens from Get-AzAccessToken.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AzContextSet)]
    public SwitchParameter AzContext { get; set; }

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
            if (AzContext.IsPresent && MyInvocation.BoundParameters.ContainsKey(nameof(Environment)))
                throw InputValidation.Invalid(ErrorIds.ConflictingParameters, Environment,
                    "-AzContext takes the cloud from the Az context (Get-AzContext); -Environment cannot be combined with it.",
                    "Drop -Environment (select the cloud with Connect-AzAccount -Environment), or drop -AzContext.");
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
                AzContext = AzContext.IsPresent,
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
