namespace AksEgress.Engine;

/// <summary>
/// The operation context of the engine call running on this async flow. Set in one place, <see cref="AksEgressEngine"/>, when a
/// public engine method is entered; read by what cannot receive it as a parameter: the ARM pipeline's debug policy, the
/// Kubernetes debug handler and the Entra token provider of cached Kubernetes clients.
/// </summary>
internal static class Operation
{
    private static readonly AsyncLocal<IOperationContext?> Ambient = new();

    public static IOperationContext? Current => Ambient.Value;

    /// <summary>Runs one engine call with <paramref name="context"/> as the ambient context (restored when it returns).</summary>
    public static Task<T> RunAsync<T>(IOperationContext context, Func<Task<T>> call) => RunAsync(context, static () => { }, call);

    /// <summary>Validates the request (<see cref="RequestValidation"/>, before any request is sent), then runs the call.</summary>
    public static async Task<T> RunAsync<T>(IOperationContext context, Action validate, Func<Task<T>> call)
    {
        Ambient.Value = context;
        validate();
        return await call().ConfigureAwait(false);
    }

    /// <summary>Streams one engine call with <paramref name="context"/> as the ambient context of every page it fetches.</summary>
    public static async IAsyncEnumerable<T> StreamAsync<T>(IOperationContext context, Action validate, Func<IAsyncEnumerable<T>> call)
    {
        Ambient.Value = context;
        validate();
        var e = call().GetAsyncEnumerator();
        try
        {
            while (true)
            {
                // An iterator's context does not survive its yield: set it again before each step.
                Ambient.Value = context;
                if (!await e.MoveNextAsync().ConfigureAwait(false)) yield break;
                yield return e.Current;
            }
        }
        finally { await e.DisposeAsync().ConfigureAwait(false); }
    }
}
