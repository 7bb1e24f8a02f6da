using System.Text.RegularExpressions;

namespace PayoutVault.UnitTests.Architecture;

/// <summary>The repository's source files, found from the test's output folder up to the solution file.</summary>
internal static partial class SourceTree
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "PayoutVault.sln"))) return dir.FullName;
        throw new InvalidOperationException("PayoutVault.sln not found above " + AppContext.BaseDirectory);
    }

    public static string ProjectDirectory(string project) => Path.Combine(Root, "src", project);

    /// <summary>The project's C# files, without build output.</summary>
    public static IEnumerable<string> CSharpFiles(string project) =>
        Directory.EnumerateFiles(ProjectDirectory(project), "*.cs", SearchOption.AllDirectories)
            .Where(f => !IsBuildOutput(Path.GetRelativePath(ProjectDirectory(project), f)));

    private static bool IsBuildOutput(string relative)
    {
        var first = relative.Split(Path.DirectorySeparatorChar)[0];
        return first is "bin" or "obj";
    }

    /// <summary>The namespaces a file names in using directives (global ones included).</summary>
    public static IEnumerable<string> Usings(string file) =>
        UsingDirective().Matches(File.ReadAllText(file)).Select(m => m.Groups["ns"].Value);

    [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?(?<ns>[A-Za-z_][\w.]*)\s*;", RegexOptions.Multiline)]
    private static partial Regex UsingDirective();
}
