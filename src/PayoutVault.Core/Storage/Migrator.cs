using System.Reflection;
using Npgsql;

namespace PayoutVault.Core.Storage;

/// <summary>
/// Applies the embedded, numbered SQL migrations in order. The whole run holds a session-level advisory lock, so two
/// replicas starting at once apply each migration exactly once: the second waits, then finds nothing left to do.
/// </summary>
public sealed class Migrator(string connectionString)
{
    // Arbitrary but fixed: every vault replica must use the same lock key.
    private const long AdvisoryLockKey = 0x5041_594F_5554_5631; // "PAYOUTV1"

    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken ct)
    {
        var applied = new List<string>();
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        await Exec(conn, "SELECT pg_advisory_lock(@k)", ct, AdvisoryLockKey);
        try
        {
            // Checked rather than CREATE ... IF NOT EXISTS, which needs CREATE rights even when the table exists:
            // an up-to-date database can then be opened by a role with no DDL rights at all.
            await using (var exists = new NpgsqlCommand("SELECT to_regclass('schema_migrations') IS NOT NULL", conn))
                if (!(bool)(await exists.ExecuteScalarAsync(ct))!)
                    await Exec(conn, """
                        CREATE TABLE schema_migrations (
                            version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                        """, ct);
            var done = new HashSet<int>();
            await using (var cmd = new NpgsqlCommand("SELECT version FROM schema_migrations", conn))
            await using (var reader = await cmd.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct)) done.Add(reader.GetInt32(0));

            foreach (var (version, name, sql) in LoadMigrations())
            {
                if (done.Contains(version)) continue;
                await using var tx = await conn.BeginTransactionAsync(ct);
                await using (var cmd = new NpgsqlCommand(sql, conn, tx)) await cmd.ExecuteNonQueryAsync(ct);
                await using (var cmd = new NpgsqlCommand(
                    "INSERT INTO schema_migrations (version, name) VALUES (@v, @n)", conn, tx))
                {
                    cmd.Parameters.AddWithValue("v", version);
                    cmd.Parameters.AddWithValue("n", name);
                    await cmd.ExecuteNonQueryAsync(ct);
                }
                await tx.CommitAsync(ct);
                applied.Add(name);
            }
        }
        finally
        {
            await Exec(conn, "SELECT pg_advisory_unlock(@k)", CancellationToken.None, AdvisoryLockKey);
        }
        return applied;
    }

    internal static IEnumerable<(int Version, string Name, string Sql)> LoadMigrations()
    {
        var asm = Assembly.GetExecutingAssembly();
        const string marker = ".Storage.Migrations.";
        var names = asm.GetManifestResourceNames()
            .Where(n => n.Contains(marker, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => (Resource: n, File: n[(n.IndexOf(marker, StringComparison.Ordinal) + marker.Length)..]))
            .OrderBy(x => x.File, StringComparer.Ordinal);
        foreach (var (resource, file) in names)
        {
            // Embedded resource names replace a leading digit with '_': "001_x.sql" becomes "_001_x.sql".
            var trimmed = file.TrimStart('_');
            var version = int.Parse(trimmed[..trimmed.IndexOf('_', StringComparison.Ordinal)],
                System.Globalization.CultureInfo.InvariantCulture);
            using var stream = asm.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            yield return (version, trimmed, reader.ReadToEnd());
        }
    }

    private static async Task Exec(NpgsqlConnection conn, string sql, CancellationToken ct, long? key = null)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        if (key is { } k) cmd.Parameters.AddWithValue("k", k);
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
