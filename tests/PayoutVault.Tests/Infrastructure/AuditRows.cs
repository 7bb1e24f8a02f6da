using System.Text;
using Npgsql;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>One stored audit record, as the tests read it back. Seq is 0 while the record waits to be sealed.</summary>
public sealed record AuditRow(long Seq, DateTime OccurredAt, string Caller, string Action, string? ObjectId, string Outcome,
    string? RequestId, string? Detail)
{
    public override string ToString() =>
        $"#{Seq} {OccurredAt:O} caller={Caller} action={Action} object={ObjectId} outcome={Outcome} request={RequestId} detail={Detail}";
}

/// <summary>Reads audit_log rows straight from a test database.</summary>
public static class AuditRows
{
    /// <summary>
    /// Rows in seq order, then the committed records not sealed yet (Seq 0) in the order they were written,
    /// optionally filtered by a WHERE clause with parameters.
    /// </summary>
    public static async Task<IReadOnlyList<AuditRow>> ReadAsync(string connectionString, string? where = null,
        params (string Name, object? Value)[] parameters)
    {
        await Db.WaitSealedAsync(connectionString, "audit_log", TimeSpan.FromSeconds(5));
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT COALESCE(seq, 0), occurred_at, caller, action, object_id, outcome, request_id, detail FROM audit_log"
            + (where is null ? "" : " WHERE " + where) + " ORDER BY seq NULLS LAST, id", conn);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        var rows = new List<AuditRow>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            rows.Add(new AuditRow(r.GetInt64(0), r.GetDateTime(1), r.GetString(2), r.GetString(3), Str(r, 4), r.GetString(5),
                Str(r, 6), Str(r, 7)));
        return rows;
    }

    /// <summary>Rows of one action (and, when given, one caller and one object).</summary>
    public static Task<IReadOnlyList<AuditRow>> ForAsync(string connectionString, string action, string? caller = null,
        string? objectId = null) =>
        ReadAsync(connectionString,
            "action = @action" + (caller is null ? "" : " AND caller = @caller") + (objectId is null ? "" : " AND object_id = @object"),
            ("action", action), ("caller", caller), ("object", objectId));

    /// <summary>The highest seq, 0 when the trail is empty.</summary>
    public static async Task<long> HeadAsync(string connectionString)
    {
        await Db.WaitSealedAsync(connectionString, "audit_log", TimeSpan.FromSeconds(5));
        return await Db.ScalarAsync<long>(connectionString, "SELECT COALESCE(max(seq), 0) FROM audit_log");
    }

    /// <summary>Every row (hashes included, as hex) as text, for card-number scans.</summary>
    public static async Task<string> TextAsync(string connectionString)
    {
        var sb = new StringBuilder();
        foreach (var line in (await Db.DumpAllAsync(connectionString)).Split('\n'))
            if (line.StartsWith("audit_", StringComparison.Ordinal)) sb.Append(line).Append('\n');
        return sb.ToString();
    }

    /// <summary>A readable listing for assertion messages.</summary>
    public static string Describe(IEnumerable<AuditRow> rows) => string.Join('\n', rows.Select(r => r.ToString()));

    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
