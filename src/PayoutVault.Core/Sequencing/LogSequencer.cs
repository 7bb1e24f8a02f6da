using System.Diagnostics;
using Microsoft.Extensions.Options;
using Npgsql;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Logging;
using PayoutVault.Core.Storage;
using PayoutVault.Core.Streaming;
using PayoutVault.Core.Telemetry;

namespace PayoutVault.Core.Sequencing;

/// <summary>
/// The one writer of log positions, per database. Every replica runs this; the one that holds a session advisory
/// lock on a dedicated connection is the leader and seals both ordered logs (payout events first, since subscribers
/// wait on them, then the audit chain) in short transactions of its own. Writers never touch the lock. If the leader
/// dies, PostgreSQL ends its session, the lock is free, and another replica takes over within LeaderRetryInterval;
/// rows committed meanwhile simply wait unsealed, durable, and are sealed by the next leader.
/// </summary>
/// <remarks>Modelled on a transparency log's sequencer (Trillian): unordered leaves in, positions assigned in batches.</remarks>
public sealed class LogSequencer(
    SessionDataSource dataSource, IOptions<SequencerOptions> options, ILogger<LogSequencer> logger) : BackgroundService
{
    public const long LeaderLockKey = 0x5041_5953_4551_4E43; // "PAYSEQNC"

    private volatile bool _leader;

    /// <summary>Whether this replica currently seals the logs.</summary>
    public bool IsLeader => _leader;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var finalPassDone = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            NpgsqlConnection? conn = null;
            try
            {
                conn = await dataSource.OpenConnectionAsync(stoppingToken);
                if (!await TryLeadAsync(conn, stoppingToken))
                {
                    await Task.Delay(options.Value.LeaderRetryInterval, stoppingToken);
                    continue;
                }
                _leader = true;
                VaultLog.SequencerLeading(logger);
                await LeadAsync(conn, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Stopping: seal what this replica's last calls wrote (the stop record among it) before letting go.
                if (_leader && conn is not null) await FinalPassAsync(conn);
                else await FinalPassIfFreeAsync();
                finalPassDone = true;
            }
            catch (Exception e)
            {
                VaultLog.SequencerFailed(logger, e.GetType().Name);
                try { await Task.Delay(options.Value.LeaderRetryInterval, stoppingToken); }
                catch (OperationCanceledException) { }
            }
            finally
            {
                _leader = false;
                if (conn is not null) await ReleaseAsync(conn);
            }
        }
        if (!finalPassDone) await FinalPassIfFreeAsync();
    }

    private static async Task<bool> TryLeadAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"SELECT pg_try_advisory_lock({LeaderLockKey})", conn);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private async Task LeadAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        while (true)
        {
            var full = await SealOnceAsync(conn, ct);
            if (!full) await Task.Delay(options.Value.PollInterval, ct);
        }
    }

    /// <summary>One pass over both logs; true when a log had more waiting than one batch.</summary>
    private async Task<bool> SealOnceAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        var limit = options.Value.BatchSize;
        var started = Stopwatch.GetTimestamp();
        int events, records;
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            events = await PayoutEventSealer.SealAsync(conn, tx, limit, ct);
            await tx.CommitAsync(ct);
        }
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            records = await AuditSealer.SealAsync(conn, tx, limit, ct);
            await tx.CommitAsync(ct);
        }
        if (events + records > 0)
        {
            VaultTelemetry.SealedRows.Add(events, VaultTelemetry.Tag("log", "payout_events"));
            VaultTelemetry.SealedRows.Add(records, VaultTelemetry.Tag("log", "audit_log"));
            VaultTelemetry.SealDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        return events == limit || records == limit;
    }

    /// <summary>
    /// A replica stopping before it ever led (a short-lived process, or one that lost the race) still seals its last
    /// records when no other replica leads; if one does, that leader seals them.
    /// </summary>
    private async Task FinalPassIfFreeAsync()
    {
        NpgsqlConnection? conn = null;
        try
        {
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            conn = await dataSource.OpenConnectionAsync(bounded.Token);
            if (await TryLeadAsync(conn, bounded.Token)) await FinalPassAsync(conn);
        }
        catch (Exception e)
        {
            VaultLog.SequencerFailed(logger, e.GetType().Name);
        }
        finally
        {
            if (conn is not null) await ReleaseAsync(conn);
        }
    }

    private async Task FinalPassAsync(NpgsqlConnection conn)
    {
        try
        {
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            while (await SealOnceAsync(conn, bounded.Token)) { }
        }
        catch (Exception e)
        {
            VaultLog.SequencerFailed(logger, e.GetType().Name);
        }
    }

    private static async Task ReleaseAsync(NpgsqlConnection conn)
    {
        // A pooled connection would keep the session lock while idle; unlock explicitly. A broken connection is not
        // reused by the pool, and its server session (with the lock) is gone already.
        try
        {
            if (conn.State == System.Data.ConnectionState.Open)
            {
                await using var cmd = new NpgsqlCommand($"SELECT pg_advisory_unlock_all()", conn);
                await cmd.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
        catch (Exception)
        {
            // Nothing more to do: the connection is dropped below either way.
        }
        await conn.DisposeAsync();
    }
}
