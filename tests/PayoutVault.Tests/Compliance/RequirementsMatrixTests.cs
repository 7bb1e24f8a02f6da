using PayoutVault.Tests.Infrastructure;
using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;

namespace PayoutVault.Tests.Compliance;

/// <summary>
/// Keeps the compliance/ evidence pack honest: every test the requirements matrix cites exists, the documented RPC
/// permission table is the one the code enforces, the audit catalogue names every action the vault writes, and no
/// card-like number sits in the repository unless it is a public test number on the allowlist.
/// </summary>
public sealed partial class RequirementsMatrixTests
{
    // ---------------------------------------------------------------- requirements-matrix.yaml

    [Fact]
    public void RequirementsMatrix_EveryReferencedTest_Exists()
    {
        var matrix = Matrix.Load();
        Assert.NotEmpty(matrix);
        var missing = matrix
            .SelectMany(r => r.Tests.Select(t => (r.Id, Test: t)))
            .Where(x => !TestIndex.Exists(x.Test))
            .Select(x => $"{x.Id}: {x.Test}")
            .Distinct(StringComparer.Ordinal)
            .ToList();
        Assert.True(missing.Count == 0,
            "compliance/requirements-matrix.yaml cites tests that do not exist:\n  " + string.Join("\n  ", missing));
    }

    [Fact]
    public void RequirementsMatrix_EveryRequirement_ListsAtLeastOneTest()
    {
        var matrix = Matrix.Load();
        var bare = matrix.Where(r => r.Tests.Count == 0).Select(r => r.Id).ToList();
        Assert.True(bare.Count == 0, "requirements without a test: " + string.Join(", ", bare));
    }

    [Fact]
    public void RequirementsMatrix_EveryRequirement_HasAControlAndAnOwner_AndIdsAreUnique()
    {
        var matrix = Matrix.Load();
        var problems = new List<string>();
        foreach (var r in matrix)
        {
            if (string.IsNullOrWhiteSpace(r.Scalar("control"))) problems.Add($"{r.Id}: no control");
            if (r.Scalar("owner") is not ("vault" or "operator" or "shared" or "bank131")) problems.Add($"{r.Id}: owner must be vault, operator, shared or bank131");
        }
        problems.AddRange(matrix.GroupBy(r => r.Id, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => $"{g.Key}: listed twice"));
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void RequirementsMatrix_EveryCodePath_Exists()
    {
        var missing = Matrix.Load()
            .SelectMany(r => r.List("code").Select(p => (r.Id, Path: p)))
            .Where(x => !File.Exists(Path.Combine(Repo.Root, x.Path)) && !Directory.Exists(Path.Combine(Repo.Root, x.Path)))
            .Select(x => $"{x.Id}: {x.Path}")
            .ToList();
        Assert.True(missing.Count == 0, "code paths in the matrix that do not exist:\n  " + string.Join("\n  ", missing));
    }

    // ---------------------------------------------------------------- access-control.md

    [Fact]
    public void AccessControlTable_EqualsRpcPermissionMapDeclarations()
    {
        var documented = MarkdownTable(Repo.Read("compliance/access-control.md"), "rpc-permissions");
        var declared = RpcPermissionMap.Declarations()
            .ToDictionary(d => d.Method, d => d.Permission ?? NoPermission, StringComparer.Ordinal);

        var differences = new List<string>();
        foreach (var (method, permission) in declared.OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            if (!documented.TryGetValue(method, out var doc)) differences.Add($"missing from the table: {method} -> {permission}");
            else if (!string.Equals(doc, permission, StringComparison.Ordinal))
                differences.Add($"{method}: table says {doc}, code says {permission}");
        }
        foreach (var method in documented.Keys.Where(m => !declared.ContainsKey(m)))
            differences.Add($"in the table but not an RPC of the vault: {method}");
        Assert.True(differences.Count == 0,
            "compliance/access-control.md disagrees with RpcPermissionMap.Declarations():\n  " + string.Join("\n  ", differences));
    }

    [Fact]
    public void AccessControlTable_BuiltInServices_EqualTheFixedMapEntries()
    {
        var documented = MarkdownTable(Repo.Read("compliance/access-control.md"), "builtin-permissions");
        var declared = RpcPermissionMap.Declarations().Select(d => d.Method).ToHashSet(StringComparer.Ordinal);
        var fixedEntries = new RpcPermissionMap().Entries
            .Where(e => !declared.Contains(e.Key))
            .ToDictionary(e => e.Key, e => e.Value == RpcPermissionMap.Public ? PublicPermission : e.Value, StringComparer.Ordinal);
        Assert.Equal(fixedEntries.OrderBy(e => e.Key, StringComparer.Ordinal), documented.OrderBy(e => e.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void EveryRpc_DeclaresAPermissionThatExists()
    {
        var problems = RpcPermissionMap.Declarations()
            .Where(d => d.Permission is null || !Permissions.All.Contains(d.Permission))
            .Select(d => $"{d.Method} -> {d.Permission ?? "(none)"}")
            .ToList();
        Assert.True(problems.Count == 0, "RPCs without a known permission (denied to everyone): " + string.Join(", ", problems));
    }

    [Fact]
    public void AccessControl_PermissionCatalogue_ListsEveryPermission()
    {
        var text = Repo.Read("compliance/access-control.md");
        var missing = Permissions.All.Where(p => !text.Contains($"`{p}`", StringComparison.Ordinal)).ToList();
        Assert.True(missing.Count == 0, "permissions not described in access-control.md: " + string.Join(", ", missing));
    }

    [Fact]
    public void AccessControl_WideningTable_EqualsPermissionsWidening()
    {
        var documented = MarkdownTable(Repo.Read("compliance/access-control.md"), "widening-permissions");
        Assert.Equal(Permissions.Widening.OrderBy(e => e.Key, StringComparer.Ordinal), documented.OrderBy(e => e.Key, StringComparer.Ordinal));
    }

    // ---------------------------------------------------------------- logging-and-audit.md

    [Fact]
    public void AuditCatalogue_ListsEveryAuditAction_AndNothingElse()
    {
        var documented = MarkdownTable(Repo.Read("compliance/logging-and-audit.md"), "audit-actions").Keys.ToHashSet(StringComparer.Ordinal);
        var missing = AuditActions.All.Where(a => !documented.Contains(a)).ToList();
        var extra = documented.Where(a => !AuditActions.All.Contains(a)).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"audit catalogue out of date. Missing: [{string.Join(", ", missing)}]; not in AuditActions.All: [{string.Join(", ", extra)}]");
    }

    // ---------------------------------------------------------------- threat-model.md

    [Fact]
    public void ThreatModel_EveryCitedTestClass_Exists()
    {
        var text = Repo.Read("compliance/threat-model.md");
        var cited = TestClassReference().Matches(text).Select(m => m.Groups[1].Value).Distinct(StringComparer.Ordinal).ToList();
        Assert.NotEmpty(cited);
        var missing = cited.Where(c => !TestIndex.ClassExists(c)).ToList();
        Assert.True(missing.Count == 0, "threat-model.md cites test classes that do not exist: " + string.Join(", ", missing));
    }

    // ---------------------------------------------------------------- test-pans.txt and the repository scan

    [Fact]
    public void TestPanAllowlist_EveryNumberPassesLuhn_AndIs13To19Digits()
    {
        var pans = TestPans.Load();
        Assert.NotEmpty(pans);
        var bad = pans.Where(p => p.Length is < 13 or > 19 || !p.All(char.IsAsciiDigit) || !PanScan.PassesLuhn(p)).ToList();
        Assert.True(bad.Count == 0, "test-pans.txt entries that are not Luhn-valid 13-19 digit numbers: " + string.Join(", ", bad));
    }

    [Fact]
    public void TrackedFiles_EveryLuhnValidDigitRun_IsAnAllowlistedTestPan()
    {
        var allowed = TestPans.Load();
        var findings = new List<string>();
        foreach (var file in Repo.TrackedFiles())
        {
            var full = Path.Combine(Repo.Root, file);
            if (!File.Exists(full) || PanScan.LooksBinary(full)) continue;
            var lineNo = 0;
            foreach (var line in File.ReadLines(full))
            {
                lineNo++;
                foreach (var run in PanScan.LuhnRuns(line))
                    if (!allowed.Contains(run))
                        findings.Add($"{file}:{lineNo}: a Luhn-valid {run.Length}-digit number that is not in compliance/test-pans.txt "
                            + $"(starts {run[..6]}, ends {run[^4..]})");
            }
        }
        Assert.True(findings.Count == 0, "card-like numbers outside the allowlist:\n  " + string.Join("\n  ", findings));
    }

    [Fact]
    public void PanScan_FindsPlainAndGroupedNumbers_AndIgnoresLookAlikes()
    {
        // Built at run time so this file holds no card-like number the repository scan would flag.
        var visa = string.Concat(Enumerable.Repeat("42", 8));
        var grouped = string.Join(' ', Enumerable.Range(0, 4).Select(i => visa.Substring(i * 4, 4)));
        Assert.Equal([visa], PanScan.LuhnRuns($"card {visa}."));
        Assert.Equal([visa], PanScan.LuhnRuns($"card {grouped}."));
        Assert.Equal([visa], PanScan.LuhnRuns($"card {grouped.Replace(' ', '-')}."));
        Assert.Empty(PanScan.LuhnRuns(visa[..^1] + "3"));            // Luhn fails
        Assert.Empty(PanScan.LuhnRuns("0" + visa[1..^1] + "0"));      // leading zero: no card number starts with 0
        Assert.Empty(PanScan.LuhnRuns("deadbeef" + visa + "cafe"));   // glued to letters: hex or base32 ids
        Assert.Empty(PanScan.LuhnRuns(visa + visa));                  // 32 digits: too long to be a card number
    }

    // ================================================================= helpers

    private const string NoPermission = "(none: denied to everyone)";
    private const string PublicPermission = "(public)";

    [GeneratedRegex(@"`([A-Z][A-Za-z0-9]*Tests)`")]
    private static partial Regex TestClassReference();

    /// <summary>
    /// First two columns of the Markdown table between &lt;!-- name:start --&gt; and &lt;!-- name:end --&gt;, backticks
    /// stripped, header and separator rows skipped.
    /// </summary>
    internal static Dictionary<string, string> MarkdownTable(string markdown, string name)
    {
        var start = markdown.IndexOf($"<!-- {name}:start -->", StringComparison.Ordinal);
        var end = markdown.IndexOf($"<!-- {name}:end -->", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"table markers '{name}:start' / '{name}:end' not found");
        var rows = new Dictionary<string, string>(StringComparer.Ordinal);
        var header = true;
        foreach (var raw in markdown[start..end].Split('\n'))
        {
            var line = raw.Trim();
            if (!line.StartsWith('|')) continue;
            if (header) { header = false; continue; }
            var cells = line.Trim('|').Split('|').Select(c => c.Trim().Trim('`').Trim()).ToArray();
            if (cells.Length < 2 || cells[0].StartsWith("---", StringComparison.Ordinal)) continue;
            Assert.True(rows.TryAdd(cells[0], cells[1]), $"table '{name}' lists {cells[0]} twice");
        }
        return rows;
    }

    /// <summary>The repository root: the first folder above the test binaries (or the working directory) holding PayoutVault.sln.</summary>
    internal static class Repo
    {
        private static readonly Lazy<string> RootPath = new(() =>
        {
            foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
                for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                    if (File.Exists(Path.Combine(dir.FullName, "PayoutVault.sln"))) return dir.FullName;
            throw new InvalidOperationException("PayoutVault.sln not found above " + AppContext.BaseDirectory);
        });

        public static string Root => RootPath.Value;

        public static string Read(string relative) => File.ReadAllText(Path.Combine(Root, relative));

        /// <summary>Every file git tracks (git ls-files), as repository-relative paths.</summary>
        public static IReadOnlyList<string> TrackedFiles()
        {
            var psi = new ProcessStartInfo("git", ["-C", Root, "ls-files", "-z"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            using var git = Process.Start(psi) ?? throw new InvalidOperationException("cannot start git");
            var output = git.StandardOutput.ReadToEnd();
            var error = git.StandardError.ReadToEnd();
            git.WaitForExit();
            Assert.True(git.ExitCode == 0, "git ls-files failed: " + error);
            return output.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        }
    }

    /// <summary>
    /// Line-based reader for compliance/requirements-matrix.yaml (a fixed, simple shape; no YAML package needed):
    /// "  - id: X" opens a requirement, "    key: value" sets a scalar, "    key:" opens a list whose items are
    /// "      - value". Comments (#) and blank lines are skipped; quotes around values are removed.
    /// </summary>
    internal sealed record Requirement(string Id, Dictionary<string, string> Scalars, Dictionary<string, List<string>> Lists)
    {
        public IReadOnlyList<string> Tests => List("tests");

        public IReadOnlyList<string> List(string key) => Lists.TryGetValue(key, out var l) ? l : [];

        public string? Scalar(string key) => Scalars.GetValueOrDefault(key);
    }

    internal static class Matrix
    {
        public static IReadOnlyList<Requirement> Load()
        {
            var result = new List<Requirement>();
            Requirement? current = null;
            string? listKey = null;
            var inRequirements = false;
            var lineNo = 0;
            foreach (var raw in File.ReadLines(Path.Combine(Repo.Root, "compliance", "requirements-matrix.yaml")))
            {
                lineNo++;
                var line = raw.TrimEnd();
                var trimmed = line.TrimStart();
                if (trimmed.Length == 0 || trimmed.StartsWith('#')) continue;
                var indent = line.Length - trimmed.Length;
                if (indent == 0)
                {
                    inRequirements = trimmed == "requirements:";
                    current = null;
                    continue;
                }
                if (!inRequirements) continue;
                if (indent == 2 && trimmed.StartsWith("- id:", StringComparison.Ordinal))
                {
                    current = new Requirement(Unquote(trimmed["- id:".Length..]), new(StringComparer.Ordinal), new(StringComparer.Ordinal));
                    result.Add(current);
                    listKey = null;
                    continue;
                }
                Assert.True(current is not null, $"requirements-matrix.yaml:{lineNo}: content outside a requirement");
                if (indent == 4)
                {
                    var colon = trimmed.IndexOf(':', StringComparison.Ordinal);
                    Assert.True(colon > 0, $"requirements-matrix.yaml:{lineNo}: expected 'key: value' or 'key:'");
                    var key = trimmed[..colon];
                    var value = trimmed[(colon + 1)..].Trim();
                    if (value.Length == 0)
                    {
                        listKey = key;
                        current!.Lists[key] = [];
                    }
                    else
                    {
                        listKey = null;
                        current!.Scalars[key] = Unquote(value);
                    }
                    continue;
                }
                Assert.True(indent == 6 && trimmed.StartsWith("- ", StringComparison.Ordinal) && listKey is not null,
                    $"requirements-matrix.yaml:{lineNo}: expected a list item '      - value'");
                current!.Lists[listKey!].Add(Unquote(trimmed[2..]));
            }
            return result;
        }

        private static string Unquote(string s)
        {
            s = s.Trim();
            return s.Length >= 2 && ((s[0] == '"' && s[^1] == '"') || (s[0] == '\'' && s[^1] == '\'')) ? s[1..^1] : s;
        }
    }

    /// <summary>
    /// Resolves fully-qualified test names. Tests of this assembly are found by reflection (a public method with
    /// [Fact] or [Theory], which derives from Fact). The Bank 131 test project is not referenced by this one, so its
    /// tests are resolved from its source: a [Fact]/[Theory] method of that name in a class of that name and namespace.
    /// </summary>
    internal static class TestIndex
    {
        private static readonly Assembly ThisAssembly = typeof(RequirementsMatrixTests).Assembly;

        public static bool Exists(string fullName)
        {
            var dot = fullName.LastIndexOf('.');
            if (dot <= 0) return false;
            var (typeName, method) = (fullName[..dot], fullName[(dot + 1)..]);
            var type = ThisAssembly.GetType(typeName);
            if (type is not null)
                return type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static)
                    .Any(m => m.Name == method && m.GetCustomAttributes<FactAttribute>(inherit: true).Any());
            return ExistsInSource(typeName, method);
        }

        public static bool ClassExists(string simpleName) =>
            ThisAssembly.GetTypes().Any(t => t.Name == simpleName && HasTests(t))
            || SourceClasses().Any(c => c.Class == simpleName);

        private static bool HasTests(Type t) =>
            t.GetMethods().Any(m => m.GetCustomAttributes<FactAttribute>(inherit: true).Any());

        private static bool ExistsInSource(string typeName, string method)
        {
            var dot = typeName.LastIndexOf('.');
            if (dot <= 0) return false;
            var (ns, cls) = (typeName[..dot], typeName[(dot + 1)..]);
            var pattern = new Regex(@"\[(Fact|Theory)\b[^\]]*\]\s*(\[[^\]]*\]\s*)*public\s+(async\s+)?[\w<>]+\s+" + Regex.Escape(method) + @"\s*\(");
            return SourceClasses().Any(c => c.Namespace == ns && c.Class == cls && pattern.IsMatch(c.Text));
        }

        /// <summary>Test classes of the other test projects (tests/*/ except this one), read from source.</summary>
        private static IEnumerable<(string Namespace, string Class, string Text)> SourceClasses()
        {
            var thisProject = ThisAssembly.GetName().Name;
            foreach (var project in Directory.EnumerateDirectories(Path.Combine(Repo.Root, "tests")))
            {
                if (string.Equals(Path.GetFileName(project), thisProject, StringComparison.Ordinal)) continue;
                foreach (var file in Directory.EnumerateFiles(project, "*.cs", SearchOption.AllDirectories))
                {
                    if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                        || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)) continue;
                    var text = File.ReadAllText(file);
                    var ns = Regex.Match(text, @"^namespace\s+([\w.]+)", RegexOptions.Multiline);
                    if (!ns.Success) continue;
                    foreach (Match c in Regex.Matches(text, @"\bclass\s+(\w+)"))
                        yield return (ns.Groups[1].Value, c.Groups[1].Value, text);
                }
            }
        }
    }

    internal static class TestPans
    {
        /// <summary>compliance/test-pans.txt: one number per line, optionally followed by "# note"; '#' lines are comments.</summary>
        public static IReadOnlySet<string> Load()
        {
            var pans = new HashSet<string>(StringComparer.Ordinal);
            foreach (var raw in File.ReadLines(Path.Combine(Repo.Root, "compliance", "test-pans.txt")))
            {
                var line = raw.Split('#', 2)[0].Trim();
                if (line.Length > 0) pans.Add(line);
            }
            return pans;
        }
    }

    /// <summary>
    /// The repository scan's notion of a card-like number: 13 to 19 digits, first digit 1-9 (no card number starts
    /// with 0), Luhn-valid, not glued to letters (hex digests and base32 ids are not card numbers), written either
    /// contiguously or in groups of at least four digits separated by one space or dash.
    /// </summary>
    internal static class PanScan
    {
        public static IEnumerable<string> LuhnRuns(string text)
        {
            var i = 0;
            while (i < text.Length)
            {
                if (!char.IsAsciiDigit(text[i])) { i++; continue; }
                var start = i;
                var digits = new StringBuilder();
                var group = 0;
                while (i < text.Length)
                {
                    if (char.IsAsciiDigit(text[i])) { digits.Append(text[i]); group++; i++; continue; }
                    if (group >= 4 && text[i] is ' ' or '-' && GroupLength(text, i + 1) >= 4) { group = 0; i++; continue; }
                    break;
                }
                var glued = (start > 0 && char.IsAsciiLetter(text[start - 1])) || (i < text.Length && char.IsAsciiLetter(text[i]));
                var run = digits.ToString();
                if (!glued && run.Length is >= 13 and <= 19 && run[0] != '0' && PassesLuhn(run)) yield return run;
            }
        }

        private static int GroupLength(string text, int from)
        {
            var n = 0;
            while (from + n < text.Length && char.IsAsciiDigit(text[from + n])) n++;
            return n;
        }

        public static bool PassesLuhn(string digits) => CardDataScanner.PassesLuhn(digits);

        private static readonly HashSet<string> BinaryExtensions = new(StringComparer.OrdinalIgnoreCase)
        {
            ".png", ".jpg", ".jpeg", ".gif", ".ico", ".pdf", ".zip", ".gz", ".tgz", ".dll", ".exe", ".so", ".pfx", ".p12", ".der", ".snk",
        };

        /// <summary>Known binary extensions, or a NUL byte in the first 8 KiB.</summary>
        public static bool LooksBinary(string path)
        {
            if (BinaryExtensions.Contains(Path.GetExtension(path))) return true;
            using var stream = File.OpenRead(path);
            var buffer = new byte[8192];
            var read = stream.Read(buffer, 0, buffer.Length);
            return Array.IndexOf(buffer, (byte)0, 0, read) >= 0;
        }
    }
}
