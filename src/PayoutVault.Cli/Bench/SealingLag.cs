using Npgsql;

namespace PayoutVault.Cli.Bench;

/// <summary>
/// How long audit records waited to be sealed into the hash chain during the run: sealed_at (the sequencer's clock at
/// sealing) minus occurred_at (taken when the record was built, just before its transaction commits), so it slightly
/// over-states commit-to-sealed. Read from the database after the phases; null when it cannot be read.
/// </summary>
internal sealed record SealingLag(long Sealed, long Unsealed, double P50Ms, double P99Ms, double MaxMs)
{
    public static async Task<SealingLag?> ReadAsync(string connectionString, DateTime since)
    {
        try
        {
            await using var ds = NpgsqlDataSource.Create(connectionString);
            await using var cmd = ds.CreateCommand("""
                SELECT count(*) FILTER (WHERE seq IS NOT NULL), count(*) FILTER (WHERE seq IS NULL),
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms),
                       max(ms)
                FROM (SELECT seq, extract(epoch FROM sealed_at - occurred_at) * 1000 AS ms
                      FROM audit_log WHERE occurred_at >= @since) t
                """);
            cmd.Parameters.AddWithValue("since", since);
            await using var r = await cmd.ExecuteReaderAsync();
            await r.ReadAsync();
            return r.IsDBNull(2) ? null : new SealingLag(r.GetInt64(0), r.GetInt64(1), r.GetDouble(2), r.GetDouble(3), r.GetDouble(4));
        }
        catch (NpgsqlException)
        {
            return null;
        }
    }
}
