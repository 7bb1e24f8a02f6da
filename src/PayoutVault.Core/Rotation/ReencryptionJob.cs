using Microsoft.Extensions.Options;
using Npgsql;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Keys;
using PayoutVault.Core.Tokens;

namespace PayoutVault.Core.Rotation;

/// <summary>
/// Moves every live card to the active data and fingerprint key versions while a rotation runs. It runs on every
/// replica: each batch locks its rows FOR UPDATE SKIP LOCKED, so replicas share the work without overlap, and it
/// keeps no state of its own (the work left is "live cards whose version is not the active one"), so a restart
/// simply carries on. Between rotations it only polls, and reloads the key ring when another replica rotated.
/// </summary>
public sealed class ReencryptionJob(
    NpgsqlDataSource dataSource, KeyRing ring, CardCrypto crypto, DataKeyBudget budget, AuditLog audit,
    IOptions<RotationOptions> options,
    TimeProvider time, ILogger<ReencryptionJob> logger) : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly TaskCompletionSource _firstPass = new(TaskCreationOptions.RunContinuationsAsynchronously);
    // Cards that failed their integrity check: skipped by this process so they cannot stall every batch. They stay
    // counted as remaining, so the rotation does not report complete while an unreadable card exists.
    private readonly HashSet<string> _unreadable = new(StringComparer.Ordinal);

    private RotationOptions Options => options.Value;

    /// <summary>
    /// Completes once the first pass after start has run (whatever its outcome): from then on this replica looks at
    /// the key versions again only at the next poll or wake-up. Tests wait on it to hold a replica's ring stale.
    /// </summary>
    internal Task FirstPassDone => _firstPass.Task;

    /// <summary>Starts a pass now instead of at the next poll (a rotation was just started on this replica).</summary>
    public void Wake()
    {
        try { _wake.Release(); }
        catch (SemaphoreFullException) { }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PassAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                RotationLog.PassFailed(logger, e.GetType().Name);
            }
            _firstPass.TrySetResult();
            try { await _wake.WaitAsync(Options.PollInterval, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
    }

    /// <summary>One pass: follow versions activated elsewhere; while a rotation runs, move cards batch by batch.</summary>
    internal async Task PassAsync(CancellationToken ct)
    {
        IReadOnlyList<RotationProgress> running;
        await using (var conn = await dataSource.OpenConnectionAsync(ct))
        {
            if (await ActiveVersionsAsync(conn, ct) != RingVersions()) await ReloadRingAsync(ct);
            running = await RotationStore.LatestAsync(conn, null, runningOnly: true, ct);
        }
        // A data key another replica activated gets this replica's first block of encryptions now, not on the first
        // Tokenize that needs it. Outside any transaction: the reservation updates the key's row.
        await EnsureBudgetAsync(1, ct);
        if (running.Count == 0) return;

        while (await MoveBatchAsync(ct) > 0)
            if (Options.BatchDelay > TimeSpan.Zero) await Task.Delay(Options.BatchDelay, time, ct);
        await CompleteFinishedAsync(ct);
    }

    private async Task EnsureBudgetAsync(int count, CancellationToken ct)
    {
        try { await budget.EnsureAsync(ring.ActiveVersion(KeyPurpose.Data), count, ct); }
        catch (Errors.FailedPreconditionException) { } // at its limit: the watcher rotates; the batch reports the refusal
    }

    /// <summary>Re-encrypts (and re-fingerprints) one batch of cards in one transaction; returns how many moved.</summary>
    private async Task<int> MoveBatchAsync(CancellationToken ct)
    {
        await EnsureBudgetAsync(Math.Max(1, Options.BatchSize), ct);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var pinned = await RotationStore.LockActiveVersionsAsync(conn, tx, ct);
        if (pinned != RingVersions())
        {
            await ReloadRingAsync(ct);
            if (pinned != RingVersions()) return 0; // a rotation committed while we waited: next pass
        }

        var rows = new List<(string Token, byte[] Ciphertext, int DataVersion, int FingerprintVersion)>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT token, pan_ciphertext, data_key_version, fingerprint_version FROM cards
            WHERE deleted_at IS NULL AND (data_key_version <> @dv OR fingerprint_version <> @fv) AND token <> ALL(@skip)
            ORDER BY token LIMIT @n
            FOR UPDATE SKIP LOCKED
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue("dv", pinned.Data);
            cmd.Parameters.AddWithValue("fv", pinned.Fingerprint);
            cmd.Parameters.AddWithValue("skip", _unreadable.ToArray());
            cmd.Parameters.AddWithValue("n", Math.Max(1, Options.BatchSize));
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                rows.Add((r.GetString(0), r.GetFieldValue<byte[]>(1), r.GetInt32(2), r.GetInt32(3)));
        }
        if (rows.Count == 0) return 0;
        // Every version the batch reads is loaded before the synchronous decrypts below (a read, no lock taken).
        foreach (var version in rows.Select(r => r.DataVersion).Distinct())
            await ring.EnsureLoadedAsync(KeyPurpose.Data, version, ct);

        var tokens = new List<string>(rows.Count);
        var ciphertexts = new List<byte[]>(rows.Count);
        var fingerprints = new List<byte[]>(rows.Count);
        var bins = new List<string>(rows.Count);
        foreach (var row in rows)
        {
            PanDigits pan;
            try
            {
                pan = crypto.Decrypt(row.Token, row.DataVersion, row.Ciphertext);
            }
            catch (Errors.DataLossException)
            {
                _unreadable.Add(row.Token);
                continue;
            }
            using (pan)
            {
                tokens.Add(row.Token);
                // Fresh nonce and associated data naming the new version; an up-to-date ciphertext is kept as it is.
                ciphertexts.Add(row.DataVersion == pinned.Data
                    ? row.Ciphertext
                    : crypto.Seal(row.Token, pan.Span, pinned.Data).Ciphertext);
                fingerprints.Add(crypto.Fingerprint(pan.Span, pinned.Fingerprint));
                // The display rule by length, re-applied: cards stored before it keep no BIN once they pass through here.
                bins.Add(pan.Bin);
            }
        }

        await using (var update = new NpgsqlCommand("""
            UPDATE cards SET pan_ciphertext = x.c, data_key_version = @dv, fingerprint = x.f, fingerprint_version = @fv,
                             bin = x.b
            FROM unnest(@t, @c, @f, @b) AS x(t, c, f, b)
            WHERE cards.token = x.t;
            UPDATE payouts SET bin = '' FROM unnest(@t, @b) AS x(t, b) WHERE payouts.card_token = x.t AND x.b = '' AND payouts.bin <> '';
            """, conn, tx))
        {
            update.Parameters.AddWithValue("t", tokens.ToArray());
            update.Parameters.AddWithValue("c", ciphertexts.ToArray());
            update.Parameters.AddWithValue("f", fingerprints.ToArray());
            update.Parameters.AddWithValue("b", bins.ToArray());
            update.Parameters.AddWithValue("dv", pinned.Data);
            update.Parameters.AddWithValue("fv", pinned.Fingerprint);
            await update.ExecuteNonQueryAsync(ct);
        }
        await tx.CommitAsync(ct);
        RotationLog.BatchDone(logger, tokens.Count, pinned.Data, pinned.Fingerprint);
        return rows.Count;
    }

    /// <summary>Marks rotations with no card left complete, each with its audit record, exactly once across replicas.</summary>
    private async Task CompleteFinishedAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var candidates = new List<(long Id, KeyPurpose Purpose, int Version, long Total)>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT id, purpose, new_version, rows_total FROM key_rotations WHERE completed_at IS NULL
            ORDER BY id FOR UPDATE SKIP LOCKED
            """, conn, tx))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                candidates.Add((r.GetInt64(0), KeyPurposeNames.FromDb(r.GetString(1)), r.GetInt32(2), r.GetInt64(3)));

        var entries = new List<AuditEntry>();
        foreach (var c in candidates)
        {
            // Stable once zero: the cards INSERT trigger refuses any new row under a retired version.
            if (await RotationStore.RemainingAsync(conn, tx, c.Purpose, c.Version, ct) != 0) continue;
            if (!await RotationStore.CompleteAsync(conn, tx, c.Id, ct)) continue;
            entries.Add(AuditContext.Vault.Entry(AuditActions.KeyRotationCompleted, $"{c.Purpose.ToDb()}/{c.Version}",
                "completed", $"{c.Total} cards re-encrypted"));
            RotationLog.Completed(logger, c.Purpose.ToDb(), c.Version, c.Total);
        }
        await audit.AppendAsync(conn, tx, entries, ct);
        await tx.CommitAsync(ct);
    }

    private (int Data, int Fingerprint) RingVersions() =>
        (ring.ActiveVersion(KeyPurpose.Data), ring.ActiveVersion(KeyPurpose.Fingerprint));

    private async Task ReloadRingAsync(CancellationToken ct)
    {
        await ring.RefreshAsync(ct);
        RotationLog.RingReloaded(logger, ring.ActiveVersion(KeyPurpose.Data), ring.ActiveVersion(KeyPurpose.Fingerprint));
    }

    private static async Task<(int Data, int Fingerprint)> ActiveVersionsAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        int data = 0, fp = 0;
        await using var cmd = new NpgsqlCommand("SELECT purpose, version FROM key_versions WHERE state = 'active'", conn);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            if (KeyPurposeNames.FromDb(r.GetString(0)) == KeyPurpose.Data) data = r.GetInt32(1);
            else fp = r.GetInt32(1);
        }
        return (data, fp);
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
