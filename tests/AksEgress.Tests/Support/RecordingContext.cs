using System.Collections.Concurrent;
using AksEgress.Engine;
using AksEgress.Models;

namespace AksEgress.Tests;

/// <summary>The one operation context of the engine tests: records everything the engine writes and answers ShouldProcess
/// with <see cref="Approve"/>.</summary>
public sealed class RecordingContext : IOperationContext
{
    public RecordingContext(bool approve = true, CancellationToken token = default) { CancellationToken = token; Approve = approve; }
    public CancellationToken CancellationToken { get; }
    public bool Approve { get; set; }
    public ConcurrentQueue<string> Verbose { get; } = new();
    public ConcurrentQueue<string> Debug { get; } = new();
    public ConcurrentQueue<string> Warnings { get; } = new();
    public ConcurrentQueue<ProgressUpdate> Progress { get; } = new();
    public ConcurrentQueue<(string Target, string Action)> ShouldProcessCalls { get; } = new();
    public void WriteVerbose(string message) => Verbose.Enqueue(message);
    public void WriteDebug(string message) => Debug.Enqueue(message);
    public void WriteWarning(string message) => Warnings.Enqueue(message);
    public void WriteProgress(ProgressUpdate update) => Progress.Enqueue(update);
    public bool ShouldProcess(string target, string action) { ShouldProcessCalls.Enqueue((target, action)); return Approve; }
}
