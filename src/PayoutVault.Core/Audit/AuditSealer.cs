using Npgsql;
using NpgsqlTypes;

namespace PayoutVault.Core.Audit;

/// <summary>
/// Extends the hash chain over records that have committed unsealed: each gets the next seq, the previous record's
/// hash and its own. Run only by the sequencer (one replica per database, inside its transaction), so positions are
/// contiguous and a record's position is fixed once, in the order the sequencer saw records commit.
/// </summary>
public static class AuditSealer
{
    /// <summary>Seals up to <paramref name="limit"/> committed records; returns how many.</summary>
    public static async Task<int> SealAsync(NpgsqlConnection conn, NpgsqlTransaction tx, int limit, CancellationToken ct)
    {
        var pending = new List<(long Id, DateTime At, AuditEntry Entry)>();
        await using (var cmd = new NpgsqlCommand("""
            SELECT id, occurred_at, caller, action, object_id, outcome, request_id, detail
            FROM audit_log WHERE seq IS NULL ORDER BY id LIMIT @limit
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue("limit", limit);
            await using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                pending.Add((r.GetInt64(0), DateTime.SpecifyKind(r.GetDateTime(1), DateTimeKind.Utc),
                    new AuditEntry(r.GetString(2), r.GetString(3), Str(r, 4), r.GetString(5), Str(r, 6), Str(r, 7))));
        }
        if (pending.Count == 0) return 0;

        long seq = 0;
        var prev = AuditChain.Genesis;
        await using (var head = new NpgsqlCommand(
            "SELECT seq, record_hash FROM audit_log WHERE seq IS NOT NULL ORDER BY seq DESC LIMIT 1", conn, tx))
        await using (var r = await head.ExecuteReaderAsync(ct))
            if (await r.ReadAsync(ct)) (seq, prev) = (r.GetInt64(0), r.GetFieldValue<byte[]>(1));

        var ids = new long[pending.Count];
        var seqs = new long[pending.Count];
        var prevs = new byte[pending.Count][];
        var hashes = new byte[pending.Count][];
        for (var i = 0; i < pending.Count; i++)
        {
            seq++;
            ids[i] = pending[i].Id;
            seqs[i] = seq;
            prevs[i] = prev;
            hashes[i] = prev = AuditChain.Hash(prev, seq, pending[i].At, pending[i].Entry);
        }
        await using (var update = new NpgsqlCommand("""
            UPDATE audit_log a SET seq = u.seq, prev_hash = u.prev, record_hash = u.hash, sealed_at = clock_timestamp()
            FROM unnest(@ids, @seqs, @prevs, @hashes) AS u(id, seq, prev, hash)
            WHERE a.id = u.id AND a.seq IS NULL
            """, conn, tx))
        {
            update.Parameters.AddWithValue("ids", ids);
            update.Parameters.AddWithValue("seqs", seqs);
            update.Parameters.Add(new NpgsqlParameter("prevs", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = prevs });
            update.Parameters.Add(new NpgsqlParameter("hashes", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = hashes });
            var sealedCount = await update.ExecuteNonQueryAsync(ct);
            // Only this transaction seals (the sequencer lock), so every row read above is still unsealed.
            if (sealedCount != pending.Count)
                throw new InvalidOperationException($"Sealed {sealedCount} of {pending.Count} audit records; the batch is rolled back.");
        }
        return pending.Count;
    }

    /// <summary>How many committed records wait for a position (the verifier reports them as the unsealed tail).</summary>
    public static async Task<long> CountUnsealedAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT count(*) FROM audit_log WHERE seq IS NULL");
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
