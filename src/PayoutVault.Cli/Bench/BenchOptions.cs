using System.CommandLine;
using PayoutVault.Cli.CommandLine;

namespace PayoutVault.Cli.Bench;

/// <summary>`vaultctl bench`'s command-line options, each typed and checked before any phase starts.</summary>
internal sealed class BenchOptions
{
    public VaultConnection Connection { get; } = new();

    private readonly Option<string> _pg = CliOptions.Text("--pg",
        "PostgreSQL connection string of the vault's database (raw INSERT baseline, token count, sealing lag).", "CONNSTR", required: true);
    private readonly Option<Uri> _webhookUrl = CliOptions.Url("--webhook-url",
        "The vault's webhook listener, e.g. http://HOST:PORT/webhooks/bank131 (needed by the webhooks phase).");
    private readonly Option<string> _bankKey = CliOptions.ExistingFile("--bank-key",
        "PEM private key of the bank, which the vault trusts for webhooks (needed by the webhooks phase).");
    private readonly Option<int> _concurrency = CliOptions.Int("--concurrency", "Concurrent callers in each phase.", 64);
    private readonly Option<int> _seconds = CliOptions.Int("--seconds", "Measured seconds per phase.", 10);
    private readonly Option<int> _warmup = CliOptions.Int("--warmup", "Warm-up seconds before each phase's measurement.", 2, min: 0);
    private readonly Option<int> _subscribers = CliOptions.Int("--subscribers", "WatchPayouts subscribers in the fan-out phase.", 1000);
    private readonly Option<int?> _vaultPid = CliOptions.OptionalInt("--vault-pid", "The vault's process id, to sample its memory during fan-out.");
    private readonly Option<int> _loadTokens = CliOptions.Int("--load-tokens", "Tokenize N cards before the phases (the memory target is stated for a million).", 0, min: 0);
    private readonly Option<int> _loadConcurrency = CliOptions.Int("--load-concurrency", "Callers for --load-tokens.", 256);
    private readonly Option<int> _settleTimeout = CliOptions.Int("--settle-timeout", "Seconds to wait for created payouts to reach a final state.", 60);
    private readonly Option<int?> _webhookPresign = CliOptions.OptionalInt("--webhook-presign",
        "Webhook bodies signed before the webhooks phase (default: 500 per second of warm-up and phase).", min: 0);
    private readonly Option<int?> _batchStreams = CliOptions.OptionalInt("--batch-streams",
        "TokenizeBatch streams in the tokenizebatch phase (default: 4, at most --concurrency).");
    private readonly Option<int> _batchCards = CliOptions.Int("--batch-cards",
        "Cards per TokenizeBatch message in the tokenizebatch phase (the vault takes at most 1,000).", 500);
    private readonly Option<string[]> _phases = CliOptions.OneOfList("--phases", "Phases to run, comma-separated, in their fixed order.", BenchSettings.AllPhases);

    public void AddTo(Command command)
    {
        Connection.AddTo(command);
        foreach (var option in new Option[]
        {
            _pg, _webhookUrl, _bankKey, _concurrency, _seconds, _warmup, _subscribers, _vaultPid, _loadTokens, _loadConcurrency,
            _settleTimeout, _webhookPresign, _batchStreams, _batchCards, _phases,
        })
            command.Add(option);
        command.Validators.Add(r =>
        {
            var phases = CliOptions.ValidValue(r, _phases) ?? BenchSettings.AllPhases;
            if (phases.Contains("webhooks") && (r.GetResult(_webhookUrl) is null || r.GetResult(_bankKey) is null))
                r.AddError("the webhooks phase needs --webhook-url URL and --bank-key FILE (the bank's private key the vault trusts); "
                    + "or leave it out of --phases");
            if (CliOptions.ValidValue(r, _batchCards) > 1000)
                r.AddError("--batch-cards must be at most 1000, the vault's limit for one TokenizeBatch message");
        });
    }

    public BenchSettings Read(ParseResult parse)
    {
        var seconds = parse.GetValue(_seconds);
        var warmup = parse.GetValue(_warmup);
        return new BenchSettings
        {
            ConnectionString = parse.GetValue(_pg)!,
            Concurrency = parse.GetValue(_concurrency),
            Timing = new BenchTiming(TimeSpan.FromSeconds(warmup), TimeSpan.FromSeconds(seconds)),
            Phases = (parse.GetValue(_phases) ?? BenchSettings.AllPhases).ToHashSet(StringComparer.Ordinal),
            WebhookUrl = parse.GetValue(_webhookUrl),
            BankKeyFile = parse.GetValue(_bankKey),
            Subscribers = parse.GetValue(_subscribers),
            VaultPid = parse.GetValue(_vaultPid),
            LoadTokens = parse.GetValue(_loadTokens),
            LoadConcurrency = parse.GetValue(_loadConcurrency),
            SettleTimeout = TimeSpan.FromSeconds(parse.GetValue(_settleTimeout)),
            // Enough pre-signed bodies for about 500 webhooks a second without taking long to sign; more are signed on the
            // fly if the vault is faster (the output says so).
            WebhookPresign = parse.GetValue(_webhookPresign) ?? 500 * (seconds + warmup),
            // A few long streams, as an import runs them; never more than the callers of the other phases.
            BatchStreams = parse.GetValue(_batchStreams) ?? Math.Min(4, parse.GetValue(_concurrency)),
            BatchCardsPerMessage = parse.GetValue(_batchCards),
        };
    }
}
