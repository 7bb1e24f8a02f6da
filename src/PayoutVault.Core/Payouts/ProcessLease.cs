using System.Security.Cryptography;
using Npgsql;
using PayoutVault.Core.Logging;
using PayoutVault.Core.Storage;

namespace PayoutVault.Core.Payouts;

/// <summary>
/// This process's identity as a lease holder. At start-up it takes a session advisory lock on a random key (its
/// <see cref="Owner"/>) on a connection of its own and keeps it for life; payouts it claims for sending carry that
/// key in <c>payouts.lease_owner</c>. When the process dies, even by kill -9, PostgreSQL ends its session and the
/// lock with it, so any replica, including this process restarted, can tell its in-flight sends are orphaned and
/// take them over at once (<see cref="PayoutStore.ReleaseDeadLeasesAsync"/>) rather than waiting out the lease.
/// A resend after takeover uses the payout's own idempotency key, so even a wrong verdict (a live process that lost
/// its connection) cannot make a second bank payout.
/// </summary>
public sealed class ProcessLease(SessionDataSource dataSource, ILogger<ProcessLease> logger) : BackgroundService
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(5);

    private NpgsqlConnection? _connection;

    /// <summary>A random positive key, never reused: a restarted process is a new owner.</summary>
    public long Owner { get; } = RandomNumberGenerator.GetInt32(1, int.MaxValue) * (long)int.MaxValue
                                 + RandomNumberGenerator.GetInt32(int.MaxValue);

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Held before the vault serves a call, so no payout is claimed under an owner nobody holds.
        await HoldAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(CheckInterval, stoppingToken);
                await using var cmd = new NpgsqlCommand("SELECT 1", _connection);
                await cmd.ExecuteScalarAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The session (and so the lock) is gone: other replicas may take our in-flight sends over, which the
                // idempotency key makes safe. Hold the key again so new claims are covered.
                VaultLog.ProcessLeaseLost(logger, e.GetType().Name);
                try { await HoldAsync(stoppingToken); }
                catch (Exception again) when (again is not OperationCanceledException) { VaultLog.ProcessLeaseLost(logger, again.GetType().Name); }
            }
        }
    }

    private async Task HoldAsync(CancellationToken ct)
    {
        if (_connection is not null) await _connection.DisposeAsync();
        _connection = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT pg_advisory_lock(@k)", _connection);
        cmd.Parameters.AddWithValue("k", Owner);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        // A pooled connection outlives Dispose, and its session would keep the lock: release it explicitly.
        if (_connection is null) return;
        try
        {
            await using var cmd = new NpgsqlCommand("SELECT pg_advisory_unlock(@k)", _connection);
            cmd.Parameters.AddWithValue("k", Owner);
            await cmd.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The session is gone already, and the lock with it.
        }
        await _connection.DisposeAsync();
        _connection = null;
    }
}
