using System.Reflection;
using AksEgress.Internal;
using Xunit;

namespace AksEgress.Tests.Loading;

/// <summary>
/// Where the private load context takes each assembly from (EngineLoadPolicy.Choose). The cases are the real ones:
/// dependencies/ carries System.Text.Json 10.0.0.0 (Azure.Core 1.64 asks for it); PowerShell 7.4 runs on .NET 8, whose
/// framework has 8.0.0.0, 7.5 on .NET 9 (9.0.0.0), 7.6 on .NET 10 (10.0.0.0). The same decisions run for real on each
/// runtime in tests/runtimes (build.ps1 Test -Suite Runtimes).
/// </summary>
public class EngineLoadPolicyTests
{
    private static readonly Version V8 = new(8, 0, 0, 0), V9 = new(9, 0, 0, 0), V10 = new(10, 0, 0, 0), V11 = new(11, 0, 0, 0);

    private static AssemblyName Ask(string name, Version? version) => new(name) { Version = version };

    [Theory]
    [InlineData(8)] // PowerShell 7.4
    [InlineData(9)] // PowerShell 7.5
    public void An_older_framework_copy_is_passed_over_for_the_newer_private_copy(int frameworkMajor)
    {
        var framework = new Version(frameworkMajor, 0, 0, 0);
        Assert.Equal(DependencySource.Private, EngineLoadPolicy.Choose(Ask("System.Text.Json", V10), "AksEgress", framework, V10));
        Assert.Equal(DependencySource.Private, EngineLoadPolicy.Choose(Ask("System.Diagnostics.DiagnosticSource", V10), "AksEgress", framework, V10));
    }

    [Fact]
    public void A_framework_copy_at_least_as_new_as_requested_is_shared_with_the_default_context()
    {
        // PowerShell 7.6 (.NET 10): no second System.Text.Json.
        Assert.Equal(DependencySource.Framework, EngineLoadPolicy.Choose(Ask("System.Text.Json", V10), "AksEgress", V10, V10));
        // A newer framework than the package (a later PowerShell): still the framework's.
        Assert.Equal(DependencySource.Framework, EngineLoadPolicy.Choose(Ask("System.Text.Json", V10), "AksEgress", V11, V10));
        // A BCL assembly the engine was compiled against at 8.0 (System.Runtime, System.Net.Http...) on any runtime.
        Assert.Equal(DependencySource.Framework, EngineLoadPolicy.Choose(Ask("System.Runtime", V8), "AksEgress", V9, null));
        // No version in the request: the framework's.
        Assert.Equal(DependencySource.Framework, EngineLoadPolicy.Choose(Ask("System.Memory", null), "AksEgress", V8, V10));
    }

    [Fact]
    public void Third_party_assemblies_always_come_from_dependencies()
    {
        // Another module's Azure.Core 1.44 in the default context is never looked at: the framework has no Azure.Core.
        Assert.Equal(DependencySource.Private, EngineLoadPolicy.Choose(Ask("Azure.Core", new Version(1, 64, 0, 0)), "AksEgress", null, new Version(1, 64, 0, 0)));
        Assert.Equal(DependencySource.Private, EngineLoadPolicy.Choose(Ask("KubernetesClient", null), "AksEgress", null, new Version(21, 0, 0, 0)));
    }

    [Fact]
    public void The_cmdlet_assembly_is_the_one_contract_whatever_the_files_say()
    {
        Assert.Equal(DependencySource.Contract, EngineLoadPolicy.Choose(Ask("AksEgress", new Version(0, 1, 0, 0)), "AksEgress", null, new Version(0, 1, 0, 0)));
        Assert.Equal(DependencySource.Contract, EngineLoadPolicy.Choose(Ask("aksegress", null), "AksEgress", null, null));
        Assert.NotEqual(DependencySource.Contract, EngineLoadPolicy.Choose(Ask("AksEgress.Engine", null), "AksEgress", null, V10));
    }

    [Fact]
    public void When_nobody_has_the_version_requested_what_exists_is_offered_and_the_binder_reports_it()
    {
        // Framework 8.0 and no private copy (a broken dependencies/ folder): the default context names the missing 10.0.0.0.
        Assert.Equal(DependencySource.Framework, EngineLoadPolicy.Choose(Ask("System.Text.Json", V10), "AksEgress", V8, null));
        // Private copy older than requested and no framework copy.
        Assert.Equal(DependencySource.Private, EngineLoadPolicy.Choose(Ask("YamlDotNet", new Version(18, 0, 0, 0)), "AksEgress", null, new Version(16, 0, 0, 0)));
        // Both older: the framework, as before.
        Assert.Equal(DependencySource.Framework, EngineLoadPolicy.Choose(Ask("System.Text.Json", V11), "AksEgress", V9, V10));
        Assert.Equal(DependencySource.NotFound, EngineLoadPolicy.Choose(Ask("Nowhere", V10), "AksEgress", null, null));
    }
}
