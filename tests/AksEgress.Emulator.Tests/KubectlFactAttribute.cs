using Xunit;

namespace AksEgress.Emulator.Tests;

/// <summary>A fact that needs kubectl: it looks for kubectl on PATH and, when there is none, is reported as skipped (with
/// the reason) instead of passing without having run.</summary>
public sealed class KubectlFactAttribute : FactAttribute
{
    public KubectlFactAttribute()
    {
        if (KubectlPath is null) Skip = "kubectl was not found on PATH";
    }

    /// <summary>The kubectl found on PATH, or null.</summary>
    public static string? KubectlPath { get; } = Find();

    private static string? Find()
    {
        var names = OperatingSystem.IsWindows() ? new[] { "kubectl.exe" } : new[] { "kubectl" };
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            foreach (var name in names)
            {
                var candidate = Path.Combine(dir.Trim('"'), name);
                if (File.Exists(candidate)) return candidate;
            }
        return null;
    }
}
