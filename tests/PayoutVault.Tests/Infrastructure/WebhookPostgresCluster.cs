using System.Diagnostics;
using Npgsql;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>
/// A PostgreSQL cluster of a test's own (via <c>.ci/pg-local</c> with its own port and folder), so the test can stop
/// and start it without touching the cluster every other test shares. Removed on dispose.
/// </summary>
public sealed class WebhookPostgresCluster : IAsyncDisposable
{
    private WebhookPostgresCluster(int port, string directory)
    {
        Port = port;
        Directory = directory;
    }

    public int Port { get; }

    public string Directory { get; }

    /// <summary>Connection string of the maintenance database.</summary>
    public string ServerConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres";

    public static async Task<WebhookPostgresCluster> StartAsync()
    {
        var port = PayoutEnvironment.FreePort();
        var cluster = new WebhookPostgresCluster(port, Path.Combine(Path.GetTempPath(), $"payoutvault-pg-{port}"));
        try
        {
            await cluster.RunAsync("start");
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Creates a fresh database on this cluster and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "pv_" + WebhookTestKit.RandomLetters(16);
        await using (var conn = new NpgsqlConnection(ServerConnectionString))
        {
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = name }.ConnectionString;
    }

    public Task StartServerAsync() => RunAsync("start");

    public Task StopServerAsync() => RunAsync("stop");

    private async Task RunAsync(string verb)
    {
        var psi = new ProcessStartInfo("bash", [Path.Combine(RepoRoot.Path, ".ci", "pg-local"), verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoRoot.Path,
        };
        psi.Environment["PAYOUTVAULT_PG_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["PAYOUTVAULT_PG_DIR"] = Directory;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot run .ci/pg-local");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        await stdout;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($".ci/pg-local {verb} (port {Port}) failed ({process.ExitCode}): {await stderr}");
    }

    public async ValueTask DisposeAsync()
    {
        try { await StopServerAsync(); }
        catch (InvalidOperationException) { /* best effort */ }
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
