using Npgsql;
using PayoutVault.Core.Keys;

namespace PayoutVault.Core.Rotation;

/// <summary>One rotation and how far it got. RowsDone is derived from the cards, never counted by the job.</summary>
public sealed record RotationProgress(
    long Id, KeyPurpose Purpose, int FromVersion, int NewVersion, long RowsTotal, long RowsDone, bool Complete,
    DateTime StartedAt, DateTime? CompletedAt);

/// <summary>SQL for key_rotations and the per-purpose card counts behind progress. Always parameterised.</summary>
internal static class RotationStore
{
    /// <summary>The cards column that holds a purpose's key version (a fixed identifier, never input).</summary>
    public static string VersionColumn(KeyPurpose purpose) =>
        purpose == KeyPurpose.Data ? "data_key_version" : "fingerprint_version";

    /// <summary>Live cards not yet under <paramref name="version"/>: the work left for a rotation to that version.</summary>
    public static async Task<long> RemainingAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, KeyPurpose purpose,
        int version, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            $"SELECT count(*) FROM cards WHERE deleted_at IS NULL AND {VersionColumn(purpose)} <> @v", conn, tx);
        cmd.Parameters.AddWithValue("v", version);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The latest rotation of each purpose (running or not), or only the running ones.</summary>
    public static async Task<IReadOnlyList<RotationProgress>> LatestAsync(NpgsqlConnection conn, NpgsqlTransaction? tx,
        bool runningOnly, CancellationToken ct)
    {
        var rows = new List<(long Id, KeyPurpose Purpose, int From, int New, long Total, DateTime Started, DateTime? Completed)>();
        await using (var cmd = new NpgsqlCommand($"""
            SELECT DISTINCT ON (purpose) id, purpose, from_version, new_version, rows_total, started_at, completed_at
            FROM key_rotations {(runningOnly ? "WHERE completed_at IS NULL" : "")}
            ORDER BY purpose, id DESC
            """, conn, tx))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                rows.Add((r.GetInt64(0), KeyPurposeNames.FromDb(r.GetString(1)), r.GetInt32(2), r.GetInt32(3),
                    r.GetInt64(4), r.GetDateTime(5), r.IsDBNull(6) ? null : r.GetDateTime(6)));

        var result = new List<RotationProgress>(rows.Count);
        foreach (var x in rows)
        {
            // Cards inserted after the start are already under the new version and deleted ones drop out, so the
            // remaining count only falls: done = total - remaining (never below zero).
            var remaining = x.Completed is null ? await RemainingAsync(conn, tx, x.Purpose, x.New, ct) : 0;
            result.Add(new RotationProgress(x.Id, x.Purpose, x.From, x.New, x.Total,
                Math.Max(0, x.Total - remaining), x.Completed is not null, x.Started, x.Completed));
        }
        return result;
    }

    public static async Task<long> InsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, KeyPurpose purpose,
        int fromVersion, int newVersion, long rowsTotal, string startedBy, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO key_rotations (purpose, from_version, new_version, rows_total, started_by)
            VALUES (@p, @f, @n, @t, @b) RETURNING id
            """, conn, tx);
        cmd.Parameters.AddWithValue("p", purpose.ToDb());
        cmd.Parameters.AddWithValue("f", fromVersion);
        cmd.Parameters.AddWithValue("n", newVersion);
        cmd.Parameters.AddWithValue("t", rowsTotal);
        cmd.Parameters.AddWithValue("b", startedBy);
        return (long)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Marks a rotation complete if it still is running; false when another replica got there first.</summary>
    public static async Task<bool> CompleteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, long id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand(
            "UPDATE key_rotations SET completed_at = now() WHERE id = @id AND completed_at IS NULL", conn, tx);
        cmd.Parameters.AddWithValue("id", id);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// The active data and fingerprint versions, locked FOR SHARE for the rest of the transaction: a rotation (which
    /// updates these rows) waits until this transaction ends, so what it writes is under versions still active.
    /// </summary>
    public static async Task<(int Data, int Fingerprint)> LockActiveVersionsAsync(NpgsqlConnection conn,
        NpgsqlTransaction tx, CancellationToken ct)
    {
        int data = 0, fp = 0;
        await using var cmd = new NpgsqlCommand(
            "SELECT purpose, version FROM key_versions WHERE state = 'active' ORDER BY purpose FOR SHARE", conn, tx);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            if (KeyPurposeNames.FromDb(r.GetString(0)) == KeyPurpose.Data) data = r.GetInt32(1);
            else fp = r.GetInt32(1);
        }
        return (data, fp);
    }
}
