using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Npgsql;
using NSec.Cryptography;
using PayoutVault.Core.Logging;

namespace PayoutVault.Core.Audit;

/// <summary>
/// Signs the chain head with Ed25519 every N records or T seconds. The signing key is generated in memory at start and
/// never stored; its public half goes into audit_signing_keys and the log, so a verifier can pin it. Replicas each
/// sign with their own key; a checkpoint for a seq another replica already signed is skipped.
/// </summary>
public sealed class AuditCheckpointer(
    NpgsqlDataSource dataSource, TimeProvider time, IOptions<AuditOptions> options, ILogger<AuditCheckpointer> logger)
    : BackgroundService
{
    private readonly Key _key = Key.Create(SignatureAlgorithm.Ed25519);
    private string? _keyId;
    private DateTime _lastSigned = DateTime.MinValue;

    public string KeyId => _keyId ??= "ak-" + Convert.ToHexString(SHA256.HashData(PublicKeyBytes))[..16].ToLowerInvariant();

    public byte[] PublicKeyBytes => _key.PublicKey.Export(KeyBlobFormat.RawPublicKey);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SignIfDueAsync(force: false, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                VaultLog.CheckpointFailed(logger, e.GetType().Name);
            }
            try { await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(1000, options.Value.CheckpointInterval.TotalMilliseconds)), time, stoppingToken); }
            catch (OperationCanceledException) { break; }
        }
        // A last checkpoint on the way out, so a clean shutdown leaves the whole trail signed.
        try { await SignIfDueAsync(force: true, CancellationToken.None); }
        catch (Exception e) { VaultLog.CheckpointFailed(logger, e.GetType().Name); }
    }

    /// <summary>Registers this process's public key (idempotent).</summary>
    public async Task RegisterKeyAsync(CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            "INSERT INTO audit_signing_keys (key_id, public_key) VALUES (@id, @pk) ON CONFLICT (key_id) DO NOTHING");
        cmd.Parameters.AddWithValue("id", KeyId);
        cmd.Parameters.AddWithValue("pk", PublicKeyBytes);
        await cmd.ExecuteNonQueryAsync(ct);
        VaultLog.CheckpointKey(logger, KeyId, Convert.ToHexString(PublicKeyBytes));
    }

    /// <summary>Signs the current head when enough records or time have accumulated (or always, when forced).</summary>
    public async Task<long?> SignIfDueAsync(bool force, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        // A forced checkpoint (shutdown, or an operator's request) covers every record committed before it: wait,
        // bounded, for the sequencer to seal them.
        if (force) await WaitSealedAsync(conn, ct);
        long headSeq = 0, lastSigned = 0;
        byte[]? headHash = null;
        await using (var cmd = new NpgsqlCommand("""
            SELECT (SELECT seq FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1),
                   (SELECT record_hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1),
                   (SELECT COALESCE(max(seq), 0) FROM audit_checkpoints)
            """, conn))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
        {
            await r.ReadAsync(ct);
            if (!r.IsDBNull(0)) (headSeq, headHash) = (r.GetInt64(0), r.GetFieldValue<byte[]>(1));
            lastSigned = r.GetInt64(2);
        }
        if (headHash is null || headSeq <= lastSigned) return null;
        var now = AuditChain.Truncate(time.GetUtcNow().UtcDateTime);
        var due = force || headSeq - lastSigned >= options.Value.CheckpointEvery
            || now - _lastSigned >= options.Value.CheckpointInterval;
        if (!due) return null;

        var signature = SignatureAlgorithm.Ed25519.Sign(_key, AuditChain.CheckpointMessage(headSeq, headHash, now));
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO audit_checkpoints (seq, record_hash, signed_at, key_id, signature)
            VALUES (@seq, @hash, @at, @key, @sig) ON CONFLICT (seq) DO NOTHING
            """, conn))
        {
            insert.Parameters.AddWithValue("seq", headSeq);
            insert.Parameters.AddWithValue("hash", headHash);
            insert.Parameters.AddWithValue("at", now);
            insert.Parameters.AddWithValue("key", KeyId);
            insert.Parameters.AddWithValue("sig", signature);
            // Nothing inserted: another replica signed this head first, and anchored it.
            if (await insert.ExecuteNonQueryAsync(ct) == 1) Anchor(new AuditCheckpoint(headSeq, headHash, now, KeyId, signature));
        }
        _lastSigned = now;
        VaultLog.CheckpointSigned(logger, headSeq, KeyId);
        return headSeq;
    }

    /// <summary>
    /// Records the signed head outside the database: in the log stream always, and in the operator's anchor file
    /// when configured. Written after the checkpoint commits, so an anchor never names a head the database lacks. A
    /// failed file write is logged, not retried: the next checkpoint's anchor covers this head too (it extends it).
    /// </summary>
    private void Anchor(AuditCheckpoint checkpoint)
    {
        VaultLog.CheckpointAnchor(logger, checkpoint.Seq, Convert.ToHexString(checkpoint.RecordHash),
            AuditAnchorFile.SignedAtText(checkpoint.SignedAt), checkpoint.KeyId, Convert.ToHexString(checkpoint.Signature));
        if (options.Value.AnchorFile is not { Length: > 0 } path) return;
        try
        {
            AuditAnchorFile.Append(path, checkpoint);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            VaultLog.AnchorWriteFailed(logger, checkpoint.Seq, e.GetType().Name);
        }
    }

    private static async Task WaitSealedAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        await using var last = new NpgsqlCommand("SELECT max(id) FROM audit_log WHERE seq IS NULL", conn);
        if (await last.ExecuteScalarAsync(ct) is not long upTo) return;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (DateTime.UtcNow < until)
        {
            await using var left = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM audit_log WHERE seq IS NULL AND id <= @id)", conn);
            left.Parameters.AddWithValue("id", upTo);
            if (!(bool)(await left.ExecuteScalarAsync(ct))!) return;
            await Task.Delay(10, ct);
        }
    }

    public override void Dispose()
    {
        _key.Dispose();
        base.Dispose();
    }
}
