using System.Diagnostics;
using PayoutVault.Cli.CommandLine;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Cli;

/// <summary>
/// Progress of long operations goes to a terminal only: a line on standard error when it is a terminal, nothing when
/// standard error is redirected, and never anything on standard output, which scripts parse.
/// </summary>
public sealed class TerminalProgressTests
{
    [Fact]
    public void OnATerminal_TheLineShowsCountsAndTime_AndIsErasedWhenDone()
    {
        var terminal = new StringWriter();
        var progress = new TerminalProgress("reading audit records", terminal, "records");
        progress.Report(20_000, 80_000);
        Assert.Matches(@"^reading audit records: 20,000/80,000 records \(25%\) \[\d+ s\]$", progress.Render());

        progress.Step("noop", TimeSpan.FromSeconds(12));
        Assert.Matches(@"^noop: \d+/12 s \(\d+%\)$", progress.Render());
        progress.Dispose();

        var drawn = terminal.ToString();
        Assert.StartsWith("\rreading audit records:", drawn, StringComparison.Ordinal);
        Assert.Contains("\rnoop:", drawn, StringComparison.Ordinal);
        Assert.EndsWith("\r", drawn, StringComparison.Ordinal);
        Assert.Matches(@"\r +\r$", drawn);
    }

    [Fact]
    public void WithoutATerminal_NothingIsDrawn()
    {
        using var progress = new TerminalProgress("reading audit records", null, "records");
        progress.Report(5, 10);
        Assert.False(progress.Visible);
    }

    [Fact]
    public async Task AuditVerify_DrawsProgressOnTheTerminal_ButNotOnStandardOutput_NorWhenRedirected()
    {
        using var folder = new TempDirectory("pv-cli-progress-");
        var export = folder.File("empty.jsonl");
        await File.WriteAllTextAsync(export, "");
        var stdoutFile = folder.File("stdout.txt");
        var screen = folder.File("screen.txt");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

        // script(1) gives vaultctl a pseudo-terminal for standard error while standard output goes to a file.
        var psi = new ProcessStartInfo("script")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "-q", "-e", "-c", $"'{dotnet}' '{AppContext.BaseDirectory}vaultctl.dll' audit verify --file '{export}' > '{stdoutFile}'", screen })
            psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        using (var process = Process.Start(psi)!)
        {
            process.StandardInput.Close();
            var drain = Task.WhenAll(process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);
            await drain;
            Assert.Equal(0, process.ExitCode);
        }
        var onTerminal = await File.ReadAllTextAsync(screen);
        var stdout = await File.ReadAllTextAsync(stdoutFile);
        var redirected = await AuditCli.RunAsync(["audit", "verify", "--file", export]);

        Assert.Contains("\rreading audit records:", onTerminal, StringComparison.Ordinal);
        Assert.Contains("\rverifying the chain:", onTerminal, StringComparison.Ordinal);
        Assert.Contains("audit trail", stdout, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', stdout);
        Assert.DoesNotContain("reading audit records", stdout, StringComparison.Ordinal);
        Assert.True(redirected.ExitCode == 0, redirected.ToString());
        Assert.DoesNotContain("reading audit records", redirected.Output, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', redirected.Output);
    }
}
