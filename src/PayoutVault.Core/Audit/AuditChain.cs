using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace PayoutVault.Core.Audit;

/// <summary>
/// The hash-chain rule, shared by the writer and the offline verifier: record_hash = SHA-256(prev_hash || canonical),
/// where canonical is a JSON array of the record's fields in a fixed order with the time in UTC ticks-exact ISO form.
/// </summary>
public static class AuditChain
{
    public static readonly byte[] Genesis = new byte[32];

    public static byte[] Hash(byte[] prevHash, long seq, DateTime occurredAtUtc, AuditEntry e)
    {
        var canonical = Canonical(seq, occurredAtUtc, e);
        var input = new byte[prevHash.Length + canonical.Length];
        prevHash.CopyTo(input, 0);
        canonical.CopyTo(input, prevHash.Length);
        return SHA256.HashData(input);
    }

    public static byte[] Canonical(long seq, DateTime occurredAtUtc, AuditEntry e)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartArray();
            json.WriteNumberValue(seq);
            // PostgreSQL keeps microseconds: truncate so the verifier recomputes from the stored value exactly.
            json.WriteStringValue(Truncate(occurredAtUtc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
            json.WriteStringValue(e.Caller);
            json.WriteStringValue(e.Action);
            json.WriteStringValue(e.ObjectId);
            json.WriteStringValue(e.Outcome);
            json.WriteStringValue(e.RequestId);
            json.WriteStringValue(e.Detail);
            json.WriteEndArray();
        }
        return stream.ToArray();
    }

    public static DateTime Truncate(DateTime t) =>
        new(t.Ticks - t.Ticks % 10, DateTimeKind.Utc);

    /// <summary>What a checkpoint signs: the chain head at seq.</summary>
    public static byte[] CheckpointMessage(long seq, byte[] recordHash, DateTime signedAtUtc) =>
        Encoding.UTF8.GetBytes($"payoutvault-audit-checkpoint|{seq}|{Convert.ToHexString(recordHash)}|" +
            Truncate(signedAtUtc).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
}
