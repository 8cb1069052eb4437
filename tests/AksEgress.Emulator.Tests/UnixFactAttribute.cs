using Xunit;

namespace AksEgress.Emulator.Tests;

/// <summary>A fact that needs a Unix signal (SIGTERM): reported as skipped on Windows instead of passing without having run.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows()) Skip = "needs SIGTERM (Unix only)";
    }
}
