using System.Security.Cryptography;
using Npgsql;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Keys;

namespace PayoutVault.Core.Rotation;

/// <summary>
/// Moves the key hierarchy to a new master key: every key_versions row is unwrapped with the old master key and
/// wrapped with the new one (associated data naming the new key id), the old master key row is retired and the new
/// one registered active with its check value, and the change is audited, all in one transaction. Card ciphertext is
/// untouched: data keys keep their material, only their wrapping changes. Run by `vaultctl keys rewrap`.
/// </summary>
public static class MasterKeyRewrap
{
    public sealed record Result(int KeyVersions, string OldKeyId, string NewKeyId, string NewCheckValue);

    public static async Task<Result> RunAsync(NpgsqlDataSource dataSource, MasterKey oldKey, MasterKey newKey,
        AuditLog audit, AuditContext who, CancellationToken ct)
    {
        if (oldKey.Id == newKey.Id)
            throw new KeyConfigurationException($"The new master key must have a new key id, not '{oldKey.Id}'.");

        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var lk = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({KeyStore.KeyAdminLockKey})", conn, tx))
            await lk.ExecuteNonQueryAsync(ct);

        await CheckMasterKeysAsync(conn, tx, oldKey, newKey, ct);
        await using (var cmd = new NpgsqlCommand("""
            UPDATE master_keys SET state = 'retired' WHERE key_id = @old;
            INSERT INTO master_keys (key_id, check_value, state) VALUES (@new, @kcv, 'active');
            """, conn, tx))
        {
            cmd.Parameters.AddWithValue("old", oldKey.Id);
            cmd.Parameters.AddWithValue("new", newKey.Id);
            cmd.Parameters.AddWithValue("kcv", newKey.CheckValue);
            await cmd.ExecuteNonQueryAsync(ct);
        }

        var rows = new List<(KeyPurpose Purpose, int Version, byte[] Wrapped, string MasterKeyId)>();
        await using (var cmd = new NpgsqlCommand(
            "SELECT purpose, version, wrapped_key, master_key_id FROM key_versions ORDER BY purpose, version FOR UPDATE", conn, tx))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                rows.Add((KeyPurposeNames.FromDb(r.GetString(0)), r.GetInt32(1), r.GetFieldValue<byte[]>(2), r.GetString(3)));

        foreach (var row in rows)
        {
            if (row.MasterKeyId != oldKey.Id)
                throw new KeyConfigurationException(
                    $"{row.Purpose.ToDb()} key version {row.Version} is wrapped by master key '{row.MasterKeyId}', not '{oldKey.Id}'.");
            var material = oldKey.Unwrap(row.Wrapped, KeyStore.WrapContext(row.Purpose, row.Version, oldKey.Id));
            byte[] rewrapped;
            try { rewrapped = newKey.Wrap(material, KeyStore.WrapContext(row.Purpose, row.Version, newKey.Id)); }
            finally { CryptographicOperations.ZeroMemory(material); }

            await using var update = new NpgsqlCommand("""
                UPDATE key_versions SET wrapped_key = @w, master_key_id = @m WHERE purpose = @p AND version = @v
                """, conn, tx);
            update.Parameters.AddWithValue("w", rewrapped);
            update.Parameters.AddWithValue("m", newKey.Id);
            update.Parameters.AddWithValue("p", row.Purpose.ToDb());
            update.Parameters.AddWithValue("v", row.Version);
            await update.ExecuteNonQueryAsync(ct);
        }

        await audit.AppendAsync(conn, tx, [who.Entry(AuditActions.KeyRewrapMaster, newKey.Id,
            "rewrapped", $"{rows.Count} key versions moved from master key {oldKey.Id}; check value {newKey.CheckValue}")], ct);
        await tx.CommitAsync(ct);
        return new Result(rows.Count, oldKey.Id, newKey.Id, newKey.CheckValue);
    }

    /// <summary>The old key must be the active one (id and check value); the new id must never have been used.</summary>
    private static async Task CheckMasterKeysAsync(NpgsqlConnection conn, NpgsqlTransaction tx, MasterKey oldKey,
        MasterKey newKey, CancellationToken ct)
    {
        var registered = new Dictionary<string, (string CheckValue, bool Active)>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand("SELECT key_id, check_value, state = 'active' FROM master_keys FOR UPDATE", conn, tx))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) registered[r.GetString(0)] = (r.GetString(1), r.GetBoolean(2));

        var active = registered.FirstOrDefault(k => k.Value.Active);
        if (active.Key is null) throw new KeyConfigurationException("No active master key is registered: start the vault once first.");
        if (active.Key != oldKey.Id)
            throw new KeyConfigurationException($"The old master key '{oldKey.Id}' is not the active master key '{active.Key}'.");
        if (active.Value.CheckValue != oldKey.CheckValue)
            throw new KeyConfigurationException(
                $"The old master key '{oldKey.Id}' has check value {oldKey.CheckValue}, expected {active.Value.CheckValue}: wrong key material.");
        if (registered.ContainsKey(newKey.Id))
            throw new KeyConfigurationException($"Master key id '{newKey.Id}' was used before; generate a new master key.");
    }
}
