using System.Diagnostics;
using System.Security.Cryptography;

namespace PayoutVault.Cli.Bench;

/// <summary>
/// RSA-2048 signatures (SHA-256, PKCS#1 v1.5, the X-PARTNER-SIGN scheme) on one thread with the platform's RSA:
/// the payout's physical limit, since every payout costs the vault one signature and the bank another.
/// </summary>
internal static class RsaSignBaseline
{
    public static Task<PhaseResult> RunAsync(string name, BenchTiming timing) =>
        Task.Factory.StartNew(() => Run(name, timing), TaskCreationOptions.LongRunning);

    private static PhaseResult Run(string name, BenchTiming timing)
    {
        Console.WriteLine($"running: {name}");
        BenchProgress.Phase(name, timing);
        using var rsa = RSA.Create(2048);
        // A payout request body is a few hundred bytes; the digest cost is noise next to the private-key operation.
        var body = RandomNumberGenerator.GetBytes(700);
        // RSA.Create generates the key on first use; that must not be timed as a signature.
        rsa.SignData(body, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var latencies = new List<double>(65536);
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(timing.Warmup.TotalSeconds * Stopwatch.Frequency);
        var stopAt = measureFrom + (long)(timing.Duration.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            var t0 = Stopwatch.GetTimestamp();
            if (t0 >= stopAt) break;
            body[0]++; // new bytes each time
            rsa.SignData(body, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            if (t0 >= measureFrom) latencies.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        return PhaseResult.FromLatencies(name, latencies.Order().ToArray(), timing.Duration, 0);
    }
}
