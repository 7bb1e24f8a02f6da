using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace PayoutVault.Core.Keys;

/// <summary>The key tables: master key identity, and wrapped data and fingerprint keys.</summary>
public sealed class KeyStore(NpgsqlDataSource dataSource, PreviousMasterKeys? previous = null)
{
    /// <summary>Serialises start-up initialisation, rotations and master-key re-wraps across replicas and vaultctl.</summary>
    internal const long KeyAdminLockKey = 5785384152017913171;

    public sealed record StoredKey(KeyPurpose Purpose, int Version, byte[] Wrapped, string MasterKeyId, bool Active);

    /// <summary>
    /// Registers the master key on first start and checks it on every later one; creates version 1 of each key
    /// purpose when none exists. Serialised by a transaction-level advisory lock so replicas starting together agree.
    /// During a master-key switch the active master key may be one of the previous keys instead (see
    /// <see cref="PreviousMasterKeys"/>); a key whose id is known but whose check value differs always fails.
    /// </summary>
    public async Task InitializeAsync(IMasterKey master, CancellationToken ct)
    {
        var configured = MasterKeyLookup.All(master, previous);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var lk = new NpgsqlCommand($"SELECT pg_advisory_xact_lock({KeyAdminLockKey})", conn, tx))
            await lk.ExecuteNonQueryAsync(ct);

        string? activeId = null;
        var registered = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand("SELECT key_id, check_value, state = 'active' FROM master_keys", conn, tx))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                registered[r.GetString(0)] = r.GetString(1);
                if (r.GetBoolean(2)) activeId = r.GetString(0);
            }

        foreach (var key in configured)
            if (registered.TryGetValue(key.Id, out var kcv) && kcv != key.CheckValue)
                throw new KeyConfigurationException(
                    $"The configured master key '{key.Id}' has check value {key.CheckValue}, expected {kcv}: wrong key material.");

        if (activeId is null)
        {
            await using var ins = new NpgsqlCommand(
                "INSERT INTO master_keys (key_id, check_value, state) VALUES (@id, @kcv, 'active')", conn, tx);
            ins.Parameters.AddWithValue("id", master.Id);
            ins.Parameters.AddWithValue("kcv", master.CheckValue);
            await ins.ExecuteNonQueryAsync(ct);
            activeId = master.Id;
        }
        var wrapping = configured.Find(activeId) ?? throw new KeyConfigurationException(
            $"The configured master key '{master.Id}' is not the active master key '{activeId}'"
            + (configured.Count > 1 ? ", and neither is any key in " + PreviousMasterKeys.ConfigurationKey + "." : "."));

        foreach (var purpose in new[] { KeyPurpose.Data, KeyPurpose.Fingerprint })
        {
            await using var cmd = new NpgsqlCommand(
                "SELECT count(*) FROM key_versions WHERE purpose = @p AND state = 'active'", conn, tx);
            cmd.Parameters.AddWithValue("p", purpose.ToDb());
            if ((long)(await cmd.ExecuteScalarAsync(ct))! == 0)
                await InsertVersionAsync(conn, tx, wrapping, purpose, 1, ct);
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

    internal static async Task InsertVersionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IMasterKey master,
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
