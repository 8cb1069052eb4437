using System.Reflection;
using System.Runtime.Loader;

namespace AksEgress.Internal;

/// <summary>
/// The private AssemblyLoadContext for AksEgress.Engine.dll and every third-party dependency (Azure.Core, Azure.Identity,
/// KubernetesClient, YamlDotNet, MSAL...), all from the module's dependencies/ folder. Another
/// module's Azure.Core (Az.Accounts, Microsoft.Graph) in the default context cannot clash with ours.
/// This cmdlet assembly resolves to the default context, so the engine contract types are shared. A framework assembly
/// (System.Text.Json...) resolves to the default context only when the running framework's copy is at least the version
/// requested; otherwise (PowerShell 7.4 on .NET 8, 7.5 on .NET 9) the newer copy in dependencies/ is loaded here.
/// The decision is <see cref="EngineLoadPolicy.Choose"/>.
/// </summary>
internal sealed class EngineLoadContext : AssemblyLoadContext
{
    private static readonly string FrameworkDirectory = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory();
    private static readonly Assembly ContractAssembly = typeof(IAksEgressEngine).Assembly;
    private readonly string _directory;

    public EngineLoadContext(string directory) : base("AksEgress.Dependencies", isCollectible: false) => _directory = directory;

    public string Directory => _directory;

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is null) return null;
        var privatePath = Path.Combine(_directory, assemblyName.Name + ".dll");
        var source = EngineLoadPolicy.Choose(assemblyName, ContractAssembly.GetName().Name!,
            VersionOf(Path.Combine(FrameworkDirectory, assemblyName.Name + ".dll")), VersionOf(privatePath));
        return source switch
        {
            DependencySource.Contract => ContractAssembly,
            DependencySource.Private => LoadFromAssemblyPath(privatePath),
            _ => null, // Framework / NotFound: the default context binds it
        };
    }

    /// <summary>The assembly version in a file's metadata (nothing is loaded), or null when there is no such managed file.</summary>
    private static Version? VersionOf(string path)
    {
        if (!File.Exists(path)) return null;
        try { return AssemblyName.GetAssemblyName(path).Version; }
        catch (BadImageFormatException) { return null; }
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        var path = Path.Combine(_directory, unmanagedDllName);
        return File.Exists(path) ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;
    }
}

/// <summary>Creates the one engine of this process on first use (not at Import-Module: import stays cheap).</summary>
internal static class EngineHost
{
    private const string EngineAssemblyName = "AksEgress.Engine";
    private const string EngineTypeName = "AksEgress.Engine.AksEgressEngine";
    private static readonly Lazy<IAksEgressEngine> Instance = new(Create, LazyThreadSafetyMode.ExecutionAndPublication);

    public static IAksEgressEngine Engine => Instance.Value;

    /// <summary>Only for diagnostics and tests: the context the engine lives in.</summary>
    public static AssemblyLoadContext? LoadContext { get; private set; }

    private static IAksEgressEngine Create()
    {
        var moduleDirectory = Path.GetDirectoryName(typeof(EngineHost).Assembly.Location)!;
        var dependencies = Path.Combine(moduleDirectory, "dependencies");
        Assembly engineAssembly;
        if (File.Exists(Path.Combine(dependencies, EngineAssemblyName + ".dll")))
        {
            var context = new EngineLoadContext(dependencies);
            LoadContext = context;
            engineAssembly = context.LoadFromAssemblyName(new AssemblyName(EngineAssemblyName));
        }
        else
        {
            // Development and unit tests: the engine sits next to this assembly (no isolation).
            engineAssembly = Assembly.Load(new AssemblyName(EngineAssemblyName));
            LoadContext = AssemblyLoadContext.GetLoadContext(engineAssembly);
        }
        var type = engineAssembly.GetType(EngineTypeName, throwOnError: true)!;
        return (IAksEgressEngine)Activator.CreateInstance(type)!;
    }
}
