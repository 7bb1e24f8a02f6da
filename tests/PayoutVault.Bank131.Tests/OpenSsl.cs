using System.Diagnostics;

namespace PayoutVault.Bank131.Tests;

/// <summary>Runs the openssl CLI: an independent implementation to check our signatures and PEM handling against.</summary>
internal static class OpenSsl
{
    public sealed record Result(int ExitCode, string StdOut, string StdErr);

    public static Result Run(params string[] args)
    {
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start openssl.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("openssl did not finish within 60 s.");
        }

        return new Result(process.ExitCode, stdout.Result, stderr.Result);
    }

    public static void MustRun(params string[] args)
    {
        var result = Run(args);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {args[0]} failed ({result.ExitCode}): {result.StdErr}");
        }
    }
}
