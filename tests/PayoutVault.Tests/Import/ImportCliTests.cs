using System.Diagnostics;
using System.Globalization;
using PayoutVault.Tests.BadInput;
using PayoutVault.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PayoutVault.Tests.Import;

/// <summary>
/// `vaultctl import` run as a separate process against a real vault over gRPC: the mapping of every line, the
/// summary with rejected lines and reasons, resuming after a kill with no card stored twice, and no card number in
/// anything the tool printed or wrote, or in the vault's log.
/// </summary>
public sealed class ImportCliTests(ITestOutputHelper output) : VaultTestBase, IDisposable
{
    private readonly TempDirectory _dir = new("pv-import-");

    [Fact]
    public async Task Import_MixedFile_MapsEveryLine_ReportsRejectedLinesWithReasons_AndEchoesNoCardNumber()
    {
        var year = DateTime.UtcNow.Year + 3;
        var input = Write(
            "pan,expiry",                                       // 1: header
            $"{TestCards.Visa},12/{year}",                      // 2
            $"{TestCards.LuhnInvalid},",                        // 3: the vault refuses: Luhn
            $"\"{TestCards.Mastercard}\",07/{year % 100:00}",   // 4: quoted, MM/YY
            "",                                                 // 5: blank, skipped
            $"{TestCards.Visa},12/{year}",                      // 6: repeats line 2
            $"4242 4242 4242 4242,12/{year}",                   // 7: the vault refuses: not digits only
            $"{TestCards.Amex},13/{year}",                      // 8: the vault refuses: month 13
            $"{TestCards.Discover},next year",                  // 9: refused before sending: expiry shape
            $"{TestCards.Mir},{year}-01",                       // 10: YYYY-MM
            $"{TestCards.Visa2},12/{year},extra");              // 11: refused before sending: a third field
        var mappingFile = input + ".tokens.csv";

        var result = await ImportAsync(input);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("complete", result.Output, StringComparison.Ordinal);
        var mapping = Mapping.Read(mappingFile);
        Assert.Equal([2L, 3, 4, 6, 7, 8, 9, 10, 11], mapping.Keys.Order());
        Assert.Equal("created", mapping[2].Outcome);
        Assert.Equal("created", mapping[4].Outcome);
        Assert.Equal("repeated", mapping[6].Outcome);
        Assert.Equal(mapping[2].Token, mapping[6].Token);
        Assert.Equal("same card as line 2", mapping[6].Reason);
        Assert.Equal("created", mapping[10].Outcome);
        foreach (var line in new long[] { 3, 7, 8, 9, 11 })
        {
            Assert.Equal("rejected", mapping[line].Outcome);
            Assert.Equal("", mapping[line].Token);
        }
        Assert.Equal("pan fails the Luhn check", mapping[3].Reason);
        Assert.Equal("pan must contain ASCII digits only, without spaces or separators", mapping[7].Reason);
        Assert.Equal("expiry.month must be 1 to 12", mapping[8].Reason);
        foreach (var line in new[] { "3: pan fails the Luhn check", "8: expiry.month must be 1 to 12",
                     "9: the expiry must be empty, MM/YY, MM/YYYY or YYYY-MM", "11: a row holds a card number and an expiry only" })
            Assert.Contains("    " + line, result.Output, StringComparison.Ordinal);
        Assert.Contains("this run: 9 lines, 4 with a token: 3 created, 0 already in the vault, 1 repeating an earlier line; 5 rejected",
            result.Output, StringComparison.Ordinal);

        Assert.Equal(3, await Db.CountAsync(Server.ConnectionString, "cards"));
        var card = await Server.Tokens.GetTokenAsync(new Contracts.V1.GetTokenRequest { Token = mapping[4].Token });
        Assert.Equal(("555555", "4444", 7), (card.Bin, card.Last4, card.Expiry.Month));

        AssertNoCardNumber("the tool's output", result.Output);
        AssertNoCardNumber("the mapping file", await File.ReadAllTextAsync(mappingFile));
        AssertNoCardNumber("the vault's log", Server.Logs.AllText(includeTraceIds: false));
    }

    [Fact]
    public async Task Import_KilledMidFile_RerunCompletesTheMapping_WithoutStoringAnyCardTwice()
    {
        var cards = Tokens.TokenizeBatchTests.SyntheticPans(3000);
        // Every tenth line repeats the card of the line before it, so repeats straddle the kill too.
        var lines = new List<string> { "pan,expiry" };
        for (var i = 0; i < cards.Length; i++)
        {
            lines.Add(cards[i] + ",");
            if (i % 10 == 9) lines.Add(cards[i] + ",");
        }
        var input = Write(lines.ToArray());
        var mappingFile = input + ".tokens.csv";
        var dataLines = lines.Count - 1;

        // Small messages, one in flight: slow enough to be killed part-way.
        var first = Start(input, "--cards-per-message", "10", "--in-flight", "1");
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (Mapping.CountRows(mappingFile) < 300 && !first.HasExited && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.False(first.HasExited, "the import ended before it could be killed; the file is too small for this machine");
        first.Kill(entireProcessTree: true);
        await first.WaitForExitAsync();
        var partial = Mapping.Read(mappingFile).Count;
        output.WriteLine($"killed after {partial} of {dataLines} lines");
        Assert.InRange(partial, 300, dataLines - 1);

        var rerun = await ImportAsync(input);

        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Contains("complete", rerun.Output, StringComparison.Ordinal);
        Assert.Contains("earlier runs:", rerun.Output, StringComparison.Ordinal);
        var mapping = Mapping.Read(mappingFile);
        Assert.Equal(dataLines, Mapping.CountRows(mappingFile)); // every line exactly once
        Assert.Equal(Enumerable.Range(2, dataLines).Select(l => (long)l), mapping.Keys.Order());
        Assert.All(mapping.Values, m => Assert.StartsWith("tok_", m.Token, StringComparison.Ordinal));
        Assert.Equal(cards.Length, mapping.Values.Select(m => m.Token).Distinct().Count());
        Assert.Equal(cards.Length, await Db.CountAsync(Server.ConnectionString, "cards"));
        var stored = await Db.ScalarAsync<long>(Server.ConnectionString, "SELECT count(*) FROM cards WHERE token = ANY(@t)",
            ("t", mapping.Values.Select(m => m.Token).Distinct().ToArray()));
        Assert.Equal(cards.Length, stored);
        AssertNoCardNumber("the tool's output", rerun.Output, cards);
        AssertNoCardNumber("the mapping file", await File.ReadAllTextAsync(mappingFile), cards);
    }

    [Fact]
    public async Task Import_InterruptedByCtrlC_RecordsWhatWasSent_PrintsTheSummary_AndTheRerunFinishes()
    {
        var cards = Tokens.TokenizeBatchTests.SyntheticPans(3000);
        var input = Write(cards.Select(c => c + ",").ToArray());
        var mappingFile = input + ".tokens.csv";
        var printed = new System.Text.StringBuilder();

        var first = Start(input, printed, "--cards-per-message", "10", "--in-flight", "1");
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (Mapping.CountRows(mappingFile) < 100 && !first.HasExited && DateTime.UtcNow < deadline) await Task.Delay(20);
        Assert.False(first.HasExited, "the import ended before it could be interrupted");
        using (var signal = Process.Start("kill", ["-INT", first.Id.ToString(CultureInfo.InvariantCulture)])) await signal.WaitForExitAsync();
        await first.WaitForExitAsync();
        first.WaitForExit(); // drains the output handlers

        var text = printed.ToString();
        output.WriteLine(text);
        Assert.Equal(130, first.ExitCode);
        Assert.Contains("stopped; run the same command again to continue", text, StringComparison.Ordinal);
        var recorded = Mapping.Read(mappingFile).Count;
        Assert.Contains($"this run: {recorded} lines", text, StringComparison.Ordinal); // every line sent was answered and recorded
        Assert.Equal(recorded, await Db.CountAsync(Server.ConnectionString, "cards"));

        var rerun = await ImportAsync(input);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Contains($"this run: {cards.Length - recorded} lines", rerun.Output, StringComparison.Ordinal);
        Assert.Equal(cards.Length, Mapping.Read(mappingFile).Count);
        Assert.Equal(cards.Length, await Db.CountAsync(Server.ConnectionString, "cards"));
        AssertNoCardNumber("the tool's output", text + rerun.Output, cards);
    }

    [Fact]
    public async Task Import_InParts_EachRunContinuesWhereTheLastStopped()
    {
        var cards = Tokens.TokenizeBatchTests.SyntheticPans(25);
        var input = Write(cards.Select(c => c + ",").ToArray());

        var part1 = await ImportAsync(input, "--lines", "10", "--cards-per-message", "4");
        var part2 = await ImportAsync(input, "--lines", "10", "--cards-per-message", "4");
        var rest = await ImportAsync(input);

        Assert.True(part1.ExitCode == 0 && part2.ExitCode == 0 && rest.ExitCode == 0, part1 + "\n" + part2 + "\n" + rest);
        Assert.Contains("stopped after 10 lines as asked", part1.Output, StringComparison.Ordinal);
        Assert.Contains("this run: 10 lines, 10 with a token: 10 created", part2.Output, StringComparison.Ordinal);
        Assert.Contains("this run: 5 lines, 5 with a token: 5 created", rest.Output, StringComparison.Ordinal);
        Assert.Contains("complete", rest.Output, StringComparison.Ordinal);
        Assert.Equal(Enumerable.Range(1, 25).Select(l => (long)l), Mapping.Read(input + ".tokens.csv").Keys.Order());
        Assert.Equal(25, await Db.CountAsync(Server.ConnectionString, "cards"));
    }

    [Fact]
    public async Task Import_MappingOfAnotherFile_IsRefused_AndNothingIsSent()
    {
        var input = Write(TestCards.Visa + ",");
        await File.WriteAllTextAsync(input + ".tokens.csv", "# vaultctl import mapping of other.csv (10 bytes)\nline,token,outcome,reason\n");

        var result = await ImportAsync(input);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("is not the mapping of this input file", result.Output, StringComparison.Ordinal);
        Assert.Equal(0, await Db.CountAsync(Server.ConnectionString, "cards"));
    }

    private string Write(params string[] lines)
    {
        var path = _dir.File("cards-" + Guid.NewGuid().ToString("N")[..8] + ".csv");
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        return path;
    }

    private Task<AuditCli.Result> ImportAsync(string input, params string[] extra) =>
        AuditCli.RunAsync(["import", "--file", input, "--vault", Server.Address.ToString(), .. extra], TimeSpan.FromMinutes(3));

    private Process Start(string input, params string[] extra) => Start(input, new System.Text.StringBuilder(), extra);

    private Process Start(string input, System.Text.StringBuilder printed, params string[] extra)
    {
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var psi = new ProcessStartInfo(dotnet) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "vaultctl.dll"), "import", "--file", input, "--vault", Server.Address.ToString() }.Concat(extra))
            psi.ArgumentList.Add(a);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start vaultctl");
        process.OutputDataReceived += (_, e) => { lock (printed) printed.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (printed) printed.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static void AssertNoCardNumber(string what, string text, IEnumerable<string>? alsoThese = null)
    {
        Assert.True(CardDigits.Leak(text) is null, $"{what} holds {CardDigits.Leak(text)}");
        foreach (var pan in alsoThese ?? [])
            Assert.False(CardDataScanner.ContainsPanDigits(text, pan), $"{what} holds digits of a card of the input");
    }

    public void Dispose() => _dir.Dispose();

    /// <summary>The mapping file's rows by line number.</summary>
    private static class Mapping
    {
        public sealed record Row(string Token, string Outcome, string Reason);

        public static Dictionary<long, Row> Read(string path)
        {
            var rows = new Dictionary<long, Row>();
            foreach (var line in File.ReadAllLines(path).Skip(2).Where(l => l.Length > 0))
            {
                var f = line.Split(',', 4);
                rows[long.Parse(f[0], CultureInfo.InvariantCulture)] = new Row(f[1], f[2], f[3].Trim('"'));
            }
            return rows;
        }

        public static int CountRows(string path)
        {
            if (!File.Exists(path)) return 0;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return Math.Max(0, reader.ReadToEnd().Split('\n').Count(l => l.Length > 0 && char.IsAsciiDigit(l[0])));
        }
    }
}
