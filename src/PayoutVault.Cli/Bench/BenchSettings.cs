namespace PayoutVault.Cli.Bench;

/// <summary>The bench's options, read once from the command line.</summary>
internal sealed record BenchSettings
{
    /// <summary>Phase names for --phases, in the order they run.</summary>
    public static readonly string[] AllPhases =
        ["noop", "insert", "rsa", "tokenize", "tokenizebatch", "gettoken", "payouts", "payout1", "webhooks", "fanout"];

    public required string ConnectionString { get; init; }
    public required int Concurrency { get; init; }
    public required BenchTiming Timing { get; init; }
    public required HashSet<string> Phases { get; init; }
    public Uri? WebhookUrl { get; init; }
    public string? BankKeyFile { get; init; }
    public int Subscribers { get; init; } = 1000;
    public int? VaultPid { get; init; }
    public int LoadTokens { get; init; }
    public int LoadConcurrency { get; init; } = 256;
    public TimeSpan SettleTimeout { get; init; } = TimeSpan.FromSeconds(60);
    public int WebhookPresign { get; init; }
    public int BatchStreams { get; init; } = 4;
    public int BatchCardsPerMessage { get; init; } = 500;

    public bool Runs(string phase) => Phases.Contains(phase);

    public static BenchSettings From(CliArgs args)
    {
        var seconds = args.Int("seconds", 10);
        var warmup = args.Int("warmup", 2);
        var phases = args.Optional("phases") is { } list
            ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal)
            : AllPhases.ToHashSet(StringComparer.Ordinal);
        foreach (var p in phases)
            if (!AllPhases.Contains(p)) throw new CliUsageException($"unknown phase '{p}'; phases: {string.Join(',', AllPhases)}");
        var needsWebhook = phases.Contains("webhooks");
        var webhookUrl = args.Optional("webhook-url");
        var bankKey = args.Optional("bank-key");
        if (needsWebhook && (webhookUrl is null || bankKey is null))
            throw new CliUsageException("the webhooks phase needs --webhook-url URL and --bank-key FILE (the bank's private key the vault trusts)");
        if (seconds <= 0 || warmup < 0) throw new CliUsageException("--seconds must be positive and --warmup not negative");
        var pid = args.Optional("vault-pid") is not null ? args.Int("vault-pid", 0) : (int?)null;
        return new BenchSettings
        {
            ConnectionString = args.Required("pg"),
            Concurrency = args.Int("concurrency", 64),
            Timing = new BenchTiming(TimeSpan.FromSeconds(warmup), TimeSpan.FromSeconds(seconds)),
            Phases = phases,
            WebhookUrl = webhookUrl is null ? null : new Uri(webhookUrl),
            BankKeyFile = bankKey,
            Subscribers = args.Int("subscribers", 1000),
            VaultPid = pid,
            LoadTokens = args.Int("load-tokens", 0),
            LoadConcurrency = args.Int("load-concurrency", 256),
            SettleTimeout = TimeSpan.FromSeconds(args.Int("settle-timeout", 60)),
            // Enough pre-signed bodies for about 500 webhooks a second without taking long to sign; more are signed on the
            // fly if the vault is faster (the output says so).
            WebhookPresign = args.Int("webhook-presign", 500 * (seconds + warmup)),
            // A few long streams, as an import runs them; never more than the callers of the other phases.
            BatchStreams = Math.Max(1, args.Int("batch-streams", Math.Min(4, args.Int("concurrency", 64)))),
            BatchCardsPerMessage = Math.Clamp(args.Int("batch-cards", 500), 1, 1000),
        };
    }
}
