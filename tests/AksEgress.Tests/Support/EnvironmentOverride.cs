using AksEgress.Emulator;

namespace AksEgress.Tests;

/// <summary>Sets process environment variables for one test and restores the previous values (tests in the non-parallel
/// "process-environment" collection only).</summary>
internal sealed class EnvironmentOverride : IDisposable
{
    private readonly List<(string Name, string? Saved)> _saved = new();

    public EnvironmentOverride(params (string Name, string? Value)[] variables)
    {
        foreach (var (name, value) in variables)
        {
            _saved.Add((name, Environment.GetEnvironmentVariable(name)));
            Environment.SetEnvironmentVariable(name, value);
        }
    }

    /// <summary>The App Service style managed identity of Azure Automation, pointing at the emulator.</summary>
    public static EnvironmentOverride ManagedIdentity(AksEmulator emu) =>
        new(("IDENTITY_ENDPOINT", emu.ManagedIdentityEndpoint.ToString()), ("IDENTITY_HEADER", emu.ManagedIdentityHeader));

    public void Dispose()
    {
        foreach (var (name, saved) in _saved) Environment.SetEnvironmentVariable(name, saved);
    }
}
