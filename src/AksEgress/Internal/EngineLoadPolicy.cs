using System.Reflection;

namespace AksEgress.Internal;

/// <summary>Where <see cref="EngineLoadContext"/> takes an assembly from.</summary>
internal enum DependencySource
{
    /// <summary>This cmdlet assembly (the engine contract), already in the default context: one set of contract types.</summary>
    Contract,
    /// <summary>The running framework's copy, through the default context (no second copy of the BCL).</summary>
    Framework,
    /// <summary>The module's own copy in dependencies/, loaded into the private context.</summary>
    Private,
    /// <summary>Neither has it: the default context gets the request (and reports it if it cannot bind it either).</summary>
    NotFound,
}

/// <summary>
/// The load decision of the private context, as a pure function. The framework's copy is taken only when its version is
/// at least the one requested: dependencies/ is published for .NET 10 package versions (Azure.Core 1.64 references
/// System.Text.Json 10.0.0.0), while PowerShell 7.4 runs on .NET 8 and 7.5 on .NET 9, whose System.Text.Json is 8.0.0.0 /
/// 9.0.0.0. Handing those to the default context failed with FileNotFoundException 'System.Text.Json, Version=10.0.0.0'.
/// </summary>
internal static class EngineLoadPolicy
{
    /// <param name="requested">What the engine or an SDK asked for.</param>
    /// <param name="contractAssemblyName">The simple name of this cmdlet assembly ("AksEgress").</param>
    /// <param name="frameworkVersion">Version of the running framework's copy, or null when the framework has none.</param>
    /// <param name="privateVersion">Version of the copy in dependencies/, or null when there is none.</param>
    public static DependencySource Choose(AssemblyName requested, string contractAssemblyName, Version? frameworkVersion, Version? privateVersion)
    {
        if (string.Equals(requested.Name, contractAssemblyName, StringComparison.OrdinalIgnoreCase)) return DependencySource.Contract;
        var wanted = requested.Version ?? new Version(0, 0);
        if (frameworkVersion is not null && frameworkVersion >= wanted) return DependencySource.Framework;
        if (privateVersion is not null && privateVersion >= wanted) return DependencySource.Private;
        // Nobody has the version asked for (a damaged dependencies/ folder): hand over what exists, the framework's first as
        // before, so the binder's error names the assembly and the version that is missing.
        if (frameworkVersion is not null) return DependencySource.Framework;
        return privateVersion is not null ? DependencySource.Private : DependencySource.NotFound;
    }
}
