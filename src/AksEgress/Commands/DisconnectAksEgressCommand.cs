namespace AksEgress.Commands;

/// <summary>Forgets the connection (and every cached credential) of this process.</summary>
[Cmdlet(VerbsCommunications.Disconnect, "AksEgress")]
[OutputType(typeof(void))]
public sealed class DisconnectAksEgressCommand : AksEgressCmdlet
{
    protected override void EndProcessing()
    {
        var connection = Engine.Connection;
        Engine.Disconnect();
        WriteVerbose(connection is null
            ? "No explicit connection; cleared the cached credentials, tokens and kubeconfigs. Cmdlets fall back to DefaultAzureCredential."
            : $"Disconnected ({connection.AuthenticationMethod}, {connection.ArmEndpoint}); cleared the cached credentials, tokens and kubeconfigs. Cmdlets fall back to DefaultAzureCredential.");
    }
}
