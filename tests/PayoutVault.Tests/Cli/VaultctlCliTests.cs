using System.CommandLine;
using System.Globalization;
using PayoutVault.Cli.CommandLine;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Cli;

/// <summary>
/// vaultctl as an operator meets it, run as a separate process: generated help for every command and option, a bad
/// value refused with a message naming the option and the usage exit code, unknown commands refused, and the
/// documented exit codes of real commands (README "vaultctl exit codes").
/// </summary>
public sealed class VaultctlCliTests
{
    private static IEnumerable<(string Path, Command Command)> Commands(Command command, string path = "")
    {
        foreach (var sub in command.Subcommands)
        {
            var subPath = (path + " " + sub.Name).Trim();
            yield return (subPath, sub);
            foreach (var nested in Commands(sub, subPath)) yield return nested;
        }
    }

    [Fact]
    public async Task Help_ListsEveryCommand_WithItsDescription_AndTheExitCodes()
    {
        var result = await AuditCli.RunAsync(["--help"]);

        Assert.True(result.ExitCode == ExitCodes.Ok, result.ToString());
        foreach (var command in VaultctlApp.Build().Subcommands)
        {
            Assert.Matches($@"(?m)^\s+{command.Name}\s+\S", result.Output);
            Assert.Contains(command.Description![..Math.Min(40, command.Description!.Length)], result.Output, StringComparison.Ordinal);
        }
        Assert.Contains("Exit codes:", result.Output, StringComparison.Ordinal);
        foreach (var code in new[] { "0 ", "1 ", "2 ", "3 ", "130 " })
            Assert.Matches(@"(?m)^\s+" + code, result.Output);
    }

    [Fact]
    public async Task EveryCommandAndOption_HasADescription_ShownByItsHelp()
    {
        var commands = Commands(VaultctlApp.Build()).ToList();
        Assert.Contains(commands, c => c.Path == "audit verify");
        Assert.Contains(commands, c => c.Path == "keys rotate-data");

        var helps = await Task.WhenAll(commands.Select(c => AuditCli.RunAsync([.. c.Path.Split(' '), "--help"])));
        foreach (var ((path, command), help) in commands.Zip(helps))
        {
            Assert.True(help.ExitCode == ExitCodes.Ok, $"{path}: {help}");
            Assert.False(string.IsNullOrWhiteSpace(command.Description), $"'{path}' has no description");
            Assert.Contains("vaultctl " + path, help.Output, StringComparison.Ordinal);
            foreach (var option in command.Options)
            {
                Assert.False(string.IsNullOrWhiteSpace(option.Description), $"'{path} {option.Name}' has no description");
                Assert.Contains(option.Name, help.Output, StringComparison.Ordinal);
            }
            foreach (var sub in command.Subcommands) Assert.Contains(sub.Name, help.Output, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("bench --pg x --seconds 0", "--seconds must be a positive whole number, got '0'")]
    [InlineData("bench --pg x --concurrency many", "--concurrency must be a positive whole number, got 'many'")]
    [InlineData("bench --pg x --phases noop,everything", "--phases: unknown value 'everything'; one or more of: noop, insert")]
    [InlineData("retention report --pg x --unused-for soon", "--unused-for must be a positive whole number, got 'soon'")]
    [InlineData("audit verify --file /nonexistent/export.jsonl", "--file: /nonexistent/export.jsonl does not exist")]
    [InlineData("audit verify --pg x --file /etc/hostname", "give exactly one of --pg CONNSTR (the database) or --file EXPORT")]
    [InlineData("audit export --out x.jsonl", "Option '--pg' is required.")]
    [InlineData("tokenize --exp 13/2030", "--exp must look like MM/YYYY")]
    [InlineData("keys status --vault ftp://vault.example", "--vault must be an absolute http:// or https:// URL, got 'ftp://vault.example'")]
    [InlineData("keys rewrap --pg x --old-key /nonexistent/old.json --new-key /nonexistent/new.json", "--old-key: /nonexistent/old.json does not exist")]
    [InlineData("keygen --shares 5 --threshold 6 --out-dir x", "need 2 <= --threshold <= --shares")]
    [InlineData("keygen --out x --shares 5 --threshold 3 --out-dir y", "give either --out FILE or --shares N --threshold K --out-dir DIR, not both")]
    public async Task BadOptionValue_IsAUsageError_NamingTheOption(string commandLine, string message)
    {
        var result = await AuditCli.RunAsync(commandLine.Split(' '));

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains("vaultctl: " + message, result.Output, StringComparison.Ordinal);
        var command = string.Join(' ', commandLine.Split(' ').TakeWhile(w => !w.StartsWith("--", StringComparison.Ordinal)));
        Assert.Contains($"usage: vaultctl {command} [options]", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("frobnicate", "Unrecognized command or argument 'frobnicate'")]
    [InlineData("audit frobnicate", "Unrecognized command or argument 'frobnicate'")]
    [InlineData("audit verify --pg x --frobnicate", "Unrecognized command or argument '--frobnicate'")]
    [InlineData("", "Required command was not provided.")]
    [InlineData("keys", "Required command was not provided.")]
    public async Task UnknownOrMissingCommand_IsAUsageError(string commandLine, string message)
    {
        var result = await AuditCli.RunAsync(commandLine.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        Assert.True(result.ExitCode == ExitCodes.Usage, result.ToString());
        Assert.Contains(message, result.Output, StringComparison.Ordinal);
        Assert.Contains("usage: vaultctl", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keygen_WritesAKey_ThenRefusesToOverwriteIt_WithExitCode1()
    {
        using var folder = new TempDirectory("pv-cli-keygen-");
        var file = folder.File("master-key.json");

        var first = await AuditCli.RunAsync(["keygen", "--out", file, "--key-id", "mk-cli-test"]);
        var written = await File.ReadAllTextAsync(file);
        var second = await AuditCli.RunAsync(["keygen", "--out", file]);

        Assert.True(first.ExitCode == ExitCodes.Ok, first.ToString());
        Assert.Contains("master key mk-cli-test written to", first.Output, StringComparison.Ordinal);
        Assert.True(second.ExitCode == ExitCodes.CheckFailed, second.ToString());
        Assert.Contains("refusing to overwrite a master key", second.Output, StringComparison.Ordinal);
        Assert.Equal(written, await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task UnreachableVaultOrDatabase_ExitsWith3()
    {
        var closed = TestPorts.Free().ToString(CultureInfo.InvariantCulture);

        var vault = await AuditCli.RunAsync(["keys", "status", "--vault", $"http://127.0.0.1:{closed}"]);
        var database = await AuditCli.RunAsync(["retention", "report", "--pg", $"Host=127.0.0.1;Port={closed};Username=nobody;Timeout=5"]);

        Assert.True(vault.ExitCode == ExitCodes.Unavailable, vault.ToString());
        Assert.Contains("vaultctl: the vault answered Unavailable", vault.Output, StringComparison.Ordinal);
        Assert.True(database.ExitCode == ExitCodes.Unavailable, database.ToString());
        Assert.Contains("vaultctl: database error:", database.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", vault.Output + database.Output, StringComparison.Ordinal);
    }
}
