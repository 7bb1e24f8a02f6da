using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Retention;
using PayoutVault.Tests.Infrastructure;
using PayoutVault.Tests.Rotation;

namespace PayoutVault.Tests.Retention;

/// <summary>
/// PCI DSS 3.2.1: cards past the retention period are crypto-shredded with an audit record each, cards used recently
/// or still needed by an open payout are kept, and `vaultctl retention report` shows what is overdue. The purge runs
/// here on a clock the test moves; card ages are set in the database, as the passing of a year would.
/// </summary>
public sealed class RetentionPurgeTests : IAsyncLifetime
{
    private static readonly TimeSpan Period = TimeSpan.FromDays(395);
    private PayoutEnvironment _env = null!;

    public async Task InitializeAsync() => _env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions
    {
        // This vault's own sweep is off: its first sweep could otherwise land after a test has aged the rows, and
        // every purge here must be the one the test runs (or, in the sweep test, the second replica's).
        Settings = new Dictionary<string, string> { ["Vault:Retention:Enabled"] = "false" },
    });

    public async Task DisposeAsync() => await _env.DisposeAsync();

    private RetentionPurgeJob Job(TimeProvider clock, int batchSize = 500) => new(
        _env.Vault.GetRequiredService<NpgsqlDataSource>(), _env.Vault.GetRequiredService<AuditLog>(),
        Microsoft.Extensions.Options.Options.Create(new RetentionOptions { CardsUnusedFor = Period, BatchSize = batchSize }),
        clock, NullLogger<RetentionPurgeJob>.Instance);

    /// <summary>Moves every card's creation back, as if it had been tokenized that long ago.</summary>
    private Task AgeAllCardsAsync(TimeSpan by) => Db.ExecuteAsync(_env.Vault.ConnectionString,
        "UPDATE cards SET created_at = created_at - @by", ("by", by));

    private Task<long> LiveAsync(string token) => Db.CountAsync(_env.Vault.ConnectionString, "cards",
        "token = @t AND pan_ciphertext IS NOT NULL AND fingerprint IS NOT NULL AND deleted_at IS NULL", ("t", token));

    private Task<long> ShreddedAsync(string token) => Db.CountAsync(_env.Vault.ConnectionString, "cards",
        "token = @t AND pan_ciphertext IS NULL AND fingerprint IS NULL AND fingerprint_version IS NULL AND data_key_version IS NULL AND deleted_at IS NOT NULL",
        ("t", token));

    private Task<long> PurgeRecordsAsync(string? token = null) => Db.CountAsync(_env.Vault.ConnectionString, "audit_log",
        "action = 'token.purge' AND caller = 'vault' AND outcome = 'crypto_shredded'" + (token is null ? "" : " AND object_id = @t"),
        ("t", token));

    /// <summary>A payout row whose outcome is open (the bank has not answered), left alone by the reconciler for now.</summary>
    private async Task<string> OpenPayoutAsync(string token, string templatePayoutId)
    {
        var payoutId = "pay_" + PayoutVault.Core.Tokens.TokenFormat.RandomBase32(26);
        await Db.ExecuteAsync(_env.Vault.ConnectionString, """
            INSERT INTO payouts (payout_id, caller, idempotency_key, request_hash, card_token, bin, last4, brand,
                                 amount_minor, currency, recipient, metadata, state, send_attempts, next_check_at)
            SELECT @id, caller, @key, request_hash, @token, bin, last4, brand, amount_minor, currency,
                   recipient, metadata, 'unknown', 1, now() + interval '1 day'
            FROM payouts WHERE payout_id = @template
            """, ("id", payoutId), ("key", "open-" + payoutId), ("token", token), ("template", templatePayoutId));
        return payoutId;
    }

    [Fact]
    public async Task Purge_ShredsCardsPastTheRetentionPeriod_KeepsRecentlyUsedAndHeldCards_AndAuditsEachOne()
    {
        var stale = await _env.TokenizeAsync(TestCards.Visa);
        var stale2 = await _env.TokenizeAsync(TestCards.Mastercard);
        var used = await _env.TokenizeAsync(TestCards.Mir);
        var held = await _env.TokenizeAsync(TestCards.Amex);
        var payout = await _env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(used));
        await _env.WaitForAsync(payout.PayoutId, p => p.State == PayoutState.Succeeded);
        var openPayout = await OpenPayoutAsync(held, payout.PayoutId);
        // A year and more later: every card was created 400 days ago; only `used` was paid out to since (just now).
        await AgeAllCardsAsync(TimeSpan.FromDays(400));

        var before = await RetentionCli.ReportAsync(_env.Vault.ConnectionString);
        Assert.Equal(1, before.ExitCode);
        Assert.Equal(2, before.Count("overdue"));
        Assert.Equal(1, before.Count("held by open payouts"));

        var clock = new ManualClock(DateTimeOffset.UtcNow);
        Assert.Equal(2, await Job(clock).PurgeAsync(CancellationToken.None));

        foreach (var token in new[] { stale, stale2 })
        {
            Assert.Equal(1, await ShreddedAsync(token));
            Assert.Equal(1, await PurgeRecordsAsync(token));
            await RpcErrors.ExpectAsync(StatusCode.NotFound,
                () => _env.Tokens.GetTokenAsync(new GetTokenRequest { Token = token }).ResponseAsync);
        }
        Assert.Equal(1, await LiveAsync(used));
        Assert.Equal(1, await LiveAsync(held));
        Assert.Equal(2, await PurgeRecordsAsync());

        // The fingerprint went with the card: the same number tokenized again is a new card under a new token.
        var again = await _env.Tokens.TokenizeAsync(new TokenizeRequest { Pan = Google.Protobuf.ByteString.CopyFromUtf8(TestCards.Visa) });
        Assert.True(again.Created);
        Assert.NotEqual(stale, again.Card.Token);

        var after = await RetentionCli.ReportAsync(_env.Vault.ConnectionString);
        Assert.True(after.ExitCode == 0, after.Output);
        Assert.Equal(0, after.Count("overdue"));
        Assert.Equal(1, after.Count("held by open payouts"));
        Assert.Equal(3, after.Count("live cards"));

        // Thirteen months on, the card paid out to today is past the period too; the held one still waits.
        clock.Now += Period + TimeSpan.FromDays(1);
        Assert.Equal(2, await Job(clock).PurgeAsync(CancellationToken.None)); // `used` and the re-tokenized card
        Assert.Equal(1, await ShreddedAsync(used));
        Assert.Equal(1, await LiveAsync(held));

        // Once its payout settles, nothing holds it back.
        await Db.ExecuteAsync(_env.Vault.ConnectionString, "UPDATE payouts SET state = 'failed' WHERE payout_id = @p", ("p", openPayout));
        Assert.Equal(1, await Job(clock).PurgeAsync(CancellationToken.None));
        Assert.Equal(1, await ShreddedAsync(held));
        Assert.Equal(0, await Job(clock).PurgeAsync(CancellationToken.None));

        var verdict = await AuditCli.VerifyAsync(_env.Vault.ConnectionString);
        Assert.True(verdict.ExitCode == 0, verdict.ToString());
    }

    [Fact]
    public async Task TwoReplicasPurgingAtOnce_ShredEachCardOnce_WithOneAuditRecordEach()
    {
        var tokens = (await RotationKit.SeedAsync(_env.Vault, Enumerable.Range(0, 240).Select(_ => SyntheticCards.Next()))).Keys.ToList();
        await AgeAllCardsAsync(TimeSpan.FromDays(400));
        var clock = new ManualClock(DateTimeOffset.UtcNow);

        var counts = await Task.WhenAll(Job(clock, batchSize: 25).PurgeAsync(CancellationToken.None),
                                        Job(clock, batchSize: 25).PurgeAsync(CancellationToken.None));

        Assert.Equal(tokens.Count, counts.Sum());
        Assert.Equal(tokens.Count, await Db.CountAsync(_env.Vault.ConnectionString, "cards", "deleted_at IS NOT NULL AND pan_ciphertext IS NULL"));
        Assert.Equal(tokens.Count, await PurgeRecordsAsync());
        Assert.Equal(tokens.Count, await Db.ScalarAsync<long>(_env.Vault.ConnectionString,
            "SELECT count(DISTINCT object_id) FROM audit_log WHERE action = 'token.purge'"));
        var verdict = await AuditCli.VerifyAsync(_env.Vault.ConnectionString);
        Assert.True(verdict.ExitCode == 0, verdict.ToString());
    }

    [Fact]
    public async Task TheVaultsOwnSweep_PurgesOverdueCards_WithoutBeingAsked()
    {
        // A second replica on the same database with a short sweep: the hosted job does the work on its own.
        var token = await _env.TokenizeAsync(TestCards.Discover);
        await AgeAllCardsAsync(TimeSpan.FromDays(400));
        await using var replica = await VaultServer.StartAsync(new VaultServerOptions
        {
            Database = _env.Vault.Database,
            MasterKeyFile = _env.Vault.MasterKeyFile,
            Settings = new Dictionary<string, string> { ["Vault:Retention:SweepInterval"] = "00:00:01" },
        });

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        // The log line follows the commit, so wait for both.
        while ((await ShreddedAsync(token) == 0 || !replica.Logs.Entries.Any(e => e.EventId.Id == 1700))
               && DateTime.UtcNow < deadline)
            await Task.Delay(100);

        Assert.Equal(1, await ShreddedAsync(token));
        Assert.Equal(1, await PurgeRecordsAsync(token));
        Assert.Contains(replica.Logs.Entries, e => e.EventId.Id == 1700);
        // The first vault, with the purge switched off, said so and shredded nothing.
        Assert.Contains(_env.Vault.Logs.Entries, e => e.EventId.Id == 1702);
        Assert.DoesNotContain(_env.Vault.Logs.Entries, e => e.EventId.Id == 1700);
    }

    [Theory]
    [InlineData("Vault:Retention:CardsUnusedFor", "00:00:00", "CardsUnusedFor")]
    [InlineData("Vault:Retention:CardsUnusedFor", "-1.00:00:00", "CardsUnusedFor")]
    [InlineData("Vault:Retention:SweepInterval", "00:00:00", "SweepInterval")]
    [InlineData("Vault:Retention:SweepInterval", "30.00:00:00", "SweepInterval")]
    [InlineData("Vault:Retention:BatchSize", "0", "BatchSize")]
    public async Task BadRetentionSettings_FailStart_NamingTheKey(string key, string value, string named)
    {
        var error = await VaultServer.StartExpectingFailureAsync(new VaultServerOptions
        {
            Settings = new Dictionary<string, string> { [key] = value },
        });

        Assert.Contains("Vault:Retention:" + named, error.ToString(), StringComparison.Ordinal);
    }
}

/// <summary>A clock that stands still until the test moves it.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = start;

    public override DateTimeOffset GetUtcNow() => Now;
}
