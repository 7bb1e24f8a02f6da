using System.Globalization;
using Microsoft.Extensions.Options;
using Npgsql;
using PayoutVault.Core.Audit;

namespace PayoutVault.Core.Retention;

/// <summary>
/// PCI DSS 3.2.1 on every replica: every sweep interval, crypto-shred the live cards whose last activity is older than
/// the retention period, each with a <c>token.purge</c> audit record in the same transaction. Cards a payout with an
/// open outcome still needs are left until it settles. The job keeps no state: "what is overdue" is read from the
/// cards each time, so a restart or a second replica simply carries on.
/// </summary>
public sealed class RetentionPurgeJob(
    NpgsqlDataSource dataSource, AuditLog audit, IOptions<RetentionOptions> options, TimeProvider time,
    ILogger<RetentionPurgeJob> logger) : BackgroundService
{
    private RetentionOptions Options => options.Value;

    /// <summary>The moment before which a card's last activity makes it overdue, by the vault's clock.</summary>
    public DateTime Cutoff => time.GetUtcNow().UtcDateTime - Options.CardsUnusedFor;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Options.Enabled)
        {
            RetentionLog.Disabled(logger);
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PurgeAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The next sweep retries; a purge that keeps failing shows as overdue cards in the report.
                RetentionLog.SweepFailed(logger, e.GetType().Name);
            }
            try { await Task.Delay(Options.SweepInterval, time, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    /// <summary>One sweep: shreds overdue cards batch by batch until none is left; returns how many it shredded.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var cutoff = Cutoff;
        var days = ((int)Options.CardsUnusedFor.TotalDays).ToString(CultureInfo.InvariantCulture);
        var total = 0;
        while (true)
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            var purged = await RetentionStore.PurgeBatchAsync(conn, tx, cutoff, Options.BatchSize, ct);
            if (purged.Count == 0) return total;
            await audit.AppendAsync(conn, tx, purged.Select(p => AuditContext.Vault.Entry(
                AuditActions.TokenPurge, p.Token, "crypto_shredded",
                $"retention {days} days; last activity {p.LastActivity.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)}")).ToList(), ct);
            await tx.CommitAsync(ct);
            total += purged.Count;
            RetentionLog.Purged(logger, purged.Count, days);
        }
    }
}

/// <summary>Log lines of the retention purge, event ids 1700-1799: counts and type names only.</summary>
internal static partial class RetentionLog
{
    [LoggerMessage(1700, LogLevel.Information, "Retention purge crypto-shredded {Count} cards unused for more than {Days} days")]
    public static partial void Purged(ILogger logger, int count, string days);

    [LoggerMessage(1701, LogLevel.Warning, "Retention sweep failed, retrying at the next sweep: {ErrorType}")]
    public static partial void SweepFailed(ILogger logger, string errorType);

    [LoggerMessage(1702, LogLevel.Warning, "Retention purge is disabled (Vault:Retention:Enabled=false): cards are kept until deleted")]
    public static partial void Disabled(ILogger logger);
}
