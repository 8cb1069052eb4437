namespace AksEgress.Contract;

/// <summary>
/// What one cmdlet call gives the engine: cancellation, the PowerShell streams and ShouldProcess. Every member may be
/// called from any thread: the cmdlet marshals each call to the pipeline thread (nothing calls Write* off it).
/// </summary>
public interface IOperationContext
{
    CancellationToken CancellationToken { get; }
    void WriteVerbose(string message);
    /// <summary>Debug stream. Callers must pass text that is already redacted (see <see cref="Redaction"/>).</summary>
    void WriteDebug(string message);
    void WriteWarning(string message);
    /// <summary>Progress of a wait or long-running operation. PercentComplete -1 means unknown; Completed ends the bar.</summary>
    void WriteProgress(ProgressUpdate update);
    /// <summary>Asks ShouldProcess on the pipeline thread and blocks until it answers. False means: do not change anything.</summary>
    bool ShouldProcess(string target, string action);

    /// <summary>
    /// The Az PowerShell context of the runspace that runs this call (Get-AzContext, run on its pipeline thread), or null when
    /// Az.Accounts is not loaded there or has no context. Never throws for "no Az".
    /// </summary>
    AzContextInfo? GetAzContext() => null;

    /// <summary>
    /// An access token for <paramref name="resourceUrl"/> from Az PowerShell (Get-AzAccessToken -ResourceUrl, SecureString form),
    /// run on the pipeline thread of the runspace that runs this call. Throws <see cref="AksEgressException"/>
    /// (AuthenticationFailed) when Az cannot give one.
    /// </summary>
    AzAccessToken GetAzAccessToken(string resourceUrl) =>
        throw new AksEgressException(ErrorIds.AuthenticationFailed, EgressErrorCategory.AuthenticationError,
            "This call cannot ask Az PowerShell for a token (it does not run in a PowerShell pipeline).", resourceUrl,
            "Run the AksEgress cmdlet from PowerShell, or connect with Connect-AksEgress -Identity or -AccessToken.");
}

public sealed record ProgressUpdate(int ActivityId, string Activity, string Status, int PercentComplete = -1, bool Completed = false);

/// <summary>An operation context that writes nowhere and approves every change (engine unit tests).</summary>
public sealed class NullOperationContext : IOperationContext
{
    public NullOperationContext(CancellationToken cancellationToken = default) => CancellationToken = cancellationToken;
    public CancellationToken CancellationToken { get; }
    public void WriteVerbose(string message) { }
    public void WriteDebug(string message) { }
    public void WriteWarning(string message) { }
    public void WriteProgress(ProgressUpdate update) { }
    public bool ShouldProcess(string target, string action) => true;
}
