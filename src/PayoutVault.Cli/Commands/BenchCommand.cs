using System.Diagnostics;
using System.Security.Cryptography;
using Google.Protobuf;
using Grpc.Health.V1;
using Npgsql;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// Tokenize throughput against two baselines measured in the same run, since absolute numbers on a shared machine
/// mean little: a no-op gRPC call on the same server (the transport ceiling) and raw single-row INSERTs of the card
/// row shape into the same PostgreSQL at the same concurrency (what one-commit-per-card storage would achieve).
/// A last phase measures audited reads (GetToken) against the same baselines.
/// </summary>
public static class BenchCommand
{
    public static async Task<int> RunAsync(CliArgs args)
    {
        var concurrency = args.Int("concurrency", 64);
        var seconds = args.Int("seconds", 10);
        var warmup = TimeSpan.FromSeconds(args.Int("warmup", 2));
        var duration = TimeSpan.FromSeconds(seconds);
        var pg = args.Required("pg");
        using var channel = VaultChannel.Open(args);
        var health = new Health.HealthClient(channel);
        var tokens = new TokenService.TokenServiceClient(channel);

        Console.WriteLine($"concurrency {concurrency}, {seconds} s per phase after {warmup.TotalSeconds} s warm-up");
        var noop = await Phase.RunAsync("no-op gRPC (health check)", concurrency, warmup, duration,
            _ => health.CheckAsync(new HealthCheckRequest()).ResponseAsync);

        await using var raw = await RawInsertBaseline.CreateAsync(pg, concurrency);
        var insert = await Phase.RunAsync("raw single-row INSERT", concurrency, warmup, duration, raw.InsertAsync);

        var tokenize = await Phase.RunAsync("Tokenize (new card each call)", concurrency, warmup, duration,
            _ => tokens.TokenizeAsync(new TokenizeRequest { Pan = ByteString.CopyFrom(SyntheticPan()) }).ResponseAsync);

        // Reads are audited one record per call, each in its own commit on the serialised chain: this phase shows
        // what that costs next to the same baselines.
        var readable = new string[Math.Min(concurrency, 64)];
        for (var i = 0; i < readable.Length; i++)
            readable[i] = (await tokens.TokenizeAsync(new TokenizeRequest { Pan = ByteString.CopyFrom(SyntheticPan()) })).Card.Token;
        var read = await Phase.RunAsync("GetToken (audited read)", concurrency, warmup, duration,
            w => tokens.GetTokenAsync(new GetTokenRequest { Token = readable[w % readable.Length] }).ResponseAsync);

        Console.WriteLine();
        Console.WriteLine($"{"phase",-32} {"ops",8} {"ops/s",10} {"p50 ms",8} {"p99 ms",8}");
        foreach (var r in new[] { noop, insert, tokenize, read }) Console.WriteLine(r);
        Console.WriteLine();
        Console.WriteLine($"tokenize / raw insert throughput: {tokenize.OpsPerSecond / insert.OpsPerSecond:F2}");
        Console.WriteLine($"tokenize / no-op gRPC throughput:  {tokenize.OpsPerSecond / noop.OpsPerSecond:F2}");
        Console.WriteLine($"audited read / raw insert:        {read.OpsPerSecond / insert.OpsPerSecond:F2}");
        return 0;
    }

    /// <summary>
    /// A Luhn-valid 16-digit number with major industry identifier 9 (national use, never a payment card), so the
    /// benchmark never generates a number that could belong to a real card.
    /// </summary>
    internal static byte[] SyntheticPan()
    {
        var digits = new byte[16];
        digits[0] = (byte)'9';
        digits[1] = (byte)'9';
        for (var i = 2; i < 15; i++) digits[i] = (byte)('0' + RandomNumberGenerator.GetInt32(10));
        for (var check = 0; check < 10; check++)
        {
            digits[15] = (byte)('0' + check);
            if (Server.Tokens.PanValidator.PassesLuhn(digits)) break;
        }
        return digits;
    }
}

/// <summary>One timed phase: N workers call op in a loop; latencies recorded after the warm-up.</summary>
internal sealed record Phase(string Name, long Ops, double OpsPerSecond, double P50Ms, double P99Ms)
{
    public static async Task<Phase> RunAsync(string name, int workers, TimeSpan warmup, TimeSpan duration, Func<int, Task> op)
    {
        Console.WriteLine($"running: {name}");
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var stopAt = measureFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var latencies = new List<double>[workers];
        var tasks = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<double>(4096);
            while (true)
            {
                var t0 = Stopwatch.GetTimestamp();
                if (t0 >= stopAt) break;
                await op(w);
                if (t0 >= measureFrom) mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double Pct(double p) => all.Length == 0 ? 0 : all[Math.Min(all.Length - 1, (int)(p * all.Length))];
        return new Phase(name, all.Length, all.Length / duration.TotalSeconds, Pct(0.50), Pct(0.99));
    }

    public override string ToString() => $"{Name,-32} {Ops,8} {OpsPerSecond,10:F0} {P50Ms,8:F2} {P99Ms,8:F2}";
}

/// <summary>Single-row INSERTs, one commit each, of the cards row shape, into a scratch table dropped afterwards.</summary>
internal sealed class RawInsertBaseline : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    private RawInsertBaseline(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    public static async Task<RawInsertBaseline> CreateAsync(string connectionString, int concurrency)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.MaxPoolSize = Math.Max(concurrency + 4, 100);
        var ds = builder.Build();
        await using var cmd = ds.CreateCommand("""
            DROP TABLE IF EXISTS bench_raw_cards;
            CREATE TABLE bench_raw_cards (LIKE cards INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
            CREATE UNIQUE INDEX ON bench_raw_cards (fingerprint) WHERE fingerprint IS NOT NULL;
            CREATE INDEX ON bench_raw_cards (data_key_version) WHERE deleted_at IS NULL;
            CREATE INDEX ON bench_raw_cards (fingerprint_version) WHERE deleted_at IS NULL;
            ALTER TABLE bench_raw_cards ADD PRIMARY KEY (token);
            """);
        await cmd.ExecuteNonQueryAsync();
        return new RawInsertBaseline(ds);
    }

    public async Task InsertAsync(int worker)
    {
        await using var cmd = _dataSource.CreateCommand("""
            INSERT INTO bench_raw_cards (token, fingerprint, fingerprint_version, pan_ciphertext, data_key_version,
                                         bin, last4, brand, exp_month, exp_year)
            VALUES (@t, @f, 1, @c, 1, '999999', '0000', 'unknown', NULL, NULL)
            """);
        cmd.Parameters.AddWithValue("t", "tok_" + Server.Tokens.TokenFormat.RandomBase32(26));
        cmd.Parameters.AddWithValue("f", RandomNumberGenerator.GetBytes(32));
        cmd.Parameters.AddWithValue("c", RandomNumberGenerator.GetBytes(44));
        await cmd.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await using (var cmd = _dataSource.CreateCommand("DROP TABLE IF EXISTS bench_raw_cards")) await cmd.ExecuteNonQueryAsync();
        await _dataSource.DisposeAsync();
    }
}
