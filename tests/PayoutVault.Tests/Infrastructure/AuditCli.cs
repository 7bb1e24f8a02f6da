using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>
/// Runs the shipped command-line tool (vaultctl, from the build output) the way an assessor would:
/// `vaultctl audit verify|export ...`, as a separate process, returning its exit code and everything it printed.
/// </summary>
public static partial class AuditCli
{
    public sealed record Result(int ExitCode, string Output)
    {
        /// <summary>The seq named by "audit trail BROKEN at record N", or null.</summary>
        public long? BrokenAt => BrokenPattern().Match(Output) is { Success: true } m
            ? long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : null;

        public override string ToString() => $"exit {ExitCode}: {Output}";
    }

    public static Task<Result> VerifyAsync(string connectionString, params string[] trustedKeysHex) =>
        RunAsync(["audit", "verify", "--pg", connectionString, .. TrustedKeys(trustedKeysHex)]);

    public static Task<Result> VerifyFileAsync(string exportFile, params string[] trustedKeysHex) =>
        RunAsync(["audit", "verify", "--file", exportFile, .. TrustedKeys(trustedKeysHex)]);

    public static Task<Result> ExportAsync(string connectionString, string outFile) =>
        RunAsync(["audit", "export", "--pg", connectionString, "--out", outFile]);

    public static async Task<Result> RunAsync(IReadOnlyList<string> args, TimeSpan? timeLimit = null)
    {
        var tool = Path.Combine(AppContext.BaseDirectory, "vaultctl.dll");
        Assert.True(File.Exists(tool), "vaultctl.dll is not in the test output");
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        var psi = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(tool);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_NOLOGO"] = "1";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot start vaultctl");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(timeLimit ?? TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new Result(process.ExitCode, (await stdout) + (await stderr));
    }

    private static IEnumerable<string> TrustedKeys(string[] keys) =>
        keys.Length == 0 ? [] : ["--trusted-key", string.Join(',', keys)];

    [GeneratedRegex(@"audit trail BROKEN at record (\d+)")]
    private static partial Regex BrokenPattern();
}
