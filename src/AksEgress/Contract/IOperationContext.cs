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
