using Npgsql;

namespace PayoutVault.Core.Streaming;

/// <summary>
/// Gives committed payout events their stream positions (seq, the subscribers' cursor): the next contiguous numbers
/// after the highest one, in insertion order. Run only by the sequencer, one transaction at a time, so a reader that
/// sees seq N sees every seq below it: max(seq) is a gap-free high-water mark without any lock.
/// </summary>
public static class PayoutEventSealer
{
    /// <summary>Channel the sequencer notifies once per sealed batch; feeds poll as the fallback.</summary>
    public const string Channel = "payout_events";

    /// <summary>Positions up to <paramref name="limit"/> committed events and wakes every feed; returns how many.</summary>
    public static async Task<int> SealAsync(NpgsqlConnection conn, NpgsqlTransaction tx, int limit, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            WITH head AS (SELECT COALESCE(max(seq), 0) AS top FROM payout_events),
                 next AS (SELECT id, row_number() OVER (ORDER BY id) AS n
                          FROM payout_events WHERE seq IS NULL ORDER BY id LIMIT @limit)
            UPDATE payout_events e SET seq = head.top + next.n
            FROM head, next WHERE e.id = next.id
            """, conn, tx);
        cmd.Parameters.AddWithValue("limit", limit);
        var count = await cmd.ExecuteNonQueryAsync(ct);
        if (count > 0)
        {
            // One NOTIFY per batch from one writer: the commit-time NOTIFY lock is never contended.
            await using var notify = new NpgsqlCommand($"NOTIFY {Channel}", conn, tx);
            await notify.ExecuteNonQueryAsync(ct);
        }
        return count;
    }
}
