using Npgsql;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Keys;

namespace PayoutVault.Core.Rotation;

/// <summary>Key versions (never key material), the latest rotation of each purpose, and the active master key.</summary>
public sealed record KeyStatusReport(
    IReadOnlyList<KeyStatusReport.Version> Versions, IReadOnlyList<RotationProgress> Rotations,
    string MasterKeyId, string MasterKeyCheckValue)
{
    public sealed record Version(KeyPurpose Purpose, int Number, string State, string MasterKeyId, DateTime CreatedAt);
}

public sealed class KeyStatusReader(NpgsqlDataSource dataSource, AuditLog audit)
{
    /// <summary>Reads the status; the read itself is audited (committed) before the report is returned.</summary>
    public async Task<KeyStatusReport> ReadAsync(AuditContext who, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var versions = new List<KeyStatusReport.Version>();
        await using (var cmd = new NpgsqlCommand(
            "SELECT purpose, version, state, master_key_id, created_at FROM key_versions ORDER BY purpose, version", conn))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                versions.Add(new(KeyPurposeNames.FromDb(r.GetString(0)), r.GetInt32(1), r.GetString(2), r.GetString(3),
                    r.GetDateTime(4)));

        string masterId = "", checkValue = "";
        await using (var cmd = new NpgsqlCommand("SELECT key_id, check_value FROM master_keys WHERE state = 'active'", conn))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            if (await r.ReadAsync(ct)) (masterId, checkValue) = (r.GetString(0), r.GetString(1));

        var rotations = await RotationStore.LatestAsync(conn, null, runningOnly: false, ct);
        await audit.AppendAsync(who.Entry(AuditActions.KeyStatusRead, masterId, "ok"), ct);
        return new KeyStatusReport(versions, rotations, masterId, checkValue);
    }
}
