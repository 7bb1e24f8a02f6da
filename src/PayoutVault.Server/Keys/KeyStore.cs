using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace PayoutVault.Server.Keys;

/// <summary>The key tables: master key identity, and wrapped data and fingerprint keys.</summary>
public sealed class KeyStore(NpgsqlDataSource dataSource)
{
    public sealed record StoredKey(KeyPurpose Purpose, int Version, byte[] Wrapped, string MasterKeyId, bool Active);

    /// <summary>
    /// Registers the master key on first start and checks it on every later one; creates version 1 of each key
    /// purpose when none exists. Serialised by a transaction-level advisory lock so replicas starting together agree.
    /// </summary>
    public async Task InitializeAsync(MasterKey master, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var lk = new NpgsqlCommand("SELECT pg_advisory_xact_lock(5785384152017913171)", conn, tx))
            await lk.ExecuteNonQueryAsync(ct);

        string? activeId = null, activeKcv = null;
        await using (var cmd = new NpgsqlCommand(
            "SELECT key_id, check_value FROM master_keys WHERE state = 'active'", conn, tx))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            if (await r.ReadAsync(ct)) (activeId, activeKcv) = (r.GetString(0), r.GetString(1));

        if (activeId is null)
        {
            await using var ins = new NpgsqlCommand(
                "INSERT INTO master_keys (key_id, check_value, state) VALUES (@id, @kcv, 'active')", conn, tx);
            ins.Parameters.AddWithValue("id", master.Id);
            ins.Parameters.AddWithValue("kcv", master.CheckValue);
            await ins.ExecuteNonQueryAsync(ct);
        }
        else if (activeId != master.Id)
        {
            throw new KeyConfigurationException(
                $"The configured master key '{master.Id}' is not the active master key '{activeId}'.");
        }
        else if (activeKcv != master.CheckValue)
        {
            throw new KeyConfigurationException(
                $"The configured master key '{master.Id}' has check value {master.CheckValue}, expected {activeKcv}: wrong key material.");
        }

        foreach (var purpose in new[] { KeyPurpose.Data, KeyPurpose.Fingerprint })
        {
            await using var cmd = new NpgsqlCommand(
                "SELECT count(*) FROM key_versions WHERE purpose = @p AND state = 'active'", conn, tx);
            cmd.Parameters.AddWithValue("p", purpose.ToDb());
            if ((long)(await cmd.ExecuteScalarAsync(ct))! == 0)
                await InsertVersionAsync(conn, tx, master, purpose, 1, ct);
        }
        await tx.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<StoredKey>> LoadAllAsync(CancellationToken ct)
    {
        var keys = new List<StoredKey>();
        await using var cmd = dataSource.CreateCommand(
            "SELECT purpose, version, wrapped_key, master_key_id, state = 'active' FROM key_versions ORDER BY purpose, version");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            keys.Add(new StoredKey(KeyPurposeNames.FromDb(r.GetString(0)), r.GetInt32(1),
                r.GetFieldValue<byte[]>(2), r.GetString(3), r.GetBoolean(4)));
        return keys;
    }

    internal static async Task InsertVersionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, MasterKey master,
        KeyPurpose purpose, int version, CancellationToken ct)
    {
        var material = RandomNumberGenerator.GetBytes(32);
        try
        {
            await using var cmd = new NpgsqlCommand("""
                INSERT INTO key_versions (purpose, version, wrapped_key, master_key_id, state)
                VALUES (@p, @v, @w, @m, 'active')
                """, conn, tx);
            cmd.Parameters.AddWithValue("p", purpose.ToDb());
            cmd.Parameters.AddWithValue("v", version);
            cmd.Parameters.AddWithValue("w", master.Wrap(material, WrapContext(purpose, version, master.Id)));
            cmd.Parameters.AddWithValue("m", master.Id);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    /// <summary>Binds a wrapped key to its purpose, version and master key, so a key row moved elsewhere fails.</summary>
    internal static byte[] WrapContext(KeyPurpose purpose, int version, string masterKeyId) =>
        Encoding.UTF8.GetBytes($"payoutvault/key/{purpose.ToDb()}/{version}/{masterKeyId}");
}
