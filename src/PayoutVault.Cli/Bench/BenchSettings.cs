namespace PayoutVault.Cli.Bench;

/// <summary>The bench's settings, read once from the command line (<see cref="BenchOptions"/>).</summary>
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
}
