using Microsoft.Extensions.Logging;
using Npgsql;
using PayoutVault.Core.Storage;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Hosting;

/// <summary>
/// The vault refuses a database whose commits a failover could lose (a committed payout row missing after failover
/// lets a retry pay twice), unless the development switch Vault:Database:AllowSingleNode is set. The refusals run on
/// the shared single-node test cluster; the acceptance runs on a real primary with a real synchronous standby of this
/// class's own, because neither synchronous_standby_names (a server-wide, reload-only setting) nor a standby can be
/// faked per database or per session without the check reading something other than what the server does.
/// </summary>
public sealed class SynchronousReplicationTests(SynchronousReplicationTests.ReplicatedDatabase replicated)
    : IClassFixture<SynchronousReplicationTests.ReplicatedDatabase>
{
    private const int VerifiedEventId = 1010;
    private const int SingleNodeAllowedEventId = 1011;

    private static readonly Dictionary<string, string> Production = new() { ["Vault:Database:AllowSingleNode"] = "false" };

    /// <summary>A primary with a synchronous standby, and one database on it, for the whole class.</summary>
    public sealed class ReplicatedDatabase : IAsyncLifetime
    {
        public SyncReplicatedCluster Cluster { get; private set; } = null!;
        public string ConnectionString { get; private set; } = "";

        public async Task InitializeAsync()
        {
            Cluster = await SyncReplicatedCluster.StartAsync();
            ConnectionString = await Cluster.Primary.CreateDatabaseAsync();
        }

        public async Task DisposeAsync()
        {
            if (Cluster is not null) await Cluster.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("on", "*", true)]
    [InlineData("remote_apply", "ANY 1 (a, b)", true)]
    [InlineData("ON", "FIRST 1 (a)", true)]
    [InlineData("remote_write", "*", false)]
    [InlineData("local", "*", false)]
    [InlineData("off", "*", false)]
    [InlineData("on", "", false)]
    [InlineData("remote_apply", " ", false)]
    public void OnlyASynchronousStandbyAtOnOrRemoteApply_IsSafeAgainstFailover(string commit, string standbys, bool safe)
    {
        var settings = new ReplicationSettings(commit, standbys, 0);

        Assert.Equal(safe, settings.Problem is null);
        if (!safe)
            Assert.Contains("Vault:Database:AllowSingleNode", SynchronousReplication.RefusalMessage("Vault:Database:ConnectionString", settings),
                StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_OnASingleNodeDatabase_IsRefused_NamingTheSwitch_AndWritesNothing()
    {
        await using var database = await TestDatabase.CreateAsync();

        var error = await VaultServer.StartExpectingFailureAsync(new VaultServerOptions { Database = database, Settings = Production });

        var refused = Assert.IsType<ReplicationRefusedException>(error);
        Assert.Contains("Vault:Database:ConnectionString", refused.Message, StringComparison.Ordinal);
        Assert.Contains("synchronous_standby_names is empty", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Vault:Database:AllowSingleNode=true", refused.Message, StringComparison.Ordinal);
        // Refused before the migrations: the database is as empty as it was.
        Assert.Equal(0L, await Db.ScalarAsync<long>(database.ConnectionString,
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"));
    }

    [Fact]
    public async Task Start_OnASingleNodeDatabase_WithAllowSingleNode_Starts_AndSaysSoInAWarning()
    {
        await using var vault = await VaultServer.StartAsync(); // the test default sets Vault:Database:AllowSingleNode=true

        var warning = Assert.Single(vault.Logs.Entries, e => e.EventId.Id == SingleNodeAllowedEventId);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Contains("synchronous_standby_names is empty", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restart_WithoutTheSwitch_OnADatabaseTheVaultRanOn_IsRefused_AndAudited()
    {
        await using var first = await VaultServer.StartAsync();
        await first.StopAsync();

        var error = await VaultServer.StartExpectingFailureAsync(new VaultServerOptions
        {
            Database = first.Database, MasterKeyFile = first.MasterKeyFile, Settings = Production,
        });

        Assert.IsType<ReplicationRefusedException>(error);
        var row = Assert.Single(await AuditRows.ForAsync(first.ConnectionString, "vault.replication_refused", caller: "vault"));
        Assert.Equal("refused", row.Outcome);
        Assert.Contains("synchronous_standby_names=''", row.Detail ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_OnAPrimaryWithASynchronousStandby_Starts_AndItsCommitsReachTheStandby()
    {
        await using var vault = await VaultServer.StartAsync(new VaultServerOptions
        {
            Settings = new Dictionary<string, string>(Production) { ["Vault:Database:ConnectionString"] = replicated.ConnectionString },
        });

        var verified = Assert.Single(vault.Logs.Entries, e => e.EventId.Id == VerifiedEventId);
        Assert.Contains("synchronous_commit=on, synchronous_standby_names='*'", verified.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(vault.Logs.Entries, e => e.EventId.Id == SingleNodeAllowedEventId);

        var token = (await vault.Tokens.TokenizeAsync(TestCards.Mastercard, TokenRequests.FutureExpiry())).Card.Token;
        // Flushed on the standby before the reply; applied (visible to a query there) a moment later.
        var standby = replicated.Cluster.OnStandby(replicated.ConnectionString);
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (await CountOnStandbyAsync(standby, token) == 0)
        {
            Assert.True(DateTime.UtcNow < until, "the tokenized card never appeared on the standby");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Start_WhenTheVaultsLoginCommitsOnlyLocally_IsRefused_NamingTheLevel()
    {
        // synchronous_commit is a per-session setting (a role, a database or the connection may lower it), and the
        // vault reads it on its own connection: this one lowers it through the connection's startup options.
        var local = new NpgsqlConnectionStringBuilder(replicated.ConnectionString) { Options = "-c synchronous_commit=local" };

        var error = await VaultServer.StartExpectingFailureAsync(new VaultServerOptions
        {
            Settings = new Dictionary<string, string>(Production) { ["Vault:Database:ConnectionString"] = local.ConnectionString },
        });

        var refused = Assert.IsType<ReplicationRefusedException>(error);
        Assert.Contains("synchronous_commit is 'local'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SessionConnectionString_IsCheckedToo_WhenItIsSeparate()
    {
        var remoteWrite = new NpgsqlConnectionStringBuilder(replicated.ConnectionString) { Options = "-c synchronous_commit=remote_write" };

        var error = await VaultServer.StartExpectingFailureAsync(new VaultServerOptions
        {
            Settings = new Dictionary<string, string>(Production)
            {
                ["Vault:Database:ConnectionString"] = replicated.ConnectionString,
                ["Vault:Database:SessionConnectionString"] = remoteWrite.ConnectionString,
            },
        });

        var refused = Assert.IsType<ReplicationRefusedException>(error);
        Assert.StartsWith("Vault:Database:SessionConnectionString", refused.Message, StringComparison.Ordinal);
        Assert.Contains("synchronous_commit is 'remote_write'", refused.Message, StringComparison.Ordinal);
    }

    private static async Task<long> CountOnStandbyAsync(string standby, string token)
    {
        await using var conn = new NpgsqlConnection(standby);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT count(*) FROM cards WHERE token = @t", conn);
        cmd.Parameters.AddWithValue("t", token);
        return (long)(await cmd.ExecuteScalarAsync())!;
    }
}
