using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using AksEgress.Engine;

namespace AksEgress.Internal;

/// <summary>Shared completion: asks the engine (cached there), never throws, gives up after two seconds.</summary>
public abstract class EngineCompleter : IArgumentCompleter
{
    internal abstract CompletionKind Kind { get; }

    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
        CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        try
        {
            var resourceGroup = fakeBoundParameters?["ResourceGroupName"] as string;
            var kubeConfig = fakeBoundParameters?["KubeConfigPath"] as string;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var task = EngineHost.Engine.CompleteAsync(Kind, resourceGroup, kubeConfig, timeout.Token);
            if (!task.Wait(TimeSpan.FromSeconds(2))) return Array.Empty<CompletionResult>();
            var prefix = (wordToComplete ?? "").Trim('\'', '"');
            return task.Result
                .Where(v => v.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                .Select(v => new CompletionResult(Quote(v), v, CompletionResultType.ParameterValue, v))
                .ToArray();
        }
        catch
        {
            return Array.Empty<CompletionResult>();
        }
    }

    private static string Quote(string value) =>
        value.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', '(', ')', ';', ',' }) >= 0 ? "'" + value.Replace("'", "''") + "'" : value;
}

public sealed class SubscriptionCompleter : EngineCompleter { internal override CompletionKind Kind => CompletionKind.Subscription; }
public sealed class ResourceGroupCompleter : EngineCompleter { internal override CompletionKind Kind => CompletionKind.ResourceGroup; }
public sealed class ClusterNameCompleter : EngineCompleter { internal override CompletionKind Kind => CompletionKind.Cluster; }
public sealed class KubeContextCompleter : EngineCompleter { internal override CompletionKind Kind => CompletionKind.KubeContext; }
public sealed class NamespaceCompleter : EngineCompleter { internal override CompletionKind Kind => CompletionKind.Namespace; }
