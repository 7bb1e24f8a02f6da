using Npgsql;
using NpgsqlTypes;

namespace PayoutVault.Core.Tokens;

/// <summary>SQL for the cards table. Every statement is parameterised; no value is ever spliced into SQL text.</summary>
public sealed class CardStore(NpgsqlDataSource dataSource)
{
    private const string Columns = "token, bin, last4, brand, exp_month, exp_year, created_at, last_used_at";

    /// <summary>
    /// Stores a batch of new cards in the caller's transaction and returns, per fingerprint (hex), the live card that
    /// now owns it and whether this batch inserted it. The unique fingerprint index decides every race.
    /// </summary>
    internal static async Task<Dictionary<string, (CardRecord Card, bool Created)>> InsertBatchAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<NewCard> cards, CancellationToken ct)
    {
        var result = new Dictionary<string, (CardRecord, bool)>(StringComparer.Ordinal);
        var pending = new List<NewCard>();

        // During a fingerprint-key rotation an existing card may still carry an older-version fingerprint.
        var older = cards.SelectMany(c => c.OtherFingerprints).ToArray();
        var existingOld = older.Length == 0 ? [] : await FindByFingerprintsAsync(conn, tx, older, ct);
        foreach (var c in cards)
        {
            var hit = c.OtherFingerprints.Select(f => Convert.ToHexString(f))
                .FirstOrDefault(existingOld.ContainsKey);
            if (hit is not null) result[Convert.ToHexString(c.Fingerprint)] = (existingOld[hit], false);
            else pending.Add(c);
        }
        if (pending.Count == 0) return result;

        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand($"""
            INSERT INTO cards (token, fingerprint, fingerprint_version, pan_ciphertext, data_key_version,
                               bin, last4, brand, exp_month, exp_year)
            SELECT t, f, fv, c, dv, b, l, br, em::smallint, ey::smallint
            FROM unnest(@t, @f, @fv, @c, @dv, @b, @l, @br, @em, @ey) AS x(t, f, fv, c, dv, b, l, br, em, ey)
            ON CONFLICT (fingerprint) WHERE fingerprint IS NOT NULL DO NOTHING
            RETURNING token
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue("t", pending.Select(c => c.Token).ToArray());
            cmd.Parameters.AddWithValue("f", pending.Select(c => c.Fingerprint).ToArray());
            cmd.Parameters.AddWithValue("fv", pending.Select(c => c.FingerprintVersion).ToArray());
            cmd.Parameters.AddWithValue("c", pending.Select(c => c.Ciphertext).ToArray());
            cmd.Parameters.AddWithValue("dv", pending.Select(c => c.DataKeyVersion).ToArray());
            cmd.Parameters.AddWithValue("b", pending.Select(c => c.Bin).ToArray());
            cmd.Parameters.AddWithValue("l", pending.Select(c => c.Last4).ToArray());
            cmd.Parameters.AddWithValue("br", pending.Select(c => c.Brand).ToArray());
            cmd.Parameters.Add(new NpgsqlParameter("em", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = pending.Select(c => c.ExpMonth).ToArray() });
            cmd.Parameters.Add(new NpgsqlParameter("ey", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = pending.Select(c => c.ExpYear).ToArray() });
            await using var reader = await cmd.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) inserted.Add(reader.GetString(0));
        }

        var owners = await FindByFingerprintsAsync(conn, tx, pending.Select(c => c.Fingerprint).ToArray(), ct);
        foreach (var c in pending)
        {
            var fp = Convert.ToHexString(c.Fingerprint);
            if (owners.TryGetValue(fp, out var owner))
                result[fp] = (owner, inserted.Contains(owner.Token));
        }
        return result;
    }

    private static async Task<Dictionary<string, CardRecord>> FindByFingerprintsAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, byte[][] fingerprints, CancellationToken ct)
    {
        var found = new Dictionary<string, CardRecord>(StringComparer.Ordinal);
        await using var cmd = new NpgsqlCommand(
            $"SELECT fingerprint, {Columns} FROM cards WHERE fingerprint = ANY(@f)", conn, tx);
        cmd.Parameters.AddWithValue("f", fingerprints);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            found[Convert.ToHexString(reader.GetFieldValue<byte[]>(0))] = ReadCard(reader, 1);
        return found;
    }

    public async Task<CardRecord?> GetAsync(string token, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand($"SELECT {Columns} FROM cards WHERE token = @t AND deleted_at IS NULL");
        cmd.Parameters.AddWithValue("t", token);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadCard(reader, 0) : null;
    }

    /// <summary>The sealed card number and its key version, for decryption in memory.</summary>
    public async Task<(CardRecord Card, byte[] Ciphertext, int DataKeyVersion)?> GetSealedAsync(string token, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand(
            $"SELECT {Columns}, pan_ciphertext, data_key_version FROM cards WHERE token = @t AND deleted_at IS NULL");
        cmd.Parameters.AddWithValue("t", token);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return (ReadCard(reader, 0), reader.GetFieldValue<byte[]>(8), reader.GetInt32(9));
    }

    /// <summary>
    /// Crypto-shreds a card: the ciphertext and fingerprint are erased, the row stays as a tombstone so the token is
    /// never reissued and audit records still resolve. Returns the deletion time, or null when not live.
    /// </summary>
    /// <summary>
    /// The crypto-shred, as the SET list of an UPDATE of cards: ciphertext, fingerprint and key versions go, the row
    /// stays as a tombstone. DeleteToken and the retention purge both shred with exactly this.
    /// </summary>
    internal const string ShredAssignments =
        "pan_ciphertext = NULL, fingerprint = NULL, fingerprint_version = NULL, data_key_version = NULL, deleted_at = now()";

    public async Task<DateTime?> DeleteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string token, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand($"""
            UPDATE cards SET {ShredAssignments}
            WHERE token = @t AND deleted_at IS NULL
            RETURNING deleted_at
            """, conn, tx);
        cmd.Parameters.AddWithValue("t", token);
        var value = await cmd.ExecuteScalarAsync(ct);
        return value is DateTime dt ? dt : null;
    }

    public NpgsqlDataSource DataSource => dataSource;

    internal static CardRecord ReadCard(NpgsqlDataReader r, int o) => new(
        r.GetString(o), r.GetString(o + 1), r.GetString(o + 2), r.GetString(o + 3),
        r.IsDBNull(o + 4) ? null : r.GetInt16(o + 4), r.IsDBNull(o + 5) ? null : r.GetInt16(o + 5),
        r.GetDateTime(o + 6), r.IsDBNull(o + 7) ? null : r.GetDateTime(o + 7));
}
