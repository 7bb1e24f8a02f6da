using System.Diagnostics;
using Google.Protobuf;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Bench;

/// <summary>
/// Stores N extra tokens before the phases (--load-tokens), so memory and lookups are measured with a realistic
/// table. Only through Tokenize: the vault encrypts and fingerprints each card itself, so every row is one it would
/// have written, with its audit record. A bulk COPY would need the vault's keys outside the vault.
/// </summary>
internal static class TokenPreloader
{
    public static async Task<string> LoadAsync(TokenService.TokenServiceClient tokens, int count, int concurrency)
    {
        Console.WriteLine($"loading {count} tokens through Tokenize at {concurrency} callers");
        var started = Stopwatch.GetTimestamp();
        long issued = 0, done = 0, failed = 0;
        var step = Math.Max(1, count / 10);
        BenchProgress.Step("loading tokens", "tokens");
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref issued) <= count)
            {
                try
                {
                    await tokens.TokenizeAsync(new TokenizeRequest { Pan = ByteString.CopyFrom(SyntheticCards.Pan()) });
                }
                catch (Grpc.Core.RpcException)
                {
                    Interlocked.Increment(ref failed);
                }
                var n = Interlocked.Increment(ref done);
                BenchProgress.Report(n, count);
                if (n % step == 0) Console.WriteLine($"  {n} tokens, {n / Stopwatch.GetElapsedTime(started).TotalSeconds:F0}/s");
            }
        })));
        var elapsed = Stopwatch.GetElapsedTime(started);
        return $"{count - failed} tokens loaded through Tokenize at {concurrency} callers in {elapsed.TotalSeconds:F0} s "
            + $"({(count - failed) / elapsed.TotalSeconds:F0}/s, {failed} failed)";
    }
}
