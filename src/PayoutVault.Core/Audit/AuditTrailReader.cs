using System.Text.Json;
using Npgsql;

namespace PayoutVault.Core.Audit;

/// <summary>
/// Loads the audit trail from the database or from a JSON-lines export, and writes exports. A long trail takes a
/// while: <c>progress</c>, when given, is told the number of records read or written so far (vaultctl draws it).
/// </summary>
public static class AuditTrailReader
{
    /// <summary>How often (in records) progress is reported: often enough to move, rarely enough to cost nothing.</summary>
    private const int ProgressEvery = 10_000;

    public static async Task<AuditTrail> FromDatabaseAsync(string connectionString, CancellationToken ct = default,
        IProgress<long>? progress = null)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        var records = new List<AuditRecord>();
        await using (var cmd = dataSource.CreateCommand("""
            SELECT seq, occurred_at, caller, action, object_id, outcome, request_id, detail, prev_hash, record_hash
            FROM audit_log WHERE seq IS NOT NULL ORDER BY seq
            """))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
            {
                records.Add(new AuditRecord(r.GetInt64(0), DateTime.SpecifyKind(r.GetDateTime(1), DateTimeKind.Utc),
                    new AuditEntry(r.GetString(2), r.GetString(3), Str(r, 4), r.GetString(5), Str(r, 6), Str(r, 7)),
                    r.GetFieldValue<byte[]>(8), r.GetFieldValue<byte[]>(9)));
                if (records.Count % ProgressEvery == 0) progress?.Report(records.Count);
            }
        progress?.Report(records.Count);
        var checkpoints = new List<AuditCheckpoint>();
        await using (var cmd = dataSource.CreateCommand("SELECT seq, record_hash, signed_at, key_id, signature FROM audit_checkpoints ORDER BY seq"))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct))
                checkpoints.Add(new AuditCheckpoint(r.GetInt64(0), r.GetFieldValue<byte[]>(1),
                    DateTime.SpecifyKind(r.GetDateTime(2), DateTimeKind.Utc), r.GetString(3), r.GetFieldValue<byte[]>(4)));
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        await using (var cmd = dataSource.CreateCommand("SELECT key_id, public_key FROM audit_signing_keys"))
        await using (var r = await cmd.ExecuteReaderAsync(ct))
            while (await r.ReadAsync(ct)) keys[r.GetString(0)] = r.GetFieldValue<byte[]>(1);
        return new AuditTrail(records, checkpoints, keys) { Unsealed = await AuditSealer.CountUnsealedAsync(dataSource, ct) };
    }

    public static async Task ExportAsync(AuditTrail trail, string path, CancellationToken ct = default,
        IProgress<long>? progress = null)
    {
        long written = 0;
        await using var writer = new StreamWriter(path);
        foreach (var (id, key) in trail.PublicKeys)
            await writer.WriteLineAsync(JsonSerializer.Serialize(new { type = "key", key_id = id, public_key = Convert.ToHexString(key) }));
        foreach (var r in trail.Records)
        {
            await writer.WriteLineAsync(JsonSerializer.Serialize(new
            {
                type = "record", seq = r.Seq, occurred_at = r.OccurredAt.ToString("O"), caller = r.Entry.Caller, action = r.Entry.Action,
                object_id = r.Entry.ObjectId, outcome = r.Entry.Outcome, request_id = r.Entry.RequestId, detail = r.Entry.Detail,
                prev_hash = Convert.ToHexString(r.PrevHash), record_hash = Convert.ToHexString(r.RecordHash),
            }));
            if (++written % ProgressEvery == 0) progress?.Report(written);
        }
        progress?.Report(written);
        foreach (var c in trail.Checkpoints)
            await writer.WriteLineAsync(JsonSerializer.Serialize(new
            {
                type = "checkpoint", seq = c.Seq, record_hash = Convert.ToHexString(c.RecordHash), signed_at = c.SignedAt.ToString("O"),
                key_id = c.KeyId, signature = Convert.ToHexString(c.Signature),
            }));
    }

    public static async Task<AuditTrail> FromExportAsync(string path, CancellationToken ct = default,
        IProgress<long>? progress = null)
    {
        var records = new List<AuditRecord>();
        var checkpoints = new List<AuditCheckpoint>();
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var line in await File.ReadAllLinesAsync(path, ct))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            switch (e.GetProperty("type").GetString())
            {
                case "key":
                    keys[e.GetProperty("key_id").GetString()!] = Convert.FromHexString(e.GetProperty("public_key").GetString()!);
                    break;
                case "record":
                    records.Add(new AuditRecord(e.GetProperty("seq").GetInt64(), Time(e, "occurred_at"),
                        new AuditEntry(e.GetProperty("caller").GetString()!, e.GetProperty("action").GetString()!,
                            e.GetProperty("object_id").GetString(), e.GetProperty("outcome").GetString()!,
                            e.GetProperty("request_id").GetString(), e.GetProperty("detail").GetString()),
                        Hex(e, "prev_hash"), Hex(e, "record_hash")));
                    if (records.Count % ProgressEvery == 0) progress?.Report(records.Count);
                    break;
                case "checkpoint":
                    checkpoints.Add(new AuditCheckpoint(e.GetProperty("seq").GetInt64(), Hex(e, "record_hash"),
                        Time(e, "signed_at"), e.GetProperty("key_id").GetString()!, Hex(e, "signature")));
                    break;
            }
        }
        progress?.Report(records.Count);
        return new AuditTrail(records, checkpoints, keys);
    }

    private static DateTime Time(JsonElement e, string name) =>
        DateTime.Parse(e.GetProperty(name).GetString()!, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);

    private static byte[] Hex(JsonElement e, string name) => Convert.FromHexString(e.GetProperty(name).GetString()!);

    private static string? Str(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
