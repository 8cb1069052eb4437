using AksEgress.Models;

namespace AksEgress.Tests;

/// <summary>Answers ShouldProcess and, the first <see cref="Times"/> times, lets another client change a resource at that moment
/// (between the engine's GET and its PUT), as a node pool scale, an add-on toggle or another NAT gateway edit would.</summary>
internal sealed class ChangeWhileConfirming(Action change) : IOperationContext
{
    public RecordingContext Inner { get; } = new();
    public int Times { get; init; } = 1;
    private int _n;
    public CancellationToken CancellationToken => Inner.CancellationToken;
    public void WriteVerbose(string message) => Inner.WriteVerbose(message);
    public void WriteDebug(string message) => Inner.WriteDebug(message);
    public void WriteWarning(string message) => Inner.WriteWarning(message);
    public void WriteProgress(ProgressUpdate update) => Inner.WriteProgress(update);
    public bool ShouldProcess(string target, string action) { if (_n++ < Times) change(); return Inner.ShouldProcess(target, action); }
}
