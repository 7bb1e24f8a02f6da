using System.CommandLine;
using Google.Protobuf;
using Grpc.Net.Client;
using Grpc.Health.V1;
using Npgsql;
using PayoutVault.Cli.CommandLine;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Bench;

/// <summary>
/// `vaultctl bench`: the vault's throughput next to baselines measured in the same run, since absolute numbers on a
/// shared machine mean little. Baselines: a no-op gRPC call (the transport ceiling), raw single-row INSERTs of the
/// card row shape at the same concurrency (what one commit per row achieves), and RSA-2048 signatures on one core
/// (every payout costs one signature in the vault and one at the bank). Then Tokenize, GetToken, CreatePayout through
/// the bank sandbox at N callers and at one, signed webhooks, and CreatePayout again with many stream subscribers.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var options = new BenchOptions();
        var command = new Command("bench", "Throughput and latency of every path next to same-run baselines (docs/benchmarks.md); "
            + "progress of each phase on a terminal, the report on standard output.");
        options.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            using var progress = TerminalProgress.OnStandardError("bench");
            BenchProgress.Line = progress;
            try
            {
                return await RunAsync(options.Read(parse), () => options.Connection.Open(parse));
            }
            finally
            {
                BenchProgress.Line = null;
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(BenchSettings s, Func<GrpcChannel> openChannel)
    {
        using var channel = openChannel();
        var health = new Health.HealthClient(channel);
        var tokens = new TokenService.TokenServiceClient(channel);
        var payouts = new PayoutService.PayoutServiceClient(channel);
        var report = new BenchReport();
        var c = s.Concurrency;
        var started = DateTime.UtcNow;
        Console.WriteLine($"phases: {string.Join(',', BenchSettings.AllPhases.Where(s.Runs))}; {c} callers, "
            + $"{s.Timing.Duration.TotalSeconds:F0} s per phase after {s.Timing.Warmup.TotalSeconds:F0} s warm-up");

        if (s.LoadTokens > 0) report.TokensLoaded = await TokenPreloader.LoadAsync(tokens, s.LoadTokens, s.LoadConcurrency);

        if (s.Runs("noop"))
            report.Add(report.Noop = await PhaseRunner.RunAsync("no-op gRPC (health check)", c, s.Timing,
                _ => health.CheckAsync(new HealthCheckRequest()).ResponseAsync));

        if (s.Runs("insert"))
        {
            await using var raw = await RawInsertBaseline.CreateAsync(s.ConnectionString, c);
            report.Add(report.Insert = await PhaseRunner.RunAsync("raw single-row INSERT", c, s.Timing, raw.InsertAsync));
        }

        if (s.Runs("rsa")) report.Add(report.Rsa = await RsaSignBaseline.RunAsync("RSA-2048 sign, 1 core", s.Timing));

        if (s.Runs("tokenize"))
            report.Add(report.Tokenize = await PhaseRunner.RunAsync("Tokenize (new card each call)", c, s.Timing,
                _ => tokens.TokenizeAsync(NewCard()).ResponseAsync));

        if (s.Runs("tokenizebatch"))
            report.Add(report.TokenizeBatch = await TokenizeBatchPhase.RunAsync(tokens, s.BatchStreams, s.BatchCardsPerMessage, s.Timing));

        // Cards for reads and payouts: one per caller, so callers do not queue on one card's row.
        var cards = new string[Math.Clamp(c, 1, 64)];
        for (var i = 0; i < cards.Length; i++) cards[i] = (await tokens.TokenizeAsync(NewCard())).Card.Token;

        if (s.Runs("gettoken"))
            report.Add(report.GetToken = await PhaseRunner.RunAsync("GetToken (audited read)", c, s.Timing,
                w => tokens.GetTokenAsync(new GetTokenRequest { Token = cards[w % cards.Length] }).ResponseAsync));

        var created = new List<CreatedPayout>();
        if (s.Runs("payouts") || s.Runs("payout1") || s.Runs("fanout"))
        {
            await using var watcher = await PayoutWatcher.StartAsync(payouts, cards[0]);
            var phase = new PayoutPhase(payouts, watcher, cards, s.SettleTimeout);
            if (s.Runs("payouts"))
            {
                report.Add(report.Payouts = await phase.RunAsync($"CreatePayout ({c} callers)", c, s.Timing));
                created.AddRange(report.Payouts.Created);
            }
            if (s.Runs("payout1"))
            {
                report.Add(report.OneCaller = await phase.RunAsync("CreatePayout (1 caller)", 1, s.Timing));
                created.AddRange(report.OneCaller.Created);
            }
            if (s.Runs("webhooks")) await RunWebhooksAsync(s, report, created);
            if (s.Runs("fanout"))
            {
                using var streams = openChannel();
                var fanOut = new FanOutPhase(streams, watcher, phase, payouts, cards[0]);
                report.FanOut = await fanOut.RunAsync($"CreatePayout ({c} callers, {s.Subscribers} subs)", s.Subscribers, c,
                    s.Timing, s.VaultPid, s.SettleTimeout);
                report.Add(report.FanOut.Payouts);
                report.Add(report.FanOut.Delivery);
            }
        }
        else if (s.Runs("webhooks"))
        {
            await RunWebhooksAsync(s, report, created);
        }

        report.TokensStored = await CountCardsAsync(s.ConnectionString);
        report.Sealing = await SealingLag.ReadAsync(s.ConnectionString, started);
        BenchProgress.Line?.Dispose();
        report.Print(s);
        return 0;
    }

    private static async Task RunWebhooksAsync(BenchSettings s, BenchReport report, IReadOnlyList<CreatedPayout> created)
    {
        using var webhooks = new WebhookPhase(s.WebhookUrl!, await File.ReadAllTextAsync(s.BankKeyFile!), s.Concurrency);
        report.Add(report.Webhooks = await webhooks.RunAsync($"webhooks, signed, new bytes ({s.Concurrency})",
            s.Concurrency, s.Timing, created, s.WebhookPresign));
    }

    private static TokenizeRequest NewCard() => new() { Pan = ByteString.CopyFrom(SyntheticCards.Pan()) };

    /// <summary>Stored tokens, for the memory target (which is stated for a million of them).</summary>
    private static async Task<long?> CountCardsAsync(string connectionString)
    {
        try
        {
            await using var ds = NpgsqlDataSource.Create(connectionString);
            await using var cmd = ds.CreateCommand("SELECT count(*) FROM cards WHERE deleted_at IS NULL");
            return (long?)await cmd.ExecuteScalarAsync();
        }
        catch (NpgsqlException)
        {
            return null;
        }
    }
}
