using Npgsql;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Storage;

/// <summary>
/// Vault:Database:SessionConnectionString carries every connection that keeps state in its PostgreSQL session (the
/// sequencer's leader lock, the process lease, the event feed's LISTEN), so the main connection can go through a
/// transaction-mode pooler, where such state would land on a session the vault does not own. Told apart here by
/// application name, as PostgreSQL itself reports them in pg_locks and pg_stat_activity.
/// </summary>
public sealed class SessionConnectionTests
{
    private const string SessionApp = "pv-session-test";

    [Fact]
    public async Task SessionStateLivesOnTheSessionConnection_AndNoneOnTheMainOne()
    {
        await using var database = await TestDatabase.CreateAsync();
        var session = new NpgsqlConnectionStringBuilder(database.ConnectionString) { ApplicationName = SessionApp };
        await using var vault = await VaultServer.StartAsync(new VaultServerOptions
        {
            Database = database,
            Settings = new Dictionary<string, string> { ["Vault:Database:SessionConnectionString"] = session.ConnectionString },
        });

        // Two advisory locks: the leader lock (this is the only replica, so it leads) and the process lease.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        IReadOnlyList<string> holders;
        while ((holders = await AdvisoryLockHoldersAsync(database.ConnectionString)).Count < 2)
        {
            Assert.True(DateTime.UtcNow < until, "advisory locks held: " + string.Join(", ", holders));
            await Task.Delay(50);
        }
        Assert.All(holders, app => Assert.Equal(SessionApp, app));
        while (await ListenersAsync(database.ConnectionString, SessionApp) == 0)
        {
            Assert.True(DateTime.UtcNow < until, "sessions: " + await Db.ScalarAsync<string>(database.ConnectionString,
                "SELECT string_agg(application_name || ': ' || query, ' | ') FROM pg_stat_activity WHERE datname = current_database()"));
            await Task.Delay(50);
        }
        Assert.Equal(1L, await ListenersAsync(database.ConnectionString, SessionApp));
        Assert.Equal(0L, await Db.ScalarAsync<long>(database.ConnectionString,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'payoutvault' AND query ILIKE 'LISTEN %'"));
    }

    private static async Task<long> ListenersAsync(string connectionString, string app) =>
        await Db.ScalarAsync<long>(connectionString,
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = @app AND query ILIKE 'LISTEN %'",
            ("app", app));

    private static async Task<IReadOnlyList<string>> AdvisoryLockHoldersAsync(string connectionString)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
            WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()
            """, conn);
        var apps = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) apps.Add(reader.GetString(0));
        return apps;
    }
}
