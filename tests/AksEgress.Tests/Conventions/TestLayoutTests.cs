using System.Text.RegularExpressions;
using Xunit;

namespace AksEgress.Tests.Conventions;

/// <summary>
/// Holds the test layout issue 13 asked for, so it cannot drift back unnoticed: in the three xunit projects every file holds at
/// most one test class (a class with [Fact] or [Theory] methods), named like its file, and no two test classes share a name
/// (a filter such as FullyQualifiedName~X, or a row of $MutationUnitTests in build.ps1, must mean one class).
/// </summary>
public partial class TestLayoutTests
{
    private static readonly string[] Projects = { "AksEgress.Tests", "AksEgress.Emulator.Tests", "AksEgress.Contracts.Tests" };

    [GeneratedRegex(@"^(?:public |internal )?(?:sealed |static |abstract )*(?:partial )?class (?<name>[A-Za-z0-9_]+)", RegexOptions.Multiline)]
    private static partial Regex ClassRegex();

    [GeneratedRegex(@"\[(?:Fact|Theory)\b")]
    private static partial Regex TestAttributeRegex();

    private static string TestsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "AksEgress.sln"))) return Path.Combine(dir.FullName, "tests");
        throw new InvalidOperationException($"No AksEgress.sln above {AppContext.BaseDirectory}.");
    }

    /// <summary>Test classes per source file (bin/ and obj/ left out).</summary>
    internal static IEnumerable<(string File, IReadOnlyList<string> TestClasses)> TestClassesPerFile(string testsDirectory)
    {
        foreach (var project in Projects)
        {
            var root = Path.Combine(testsDirectory, project);
            foreach (var file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(root, file);
                if (relative.StartsWith("bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal) ||
                    relative.StartsWith("obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue;
                yield return (Path.Combine(project, relative), TestClassesIn(File.ReadAllText(file)));
            }
        }
    }

    /// <summary>
    /// The top-level classes of a source text (declared at the start of a line: every test file uses a file-scoped namespace)
    /// whose body, up to the next such declaration, has a [Fact] or [Theory].
    /// </summary>
    /// <remarks>Indented text, such as the sample in <see cref="Reader_finds_each_test_class_of_a_file_and_skips_helpers"/>, is not a declaration.</remarks>
    internal static IReadOnlyList<string> TestClassesIn(string source)
    {
        var classes = ClassRegex().Matches(source);
        var result = new List<string>();
        for (var i = 0; i < classes.Count; i++)
        {
            var end = i + 1 < classes.Count ? classes[i + 1].Index : source.Length;
            if (TestAttributeRegex().IsMatch(source.AsSpan(classes[i].Index, end - classes[i].Index)))
                result.Add(classes[i].Groups["name"].Value);
        }
        return result;
    }

    [Fact]
    public void Reader_finds_each_test_class_of_a_file_and_skips_helpers()
    {
        var source = string.Join("\n",
            "namespace X;",
            "internal sealed class Helper { public int N; }",
            "public class FirstTests",
            "{",
            "    [Fact] public void A() { }",
            "    private sealed class Nested { }",
            "}",
            "[Collection(\"c\")]",
            "public sealed class SecondTests",
            "{",
            "    [Theory, InlineData(1)] public void B(int n) { }",
            "}");
        Assert.Equal(new[] { "FirstTests", "SecondTests" }, TestClassesIn(source));
    }

    [Fact]
    public void Every_file_holds_at_most_one_test_class_named_like_the_file()
    {
        var offenders = TestClassesPerFile(TestsDirectory())
            .Where(f => f.TestClasses.Count > 1 || (f.TestClasses.Count == 1 && f.TestClasses[0] != Path.GetFileNameWithoutExtension(f.File)))
            .Select(f => $"{f.File}: {string.Join(", ", f.TestClasses)}")
            .ToList();
        Assert.True(offenders.Count == 0, "One test class per file, named like the file:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void Test_class_names_are_unique_across_the_test_projects()
    {
        var files = TestClassesPerFile(TestsDirectory()).ToList();
        Assert.Contains(files, f => f.TestClasses.Contains(nameof(TestLayoutTests)));
        var duplicates = files.SelectMany(f => f.TestClasses.Select(c => (Class: c, f.File)))
            .GroupBy(x => x.Class)
            .Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(x => x.File))}")
            .ToList();
        Assert.True(duplicates.Count == 0, "Test class names used more than once:\n" + string.Join("\n", duplicates));
    }
}
