using NSec.Cryptography;
using Npgsql;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Storage;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Compliance;

/// <summary>
/// Evidence for PCI DSS 10.3.2 / 10.3.4 / 10.5.1 as compliance/logging-and-audit.md describes it: the offline
/// verifier (what `vaultctl audit verify` runs) detects every kind of tampering, and the database itself refuses to
/// change audit rows (audit_log, audit_checkpoints, audit_signing_keys: UPDATE, DELETE, TRUNCATE), both for the
/// application role (grants) and for the owner (triggers).
/// </summary>
public sealed class AuditTrailEvidenceTests
{
    private static readonly DateTime T0 = AuditChain.Truncate(new DateTime(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc));

    [Fact]
    public void Verify_UntouchedTrailWithSignedCheckpoints_IsIntact()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        var trail = Trail(10, key, checkpointsAt: [5, 10]);
        var verdict = AuditVerifier.Verify(trail, TrustedKey(key));
        Assert.True(verdict.Intact, verdict.ToString());
        Assert.Equal(10, verdict.RecordsChecked);
        Assert.Equal(2, verdict.CheckpointsChecked);
    }

    [Fact]
    public void Verify_OneEditedField_FailsAtThatRecord()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        var trail = Trail(10, key, checkpointsAt: [10]);
        var records = trail.Records.ToList();
        records[6] = records[6] with { Entry = records[6].Entry with { Outcome = "ok-but-edited" } };
        var verdict = AuditVerifier.Verify(trail with { Records = records });
        Assert.False(verdict.Intact);
        Assert.Equal(7, verdict.FirstBrokenSeq);
    }

    [Fact]
    public void Verify_DeletedRecord_FailsWhereItWasMissing()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        var trail = Trail(10, key, checkpointsAt: [10]);
        var verdict = AuditVerifier.Verify(trail with { Records = trail.Records.Where(r => r.Seq != 4).ToList() });
        Assert.False(verdict.Intact);
        Assert.Equal(4, verdict.FirstBrokenSeq);
    }

    [Fact]
    public void Verify_ChainRewrittenConsistentlyAfterACheckpoint_FailsAtTheCheckpoint()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        var trail = Trail(10, key, checkpointsAt: [4, 10]);
        // An attacker with database access rewrites records 6..10 and recomputes every hash: the chain is consistent,
        // but the checkpoint signed at 10 no longer matches, and the attacker cannot sign a new one with our key.
        var rewritten = Chain(10, edit: seq => seq >= 6 ? "rewritten" : "ok");
        var verdict = AuditVerifier.Verify(trail with { Records = rewritten });
        Assert.False(verdict.Intact);
        Assert.Equal(5, verdict.FirstBrokenSeq);
    }

    [Fact]
    public void Verify_RecordsCutOffTheEnd_FailAtTheLastCheckpoint()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        var trail = Trail(10, key, checkpointsAt: [8]);
        var verdict = AuditVerifier.Verify(trail with { Records = trail.Records.Take(6).ToList() });
        Assert.False(verdict.Intact);
        Assert.Equal(8, verdict.FirstBrokenSeq);
    }

    [Fact]
    public void Verify_CheckpointSignedByAKeyThatIsNotPinned_Fails()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        using var other = Key.Create(SignatureAlgorithm.Ed25519);
        var trail = Trail(5, key, checkpointsAt: [5]);
        Assert.True(AuditVerifier.Verify(trail).Intact);
        Assert.False(AuditVerifier.Verify(trail, TrustedKey(other)).Intact);
    }

    [Fact]
    public async Task AuditTables_RefuseUpdateAndDelete_ForTheAppRoleByGrant_AndForTheOwnerByTrigger()
    {
        await using var db = await TestDatabase.CreateAsync();
        // No pooling: SET ROLE must not outlive the connection it was issued on.
        var connectionString = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Pooling = false }.ConnectionString;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await new Migrator(connectionString).MigrateAsync(CancellationToken.None);

        // The application role may append, and seal (the sequencer runs under it too).
        await using (var conn = await dataSource.OpenConnectionAsync())
        {
            await Exec(conn, "SET ROLE payoutvault_app");
            await using (var tx = await conn.BeginTransactionAsync())
            {
                await using var audit = new AuditLog(dataSource, TimeProvider.System);
                await audit.AppendAsync(conn, tx,
                    [new AuditEntry("compliance-test", AuditActions.TokenRead, "tok_" + new string('a', 26), "ok", "req-1")], CancellationToken.None);
                await tx.CommitAsync();
            }
            await using (var tx = await conn.BeginTransactionAsync())
            {
                Assert.Equal(1, await AuditSealer.SealAsync(conn, tx, 100, CancellationToken.None));
                await tx.CommitAsync();
            }
        }

        // A signing key and a checkpoint signed with it (inserted as the owner, as the checkpointer would), so the row
        // triggers of audit_checkpoints and audit_signing_keys have rows to refuse.
        using var signingKey = Key.Create(SignatureAlgorithm.Ed25519);
        await using (var conn = await dataSource.OpenConnectionAsync())
        {
            await using var head = new NpgsqlCommand("SELECT record_hash FROM audit_log WHERE seq = 1", conn);
            var hash = (byte[])(await head.ExecuteScalarAsync())!;
            var signedAt = AuditChain.Truncate(DateTime.UtcNow);
            await using var insert = new NpgsqlCommand("""
                INSERT INTO audit_signing_keys (key_id, public_key) VALUES ('ak-compliance', @pk);
                INSERT INTO audit_checkpoints (seq, record_hash, signed_at, key_id, signature) VALUES (1, @hash, @at, 'ak-compliance', @sig);
                """, conn);
            insert.Parameters.AddWithValue("pk", signingKey.PublicKey.Export(KeyBlobFormat.RawPublicKey));
            insert.Parameters.AddWithValue("hash", hash);
            insert.Parameters.AddWithValue("at", signedAt);
            insert.Parameters.AddWithValue("sig", SignatureAlgorithm.Ed25519.Sign(signingKey, AuditChain.CheckpointMessage(1, hash, signedAt)));
            await insert.ExecuteNonQueryAsync();
        }

        foreach (var sql in new[]
        {
            "UPDATE audit_log SET outcome = 'edited'", "DELETE FROM audit_log", "TRUNCATE audit_log",
            "UPDATE audit_checkpoints SET key_id = key_id", "DELETE FROM audit_checkpoints", "TRUNCATE audit_checkpoints",
            "UPDATE audit_signing_keys SET public_key = public_key", "DELETE FROM audit_signing_keys", "TRUNCATE audit_signing_keys",
        })
        {
            await using var conn = await dataSource.OpenConnectionAsync();
            await Exec(conn, "SET ROLE payoutvault_app");
            var refused = await Assert.ThrowsAsync<PostgresException>(() => Exec(conn, sql));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }

        // The owner (here the test server's superuser) holds every privilege, and the triggers still refuse. (A plain
        // TRUNCATE of a table another one references is already refused by the foreign key; CASCADE reaches the trigger.)
        foreach (var sql in new[]
        {
            "UPDATE audit_log SET outcome = 'edited'", "DELETE FROM audit_log", "TRUNCATE audit_log CASCADE",
            "UPDATE audit_checkpoints SET key_id = key_id", "DELETE FROM audit_checkpoints", "TRUNCATE audit_checkpoints",
            "UPDATE audit_signing_keys SET public_key = public_key", "DELETE FROM audit_signing_keys", "TRUNCATE audit_signing_keys CASCADE",
        })
        {
            await using var conn = await dataSource.OpenConnectionAsync();
            var refused = await Assert.ThrowsAsync<PostgresException>(() => Exec(conn, sql));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        }

        var intact = AuditVerifier.Verify(await AuditTrailReader.FromDatabaseAsync(connectionString), TrustedKey(signingKey));
        Assert.True(intact.Intact, intact.ToString());
        Assert.Equal(1, intact.CheckpointsChecked);

        // Someone who drops the trigger can edit a row, but verification then names it.
        await using (var conn = await dataSource.OpenConnectionAsync())
        {
            await Exec(conn, "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only");
            await Exec(conn, "UPDATE audit_log SET outcome = 'edited' WHERE seq = 1");
        }
        var broken = AuditVerifier.Verify(await AuditTrailReader.FromDatabaseAsync(connectionString));
        Assert.False(broken.Intact);
        Assert.Equal(1, broken.FirstBrokenSeq);
    }

    private static async Task Exec(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    private static HashSet<string> TrustedKey(Key key) =>
        new(StringComparer.Ordinal) { Convert.ToHexString(key.PublicKey.Export(KeyBlobFormat.RawPublicKey)) };

    private static List<AuditRecord> Chain(int count, Func<long, string>? edit = null)
    {
        var records = new List<AuditRecord>();
        var prev = AuditChain.Genesis;
        for (long seq = 1; seq <= count; seq++)
        {
            var at = T0.AddSeconds(seq);
            var entry = new AuditEntry("payout-service", AuditActions.PayoutCreate, $"pay_{seq:D26}", edit?.Invoke(seq) ?? "ok", $"req-{seq}");
            var hash = AuditChain.Hash(prev, seq, at, entry);
            records.Add(new AuditRecord(seq, at, entry, prev, hash));
            prev = hash;
        }
        return records;
    }

    private static AuditTrail Trail(int count, Key key, long[] checkpointsAt)
    {
        var records = Chain(count);
        var keyId = "ak-compliance";
        var checkpoints = checkpointsAt.Select(seq =>
        {
            var hash = records[(int)seq - 1].RecordHash;
            var signedAt = T0.AddMinutes(seq);
            return new AuditCheckpoint(seq, hash, signedAt, keyId,
                SignatureAlgorithm.Ed25519.Sign(key, AuditChain.CheckpointMessage(seq, hash, signedAt)));
        }).ToList();
        return new AuditTrail(records, checkpoints,
            new Dictionary<string, byte[]>(StringComparer.Ordinal) { [keyId] = key.PublicKey.Export(KeyBlobFormat.RawPublicKey) });
    }
}
