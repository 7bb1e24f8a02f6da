using System.Diagnostics;
using System.Security.Cryptography;
using Npgsql;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>
/// A fresh, empty PostgreSQL database (pv_&lt;random&gt;) on the test server, dropped WITH (FORCE) on dispose.
/// The server comes from PAYOUTVAULT_TEST_PG, or else from `.ci/pg-local start` (a throwaway local cluster).
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string ServerEnvironmentVariable = "PAYOUTVAULT_TEST_PG";

    private static readonly Lazy<Task<string>> Server = new(ResolveServerAsync);
    private bool _dropped;

    private TestDatabase(string name, string connectionString, string serverConnectionString)
    {
        Name = name;
        ConnectionString = connectionString;
        ServerConnectionString = serverConnectionString;
    }

    /// <summary>Database name, pv_ followed by 16 hex characters.</summary>
    public string Name { get; }

    /// <summary>Connection string of this database (the same role as the server connection).</summary>
    public string ConnectionString { get; }

    /// <summary>Connection string of the maintenance database on the same server.</summary>
    public string ServerConnectionString { get; }

    public NpgsqlConnectionStringBuilder Settings => new(ConnectionString);

    /// <summary>The test server's connection string, starting the local cluster on first use if needed.</summary>
    public static Task<string> GetServerConnectionStringAsync() => Server.Value;

    public static async Task<TestDatabase> CreateAsync(CancellationToken ct = default)
    {
        var server = await GetServerConnectionStringAsync();
        var name = "pv_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
        await using (var conn = new NpgsqlConnection(server))
        {
            await conn.OpenAsync(ct);
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", conn);
            await cmd.ExecuteNonQueryAsync(ct);
        }
        var builder = new NpgsqlConnectionStringBuilder(server) { Database = name };
        return new TestDatabase(name, builder.ConnectionString, server);
    }

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken ct = default)
    {
        var conn = new NpgsqlConnection(ConnectionString);
        await conn.OpenAsync(ct);
        return conn;
    }

    public async ValueTask DisposeAsync()
    {
        if (_dropped) return;
        _dropped = true;
        NpgsqlConnection.ClearPool(new NpgsqlConnection(ConnectionString));
        await using var conn = new NpgsqlConnection(ServerConnectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private static async Task<string> ResolveServerAsync()
    {
        var fromEnv = Environment.GetEnvironmentVariable(ServerEnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnv)) return fromEnv.Trim();

        var script = Path.Combine(RepoRoot.Path, ".ci", "pg-local");
        var psi = new ProcessStartInfo("bash", [script, "start"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = RepoRoot.Path,
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("Cannot run " + script);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        await process.WaitForExitAsync(timeout.Token);
        var output = await stdout;
        if (process.ExitCode != 0)
            throw new InvalidOperationException($".ci/pg-local start failed ({process.ExitCode}): {await stderr}");
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return line ?? throw new InvalidOperationException(".ci/pg-local start printed no connection string");
    }
}
