using System.Diagnostics;
using Npgsql;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>
/// A real two-node PostgreSQL: a primary of this test's own (<see cref="WebhookPostgresCluster"/>) and a streaming
/// standby made from it with pg_basebackup (<c>.ci/pg-local standby</c>), with the primary's
/// <c>synchronous_standby_names = '*'</c> so every commit waits for the standby. Both are removed on dispose; the
/// cluster every other test shares is not touched.
/// </summary>
public sealed class SyncReplicatedCluster : IAsyncDisposable
{
    private SyncReplicatedCluster(WebhookPostgresCluster primary, int standbyPort)
    {
        Primary = primary;
        StandbyPort = standbyPort;
    }

    public WebhookPostgresCluster Primary { get; }

    public int StandbyPort { get; }

    private string StandbyDirectory => Path.Combine(Path.GetTempPath(), $"payoutvault-pg-standby-{StandbyPort}");

    public static async Task<SyncReplicatedCluster> StartAsync()
    {
        var primary = await WebhookPostgresCluster.StartAsync();
        var cluster = new SyncReplicatedCluster(primary, PayoutEnvironment.FreePort());
        try
        {
            await cluster.PgLocalStandbyAsync("standby");
            await using var conn = new NpgsqlConnection(primary.ServerConnectionString);
            await conn.OpenAsync();
            await Exec(conn, "ALTER SYSTEM SET synchronous_standby_names = '*'");
            await Exec(conn, "SELECT pg_reload_conf()");
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (await Scalar<long>(conn, "SELECT count(*) FROM pg_stat_replication WHERE sync_state = 'sync'") == 0)
            {
                if (DateTime.UtcNow > until) throw new InvalidOperationException("the standby never became synchronous");
                await Task.Delay(100);
            }
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>The same database on the standby (read-only).</summary>
    public string OnStandby(string primaryConnectionString) =>
        new NpgsqlConnectionStringBuilder(primaryConnectionString) { Port = StandbyPort }.ConnectionString;

    public static async Task<T> Scalar<T>(string connectionString, string sql)
    {
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        return await Scalar<T>(conn, sql);
    }

    private static async Task<T> Scalar<T>(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task Exec(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private async Task PgLocalStandbyAsync(string verb)
    {
        var args = new List<string> { Path.Combine(RepoRoot.Path, ".ci", "pg-local"), verb };
        if (verb == "standby") args.Add(Primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var psi = new ProcessStartInfo("bash", args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoRoot.Path,
        };
        psi.Environment["PAYOUTVAULT_PG_PORT"] = StandbyPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["PAYOUTVAULT_PG_DIR"] = StandbyDirectory;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot run .ci/pg-local");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        await stdout;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($".ci/pg-local {verb} (port {StandbyPort}) failed ({process.ExitCode}): {await stderr}");
    }

    public async ValueTask DisposeAsync()
    {
        // The standby first: stopping the primary first would leave it retrying its connection.
        try { await PgLocalStandbyAsync("stop"); }
        catch (InvalidOperationException) { /* best effort */ }
        try { Directory.Delete(StandbyDirectory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        await Primary.DisposeAsync();
    }
}
