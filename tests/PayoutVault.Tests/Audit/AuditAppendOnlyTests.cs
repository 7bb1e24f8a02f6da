using System.Security.Cryptography;
using Npgsql;
using PayoutVault.Core.Audit;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Audit;

/// <summary>
/// Audit records are append-only in the database itself (PCI DSS 10.3.2, 7.2.5): the table owner is stopped by
/// triggers, and the application role (payoutvault_app) has no UPDATE, DELETE or TRUNCATE privilege on the audit
/// tables at all, while it can still append and read audit records and work with cards.
/// </summary>
public sealed class AuditAppendOnlyTests : IAsyncLifetime
{
    private VaultServer _vault = null!;
    private string _appRole = "";

    private string Owner => _vault.ConnectionString;

    public async Task InitializeAsync()
    {
        _vault = await VaultServer.StartAsync();
        await _vault.Tokens.TokenizeAsync(TestCards.Visa);
        await _vault.GetRequiredService<AuditCheckpointer>().SignIfDueAsync(force: true, CancellationToken.None);
        _appRole = "pv_app_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(6)).ToLowerInvariant();
        await Db.ExecuteAsync(Owner, $"CREATE ROLE {_appRole} LOGIN IN ROLE payoutvault_app");
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_appRole.Length > 0) await Db.ExecuteAsync(Owner, $"DROP ROLE IF EXISTS {_appRole}");
        }
        finally
        {
            await _vault.DisposeAsync();
        }
    }

    private string App => new NpgsqlConnectionStringBuilder(_vault.ConnectionString) { Username = _appRole, Password = null, Pooling = false }.ConnectionString;

    [Theory]
    [InlineData("UPDATE audit_log SET outcome = 'ok'")]
    [InlineData("UPDATE audit_log SET record_hash = prev_hash WHERE seq = 1")]
    [InlineData("DELETE FROM audit_log")]
    [InlineData("DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log)")]
    [InlineData("TRUNCATE audit_log CASCADE")]
    [InlineData("UPDATE audit_checkpoints SET signature = signature")]
    [InlineData("DELETE FROM audit_checkpoints")]
    public async Task TheOwner_CannotChangeOrRemoveAuditRecords(string sql)
    {
        var before = await SnapshotAsync();

        var ex = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(Owner, sql));

        Assert.Equal("42501", ex.SqlState);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Theory]
    [InlineData("UPDATE audit_log SET outcome = 'ok'")]
    [InlineData("DELETE FROM audit_log")]
    [InlineData("TRUNCATE audit_log")]
    [InlineData("UPDATE audit_checkpoints SET signature = signature")]
    [InlineData("DELETE FROM audit_checkpoints")]
    [InlineData("TRUNCATE audit_checkpoints")]
    [InlineData("UPDATE audit_signing_keys SET public_key = public_key")]
    [InlineData("DELETE FROM audit_signing_keys")]
    [InlineData("ALTER TABLE audit_log DISABLE TRIGGER USER")]
    [InlineData("DROP TRIGGER audit_log_append_only ON audit_log")]
    public async Task TheApplicationRole_IsRefused_PermissionDenied(string sql)
    {
        var before = await SnapshotAsync();

        var ex = await Assert.ThrowsAsync<PostgresException>(() => Db.ExecuteAsync(App, sql));

        Assert.Equal("42501", ex.SqlState);
        Assert.Equal(before, await SnapshotAsync());
    }

    [Fact]
    public async Task TheApplicationRole_CanAppendAndReadAuditRecords_AndUseCards()
    {
        await using var conn = new NpgsqlConnection(App);
        await conn.OpenAsync();
        Assert.Equal(_appRole, await Scalar<string>(conn, null, "SELECT current_user"));
        Assert.True(await Scalar<long>(conn, null, "SELECT count(*) FROM audit_log") > 0);
        Assert.True(await Scalar<long>(conn, null, "SELECT count(*) FROM audit_checkpoints") > 0);
        Assert.True(await Scalar<long>(conn, null, "SELECT count(*) FROM cards") > 0);

        await using var tx = await conn.BeginTransactionAsync();
        var inserted = await Exec(conn, tx, """
            INSERT INTO audit_log (seq, occurred_at, caller, action, object_id, outcome, request_id, detail, prev_hash, record_hash)
            SELECT max(seq) + 1, now(), 'test', 'test.append', NULL, 'ok', NULL, NULL, '\x00'::bytea, '\x00'::bytea FROM audit_log
            """);
        Assert.Equal(1, inserted);
        var card = await Exec(conn, tx, """
            INSERT INTO cards (token, bin, last4, brand, deleted_at)
            VALUES ('tok_aaaaaaaaaaaaaaaaaaaaaaaaaa', '424242', '4242', 'visa', now())
            """);
        Assert.Equal(1, card);
        await tx.RollbackAsync();
    }

    private async Task<(long Audit, long Checkpoints, long Keys, string Digest)> SnapshotAsync() =>
        (await Db.CountAsync(Owner, "audit_log"), await Db.CountAsync(Owner, "audit_checkpoints"),
         await Db.CountAsync(Owner, "audit_signing_keys"),
         (await Db.ScalarAsync<string>(Owner, "SELECT md5(string_agg(record_hash::text || outcome, ',' ORDER BY seq)) FROM audit_log"))!);

    private static async Task<T> Scalar<T>(NpgsqlConnection conn, NpgsqlTransaction? tx, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        return (T)(await cmd.ExecuteScalarAsync())!;
    }

    private static async Task<int> Exec(NpgsqlConnection conn, NpgsqlTransaction tx, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn, tx);
        return await cmd.ExecuteNonQueryAsync();
    }
}
