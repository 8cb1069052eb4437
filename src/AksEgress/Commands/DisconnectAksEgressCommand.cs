using System.Management.Automation;
using AksEgress.Internal;

namespace AksEgress.Commands;

/// <summary>Forgets the connection (and every cached credential) of this process.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "AksEgress")]
[OutputType(typeof(void))]
public sealed class DisconnectAksEgressCommand : AksEgressCmdlet
{
    protected override void EndProcessing() => Engine.Disconnect();
}
