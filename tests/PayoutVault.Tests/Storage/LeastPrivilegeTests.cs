using Npgsql;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Storage;

/// <summary>
/// PCI DSS 7.2.5: the vault runs as a login role that is only a member of payoutvault_app (no DDL, no UPDATE or
/// DELETE on the audit trail); the schema owner's connection is used for migrations alone.
/// </summary>
public sealed class LeastPrivilegeTests
{
    [Fact]
    public async Task Vault_RunsAsApplicationRole_WithMigrationsAppliedByTheOwner()
    {
        await using var db = await TestDatabase.CreateAsync();
        var role = "pv_app_" + Guid.NewGuid().ToString("N")[..8];
        await Db.ExecuteAsync(db.ConnectionString, $"CREATE ROLE {role} LOGIN IN ROLE payoutvault_app");
        try
        {
            var appConnection = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = role }.ConnectionString;
            await using var env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions
            {
                Database = db,
                Settings = new Dictionary<string, string>
                {
                    ["Vault:Database:ConnectionString"] = appConnection,
                    ["Vault:Database:MigrationConnectionString"] = db.ConnectionString,
                },
            });

            var token = await env.TokenizeAsync();
            var payout = await env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token));
            var done = await env.WaitForAsync(payout.PayoutId, p => p.State == PayoutState.Succeeded);
            Assert.Equal(PayoutState.Succeeded, done.State);

            await using var conn = new NpgsqlConnection(appConnection);
            await conn.OpenAsync();
            var denied = await Assert.ThrowsAsync<PostgresException>(async () =>
            {
                await using var cmd = new NpgsqlCommand("UPDATE audit_log SET outcome = 'x' WHERE seq = 1", conn);
                await cmd.ExecuteNonQueryAsync();
            });
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, denied.SqlState);
            var noDdl = await Assert.ThrowsAsync<PostgresException>(async () =>
            {
                await using var cmd = new NpgsqlCommand("CREATE TABLE sneaky (x int)", conn);
                await cmd.ExecuteNonQueryAsync();
            });
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, noDdl.SqlState);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Db.ExecuteAsync(db.ConnectionString, $"DROP OWNED BY {role}; DROP ROLE {role}");
        }
    }
}
