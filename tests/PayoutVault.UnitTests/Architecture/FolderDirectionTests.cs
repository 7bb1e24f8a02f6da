using System.Text.RegularExpressions;

namespace PayoutVault.UnitTests.Architecture;

/// <summary>
/// Folder direction inside each project: a folder is a namespace (PayoutVault.Core.Payouts ...), and the graph of
/// folders naming each other's namespaces (using directives or fully qualified names) has no cycle. A cycle makes two
/// concerns one in all but name; the test names it so the type that closes it can move to where it belongs.
/// </summary>
public sealed partial class FolderDirectionTests
{
    [Theory]
    [InlineData("PayoutVault.Core")]
    [InlineData("PayoutVault.Server")]
    public void Folders_depend_on_each_other_one_way(string project)
    {
        var graph = FolderGraph(project);
        var cycles = Cycles(graph).Select(c => string.Join(" -> ", c.Append(c[0]))).ToList();
        Assert.True(cycles.Count == 0, $"{project}: folder cycles: {string.Join("; ", cycles)}");
    }

    [Theory]
    [InlineData("PayoutVault.Core")]
    [InlineData("PayoutVault.Server")]
    public void Every_file_declares_the_namespace_of_its_folder(string project)
    {
        var root = SourceTree.ProjectDirectory(project);
        var offending = new List<string>();
        foreach (var file in SourceTree.CSharpFiles(project))
        {
            var folder = FolderOf(root, file);
            if (folder is null) continue; // Program.cs and other files at the project's root
            var declared = NamespaceDeclaration().Match(File.ReadAllText(file)).Groups["ns"].Value;
            if (declared != $"{project}.{folder}" && !declared.StartsWith($"{project}.{folder}.", StringComparison.Ordinal))
                offending.Add($"{Path.GetRelativePath(root, file)}: namespace {declared}");
        }
        Assert.Empty(offending);
    }

    [Fact]
    public void The_cycle_finder_names_a_cycle()
    {
        var graph = new Dictionary<string, HashSet<string>>
        {
            ["Payouts"] = ["Streaming", "Storage"], ["Streaming"] = ["Payouts"], ["Storage"] = [],
        };
        var cycle = Assert.Single(Cycles(graph));
        Assert.Equal(["Payouts", "Streaming"], cycle.Order(StringComparer.Ordinal));
    }

    /// <summary>Folder -> the other folders of the same project whose namespace its files name.</summary>
    private static Dictionary<string, HashSet<string>> FolderGraph(string project)
    {
        var root = SourceTree.ProjectDirectory(project);
        var folders = Directory.EnumerateDirectories(root).Select(Path.GetFileName).OfType<string>()
            .Where(f => f is not ("bin" or "obj")).ToHashSet(StringComparer.Ordinal);
        var graph = folders.ToDictionary(f => f, _ => new HashSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        var reference = new Regex(@"\b" + Regex.Escape(project) + @"\.(?<folder>\w+)");
        foreach (var file in SourceTree.CSharpFiles(project))
        {
            var from = FolderOf(root, file);
            if (from is null) continue;
            foreach (Match m in reference.Matches(File.ReadAllText(file)))
            {
                var to = m.Groups["folder"].Value;
                if (to != from && folders.Contains(to)) graph[from].Add(to);
            }
        }
        return graph;
    }

    private static string? FolderOf(string root, string file)
    {
        var parts = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar);
        return parts.Length > 1 ? parts[0] : null;
    }

    /// <summary>The strongly connected components with more than one folder (Tarjan), each one cycle to name.</summary>
    private static List<List<string>> Cycles(Dictionary<string, HashSet<string>> graph)
    {
        var index = new Dictionary<string, int>(); var low = new Dictionary<string, int>();
        var stack = new Stack<string>(); var onStack = new HashSet<string>();
        var result = new List<List<string>>();
        var next = 0;
        void Visit(string v)
        {
            index[v] = low[v] = next++; stack.Push(v); onStack.Add(v);
            foreach (var w in graph.GetValueOrDefault(v) ?? [])
            {
                if (!index.ContainsKey(w)) { Visit(w); low[v] = Math.Min(low[v], low[w]); }
                else if (onStack.Contains(w)) low[v] = Math.Min(low[v], index[w]);
            }
            if (low[v] != index[v]) return;
            var component = new List<string>();
            string x;
            do { x = stack.Pop(); onStack.Remove(x); component.Add(x); } while (x != v);
            if (component.Count > 1) result.Add(component);
        }
        foreach (var v in graph.Keys.Order(StringComparer.Ordinal))
            if (!index.ContainsKey(v)) Visit(v);
        return result;
    }

    [GeneratedRegex(@"^\s*namespace\s+(?<ns>[\w.]+)", RegexOptions.Multiline)]
    private static partial Regex NamespaceDeclaration();
}
