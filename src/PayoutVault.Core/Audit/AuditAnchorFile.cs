using System.Globalization;
using System.Text;
using System.Text.Json;

namespace PayoutVault.Core.Audit;

/// <summary>
/// Checkpoint heads kept outside the database. A superuser can delete the newest audit records together with their
/// checkpoints and leave a trail that verifies; only a head recorded somewhere the database cannot reach shows what
/// is gone. Each signed checkpoint becomes one JSON line, in the export's checkpoint format (seq, head hash, signing
/// time, key id, signature: no record content), appended and flushed to disk before the next one.
/// </summary>
public static class AuditAnchorFile
{
    private static readonly Lock Gate = new();

    public static string ToJsonLine(AuditCheckpoint c) => JsonSerializer.Serialize(new
    {
        type = "checkpoint",
        seq = c.Seq,
        record_hash = Convert.ToHexString(c.RecordHash),
        signed_at = SignedAtText(c.SignedAt),
        key_id = c.KeyId,
        signature = Convert.ToHexString(c.Signature),
    });

    /// <summary>The signing time as the checkpoint message has it (UTC, microseconds).</summary>
    public static string SignedAtText(DateTime signedAtUtc) =>
        AuditChain.Truncate(signedAtUtc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Appends one line and forces it to disk. Opened per checkpoint (a few per minute at most), so a file that the
    /// operator's shipper rotates or moves is simply created anew.
    /// </summary>
    public static void Append(string path, AuditCheckpoint checkpoint)
    {
        var line = Encoding.UTF8.GetBytes(ToJsonLine(checkpoint) + "\n");
        lock (Gate)
        {
            using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete,
                bufferSize: 0);
            file.Write(line);
            file.Flush(flushToDisk: true);
        }
    }

    /// <summary>Every checkpoint line of an anchor file (or an export: other lines are skipped).</summary>
    /// <exception cref="FormatException">A line is not JSON, or a checkpoint line lacks a field.</exception>
    public static async Task<IReadOnlyList<AuditCheckpoint>> ReadAsync(string path, CancellationToken ct = default)
    {
        var anchors = new List<AuditCheckpoint>();
        var number = 0;
        foreach (var line in await File.ReadAllLinesAsync(path, ct))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var e = doc.RootElement;
                if (e.GetProperty("type").GetString() != "checkpoint") continue;
                anchors.Add(new AuditCheckpoint(e.GetProperty("seq").GetInt64(),
                    Convert.FromHexString(e.GetProperty("record_hash").GetString()!),
                    DateTime.Parse(e.GetProperty("signed_at").GetString()!, CultureInfo.InvariantCulture,
                        DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal),
                    e.GetProperty("key_id").GetString()!,
                    Convert.FromHexString(e.GetProperty("signature").GetString()!)));
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new FormatException($"{path} line {number} is not a checkpoint line ({ex.GetType().Name})");
            }
        }
        return anchors;
    }
}
