using System.Security.Cryptography;
using Npgsql;

namespace PayoutVault.Cli.Bench;

/// <summary>
/// What one-commit-per-row storage achieves on this database (pgbench's simple insert, in the vault's row shape):
/// single-row INSERTs, each its own durable commit, into a scratch copy of the cards table with the same indexes,
/// dropped afterwards.
/// </summary>
internal sealed class RawInsertBaseline : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    private RawInsertBaseline(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    public static async Task<RawInsertBaseline> CreateAsync(string connectionString, int concurrency)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.MaxPoolSize = Math.Max(concurrency + 4, 100);
        var ds = builder.Build();
        await using var cmd = ds.CreateCommand("""
            DROP TABLE IF EXISTS bench_raw_cards;
            CREATE TABLE bench_raw_cards (LIKE cards INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
            CREATE UNIQUE INDEX ON bench_raw_cards (fingerprint) WHERE fingerprint IS NOT NULL;
            CREATE INDEX ON bench_raw_cards (data_key_version) WHERE deleted_at IS NULL;
            CREATE INDEX ON bench_raw_cards (fingerprint_version) WHERE deleted_at IS NULL;
            ALTER TABLE bench_raw_cards ADD PRIMARY KEY (token);
            """);
        await cmd.ExecuteNonQueryAsync();
        return new RawInsertBaseline(ds);
    }

    public async Task InsertAsync(int worker)
    {
        await using var cmd = _dataSource.CreateCommand("""
            INSERT INTO bench_raw_cards (token, fingerprint, fingerprint_version, pan_ciphertext, data_key_version,
                                         bin, last4, brand, exp_month, exp_year)
            VALUES (@t, @f, 1, @c, 1, '999999', '0000', 'unknown', NULL, NULL)
            """);
        cmd.Parameters.AddWithValue("t", "tok_" + Core.Tokens.TokenFormat.RandomBase32(26));
        cmd.Parameters.AddWithValue("f", RandomNumberGenerator.GetBytes(32));
        cmd.Parameters.AddWithValue("c", RandomNumberGenerator.GetBytes(44));
        await cmd.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await using (var cmd = _dataSource.CreateCommand("DROP TABLE IF EXISTS bench_raw_cards")) await cmd.ExecuteNonQueryAsync();
        await _dataSource.DisposeAsync();
    }
}
