namespace AksEgress.Commands;

/// <summary>
/// Deletes an egress public IP for clean-up. Refuses (PublicIpInUse) an IP that is still a cluster's outbound IP, a
/// Service's address or attached elsewhere, unless -Force. ConfirmImpact High.
/// </summary>
[Cmdlet(VerbsCommon.Remove, "AksEgressIp", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = InputObjectSet)]
[OutputType(typeof(EgressIp), typeof(string))]
public sealed class RemoveAksEgressIpCommand : AksEgressCmdlet
{
    private const string ByIdSet = "ById";
    private const string InputObjectSet = "InputObject";

    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = InputObjectSet)]
    public EgressIp? InputObject { get; set; }

    /// <summary>ARM id(s) of the public IP (Id of New-AksEgressIp output, PublicIpId of Set-AksEgressService output).</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ByIdSet)]
    [Alias("Id")]
    public string[]? PublicIpId { get; set; }

    /// <summary>Delete even when the IP is still in use (Azure itself still refuses to delete an attached IP).</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Write the removed IP (the piped object, or its id) to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    [Parameter]
    [ValidateRange(1, 3600)]
    public int TimeoutSeconds { get; set; } = 300;

    protected override void ProcessRecord()
    {
        if (InputObject is not null)
            RemoveOne(InputObject.Id, InputObject);
        else
            foreach (var id in PublicIpId ?? Array.Empty<string>()) RemoveOne(id, id);
    }

    private void RemoveOne(string? id, object item)
    {
        try
        {
            var request = new RemoveEgressIpRequest { PublicIpId = id?.Trim() ?? "", Force = Force.IsPresent, TimeoutSeconds = TimeoutSeconds };
            var removed = Run(context => Engine.RemoveEgressIpAsync(request, context));
            if (removed && PassThru) WriteObject(item);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteFailure(e, id);
        }
    }
}
