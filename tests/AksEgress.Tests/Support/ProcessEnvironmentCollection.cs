using Xunit;

namespace AksEgress.Tests;

/// <summary>Tests that set process environment variables (through <see cref="EnvironmentOverride"/>) run one at a time.</summary>
[CollectionDefinition("process-environment", DisableParallelization = true)]
public class ProcessEnvironmentCollection { }
