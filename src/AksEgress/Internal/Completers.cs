using System.Collections;
using System.Management.Automation.Language;

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
            var request = new CompletionRequest(Kind)
            {
                ResourceGroupName = Bound(fakeBoundParameters, "ResourceGroupName"),
                KubeConfigPath = ResolvePath(Bound(fakeBoundParameters, "KubeConfigPath")),
                KubeContext = Bound(fakeBoundParameters, "KubeContext"),
                ClusterId = Bound(fakeBoundParameters, "ClusterId"),
            };
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var task = EngineHost.Engine.CompleteAsync(request, timeout.Token);
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

    private static string? Bound(IDictionary? parameters, string name)
    {
        var value = parameters is not null && parameters.Contains(name) ? parameters[name] : null;
        if (value is PSObject pso) value = pso.BaseObject;
        var text = value as string;
        return string.IsNullOrWhiteSpace(text) ? null : text.Trim('\'', '"');
    }

    /// <summary>A typed path (~, relative to the current PowerShell location) as a file system path; null when unknown.</summary>
    private static string? ResolvePath(string? path)
    {
        if (path is null) return null;
        try
        {
            if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
                path = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "");
            if (Path.IsPathRooted(path)) return path;
            var cwd = System.Management.Automation.Runspaces.Runspace.DefaultRunspace?.SessionStateProxy.Path.CurrentFileSystemLocation.ProviderPath;
            return Path.GetFullPath(Path.Combine(cwd ?? Environment.CurrentDirectory, path));
        }
        catch
        {
            return path;
        }
    }

    private static readonly System.Buffers.SearchValues<char> QuoteTriggers = System.Buffers.SearchValues.Create(" '\"$`();,");

    private static string Quote(string value) =>
        value.AsSpan().IndexOfAny(QuoteTriggers) >= 0 ? "'" + value.Replace("'", "''") + "'" : value;
}

public sealed class SubscriptionCompleter : EngineCompleter { internal override CompletionKind Kind => CompletionKind.Subscription; }
public sealed class ResourceGroupCompleter : EngineCompleter { internal override CompletionKind Kind => CompletionKind.ResourceGroup; }
public sealed class ClusterNameCompleter : EngineCompleter { internal override CompletionKind Kind => CompletionKind.Cluster; }
public sealed class KubeContextCompleter : EngineCompleter { internal override CompletionKind Kind => CompletionKind.KubeContext; }
public sealed class NamespaceCompleter : EngineCompleter { internal override CompletionKind Kind => CompletionKind.Namespace; }
