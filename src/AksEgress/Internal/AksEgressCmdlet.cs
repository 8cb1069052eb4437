using System.Collections.Concurrent;

namespace AksEgress.Internal;

/// <summary>
/// Base of every AksEgress cmdlet. Engine calls run on a worker thread; everything they write (objects, verbose, debug,
/// warnings, progress, ShouldProcess questions) is queued and executed here on the pipeline thread. StopProcessing
/// (Ctrl+C) cancels one token shared by every request and wait of this invocation; the engine cleans up, then the
/// pipeline stops.
/// </summary>
public abstract class AksEgressCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _stopping;

    internal static IAksEgressEngine Engine => EngineHost.Engine;

    protected override void StopProcessing()
    {
        _stopping = true;
        _stop.Cancel();
    }

    public void Dispose()
    {
        _stop.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// WriteWarning that survives -Debug in a non-interactive host: -Debug makes PowerShell ask (Inquire) after every warning,
    /// and without a host that can prompt (runbooks, -NonInteractive, ThreadJobs) that question throws after the warning was
    /// written, which would turn a warning into a failure. An interactive user still gets the question (and can halt).
    /// </summary>
    internal new void WriteWarning(string text)
    {
        try { base.WriteWarning(text); }
        catch (Exception e) when (e is PSInvalidOperationException or System.Management.Automation.Host.HostException) { }
    }

    /// <summary>Same as <see cref="WriteWarning"/>: -Debug without -Verbose makes PowerShell ask after every verbose line too.</summary>
    internal new void WriteVerbose(string text)
    {
        try { base.WriteVerbose(text); }
        catch (Exception e) when (e is PSInvalidOperationException or System.Management.Automation.Host.HostException) { }
    }

    /// <summary>Runs an engine call on a worker and pumps its output onto the pipeline thread until it ends.</summary>
    internal T Run<T>(Func<IOperationContext, Task<T>> operation)
    {
        var queue = new BlockingCollection<Action>();
        var context = new PipelineContext(this, queue);
        try
        {
            var task = Task.Run(() => operation(context), _stop.Token);
            task.ContinueWith(_ => queue.CompleteAdding(), TaskScheduler.Default);
            Pump(queue);
            if (_stopping) throw new PipelineStoppedException();
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (_stopping)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>
    /// Runs a streaming engine call; each item is written to the pipeline as soon as it arrives. Backpressure: at most
    /// <see cref="StreamAhead"/> items wait for the pipeline, so a slow downstream command slows the paging instead of the
    /// whole list being fetched and buffered, and a stopped pipeline (Select-Object -First) fetches no further page.
    /// </summary>
    internal void RunStream<T>(Func<IOperationContext, IAsyncEnumerable<T>> operation)
    {
        Run<bool>(async context =>
        {
            var slots = new SemaphoreSlim(StreamAhead, StreamAhead);   // not disposed: a posted write may release it after the loop ends
            await foreach (var item in operation(context).WithCancellation(context.CancellationToken).ConfigureAwait(false))
            {
                await slots.WaitAsync(context.CancellationToken).ConfigureAwait(false);
                var captured = item;
                ((PipelineContext)context).Post(() =>
                {
                    try { WriteObject(captured); }
                    finally { slots.Release(); }
                });
            }
            return true;
        });
    }

    /// <summary>
    /// The body of a cmdlet's ProcessRecord: <paramref name="build"/> makes the request (bad input throws before any request),
    /// <paramref name="call"/> runs it on the engine, and the result is written unless null (ShouldProcess declined). Any
    /// failure becomes a non-terminating error about <paramref name="target"/>.
    /// </summary>
    internal void RunAndWrite<TRequest, T>(object? target, Func<TRequest> build, Func<TRequest, IOperationContext, Task<T>> call) =>
        RunRecord(target, build, call, write: true);

    /// <summary>As <see cref="RunAndWrite{TRequest, T}"/> for a call whose result is not output (a Remove that writes nothing).</summary>
    internal void RunQuiet<TRequest, T>(object? target, Func<TRequest> build, Func<TRequest, IOperationContext, Task<T>> call) =>
        RunRecord(target, build, call, write: false);

    private void RunRecord<TRequest, T>(object? target, Func<TRequest> build, Func<TRequest, IOperationContext, Task<T>> call, bool write)
    {
        try
        {
            var request = build();
            var result = Run(context => call(request, context));
            if (write && result is not null) WriteObject(result);
        }
        catch (Exception e) when (e is not PipelineStoppedException)
        {
            WriteFailure(e, target);
        }
    }

    /// <summary>Items a streaming call may produce ahead of the pipeline (well under an ARM page of 100).</summary>
    internal const int StreamAhead = 8;

    private void Pump(BlockingCollection<Action> queue)
    {
        foreach (var action in queue.GetConsumingEnumerable())
        {
            try
            {
                action();
            }
            catch (PipelineStoppedException)
            {
                _stopping = true;
                _stop.Cancel();
            }
        }
    }

    /// <summary>Writes a non-terminating error for an engine failure, or rethrows what must stop the pipeline.</summary>
    internal void WriteFailure(Exception exception, object? target)
    {
        switch (exception)
        {
            case PipelineStoppedException:
                throw exception;
            case OperationCanceledException when _stopping:
                throw new PipelineStoppedException();
            case AggregateException { InnerExceptions.Count: 1 } aggregate:
                WriteFailure(aggregate.InnerException!, target);
                return;
            default:
                WriteError(ToErrorRecord(exception, target));
                return;
        }
    }

    internal static ErrorRecord ToErrorRecord(Exception exception, object? target)
    {
        if (exception is AksEgressException egress)
        {
            var record = new ErrorRecord(egress, egress.ErrorId, ToCategory(egress.Category), egress.TargetObject ?? target);
            if (egress.RecommendedAction is not null)
                record.ErrorDetails = new ErrorDetails(egress.Message) { RecommendedAction = egress.RecommendedAction };
            return record;
        }
        if (exception is OperationCanceledException)
            return new ErrorRecord(exception, ErrorIds.OperationCanceled, ErrorCategory.OperationStopped, target);
        var message = Redaction.Text(exception.Message);
        return new ErrorRecord(new InvalidOperationException(message, exception), ErrorIds.UnexpectedError, ErrorCategory.NotSpecified, target)
        {
            ErrorDetails = new ErrorDetails(message) { RecommendedAction = "Run again with -Debug for details, and report the error if it persists." },
        };
    }

    /// <summary>The PowerShell ErrorCategory of the same NAME (never by number: the two enums were once numbered differently).</summary>
    internal static ErrorCategory ToCategory(EgressErrorCategory category) =>
        Enum.TryParse<ErrorCategory>(category.ToString(), ignoreCase: false, out var mapped) ? mapped : ErrorCategory.NotSpecified;

    /// <summary>The error for a confirmation prompt that this host cannot show (pwsh -NonInteractive, runbooks, jobs).</summary>
    internal static AksEgressException NonInteractiveConfirmation(string? command, string target, string action, Exception inner) =>
        new(ErrorIds.NonInteractiveConfirmation, EgressErrorCategory.InvalidOperation,
            $"{command ?? "The cmdlet"} must ask for confirmation before it does '{action}' on '{target}', but this PowerShell host is non-interactive " +
            "(pwsh -NonInteractive, a runbook or a job) and cannot show the prompt: nothing was changed.",
            target, "Review the change (run with -WhatIf), then pass -Confirm:$false (no one can answer a prompt here).", inner);

    /// <summary>Throws a terminating error for bad invocation (before any request).</summary>
    internal void ThrowFailure(Exception exception, object? target) => ThrowTerminatingError(ToErrorRecord(exception, target));

    private sealed class PipelineContext : IOperationContext
    {
        private readonly AksEgressCmdlet _cmdlet;
        private readonly BlockingCollection<Action> _queue;

        public PipelineContext(AksEgressCmdlet cmdlet, BlockingCollection<Action> queue)
        {
            _cmdlet = cmdlet;
            _queue = queue;
        }

        public CancellationToken CancellationToken => _cmdlet._stop.Token;

        public bool Post(Action action)
        {
            try { _queue.Add(action); return true; }
            catch (InvalidOperationException) { return false; /* the call already ended */ }
        }

        /// <summary>Runs <paramref name="call"/> on the pipeline thread and waits for its answer (or its exception).</summary>
        private T OnPipeline<T>(Func<T> call)
        {
            var answer = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!Post(() =>
                {
                    try { answer.TrySetResult(call()); }
                    catch (Exception e) { answer.TrySetException(e); }
                }))
                throw new OperationCanceledException("The cmdlet call has ended.");
            try { answer.Task.Wait(CancellationToken); }
            catch (AggregateException) { /* rethrown unwrapped below */ }
            return answer.Task.GetAwaiter().GetResult();
        }

        public AzContextInfo? GetAzContext() => OnPipeline(AzPowerShell.GetContext);

        public AzAccessToken GetAzAccessToken(string resourceUrl) => OnPipeline(() => AzPowerShell.GetAccessToken(resourceUrl));

        public void WriteVerbose(string message) => Post(() => _cmdlet.WriteVerbose(message));
        public void WriteDebug(string message) => Post(() => _cmdlet.WriteDebug(Redaction.Text(message)));
        public void WriteWarning(string message) => Post(() => _cmdlet.WriteWarning(message));

        public void WriteProgress(ProgressUpdate update) => Post(() =>
        {
            var record = new ProgressRecord(update.ActivityId, update.Activity, string.IsNullOrEmpty(update.Status) ? "..." : update.Status)
            {
                PercentComplete = update.PercentComplete,
                RecordType = update.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
            };
            _cmdlet.WriteProgress(record);
        });

        public bool ShouldProcess(string target, string action)
        {
            if (_cmdlet._stopping) return false;
            var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            Post(() =>
            {
                try { answer.TrySetResult(!_cmdlet._stopping && _cmdlet.ShouldProcess(target, action)); }
                catch (Exception e) when (e is PSInvalidOperationException or System.Management.Automation.Host.HostException)
                {
                    // -Confirm (or ConfirmImpact High) in a host that cannot prompt: say so, not "unexpected error".
                    var failure = NonInteractiveConfirmation(_cmdlet.MyInvocation.MyCommand?.Name, target, action, e);
                    answer.TrySetException(failure);
                    throw failure;
                }
                catch (Exception e) { answer.TrySetException(e); throw; }
            });
            try
            {
                answer.Task.Wait(CancellationToken);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
            return answer.Task.IsCompletedSuccessfully && answer.Task.Result;
        }
    }
}
