using System.Globalization;
using System.Text;
using Npgsql;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>Direct SQL against a test database: counts, tampering, and whole-database text dumps for leak scans.</summary>
public static class Db
{
    public static async Task<int> ExecuteAsync(string connectionString, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = Command(conn, sql, parameters);
        return await cmd.ExecuteNonQueryAsync();
    }

    public static async Task<T?> ScalarAsync<T>(string connectionString, string sql, params (string Name, object? Value)[] parameters)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = Command(conn, sql, parameters);
        var value = await cmd.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)value;
    }

    /// <summary>Rows in a table, optionally filtered by a WHERE clause with parameters.</summary>
    public static async Task<long> CountAsync(string connectionString, string table, string? where = null,
        params (string Name, object? Value)[] parameters) =>
        await ScalarAsync<long>(connectionString,
            $"SELECT count(*) FROM {Quote(table)}" + (where is null ? "" : " WHERE " + where), parameters);

    /// <summary>The tables of the public schema, sorted.</summary>
    public static async Task<IReadOnlyList<string>> TablesAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1", conn);
        var tables = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) tables.Add(r.GetString(0));
        return tables;
    }

    /// <summary>
    /// Every column of every row of every table as text, one line per row: "table: col=value | col=value".
    /// Binary columns are shown as hex (\x...) unless <paramref name="includeBinary"/> is false, which leaves only
    /// the columns stored in clear, the ones a card-number scan must find clean.
    /// </summary>
    public static async Task<string> DumpAllAsync(string connectionString, bool includeBinary = true)
    {
        var sb = new StringBuilder();
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        foreach (var table in await TablesAsync(connectionString))
        {
            await using var cmd = new NpgsqlCommand($"SELECT * FROM {Quote(table)}", conn);
            await using var r = await cmd.ExecuteReaderAsync();
            while (await r.ReadAsync())
            {
                sb.Append(table).Append(':');
                for (var i = 0; i < r.FieldCount; i++)
                {
                    var value = r.IsDBNull(i) ? null : r.GetValue(i);
                    if (value is byte[] && !includeBinary) continue;
                    sb.Append(i == 0 ? " " : " | ").Append(r.GetName(i)).Append('=').Append(Render(value));
                }
                sb.Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// Waits (bounded) until the sequencer has given every committed row of an ordered log (audit_log,
    /// payout_events) its position. Records are durable the moment a call returns; positions follow a few
    /// milliseconds later, so tests that look at positions or hashes read after this. Returns false when rows stay
    /// unsealed (no vault running to seal them).
    /// </summary>
    public static async Task<bool> WaitSealedAsync(string connectionString, string table, TimeSpan? timeout = null)
    {
        var until = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (true)
        {
            if (await CountAsync(connectionString, table, "seq IS NULL") == 0) return true;
            if (DateTime.UtcNow > until) return false;
            await Task.Delay(20);
        }
    }

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Render(object? value) => value switch
    {
        null => "NULL",
        byte[] b => "\\x" + Convert.ToHexString(b).ToLowerInvariant(),
        DateTime dt => dt.ToString("O", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        System.Collections.IEnumerable e when value is not string =>
            "{" + string.Join(",", e.Cast<object?>().Select(Render)) + "}",
        _ => value.ToString() ?? "",
    };

    private static NpgsqlCommand Command(NpgsqlConnection conn, string sql, (string Name, object? Value)[] parameters)
    {
        var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }
}
