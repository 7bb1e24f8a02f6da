using System.Security.Cryptography;
using Grpc.Core;
using Npgsql;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>
/// A real audit trail made once per test class: a mutual-TLS vault with the Bank 131 sandbox sees tokenize, read,
/// delete, a paid-out payout, refused and unauthenticated calls, a failed call and a forged webhook; a checkpoint is
/// forced and the vault shut down cleanly. Each test then tampers with its own fresh copy of that database
/// (CREATE DATABASE ... TEMPLATE), so cases never see each other's damage.
/// </summary>
public sealed class AuditGoldenTrail : IAsyncLifetime
{
    private TestDatabase? _golden;
    private readonly TempDirectory _folder = new("pv-anchors-");

    /// <summary>The vault's anchor file (Vault:Audit:AnchorFile): one line per checkpoint it signed.</summary>
    public string AnchorFile => _folder.File("audit-anchors.jsonl");

    /// <summary>The checkpoint anchor lines the vault wrote to its log stream, as their structured values.</summary>
    public IReadOnlyList<IReadOnlyDictionary<string, string?>> AnchorLogLines { get; private set; } = [];

    /// <summary>The Ed25519 public key (hex) the vault signed checkpoints with, for --trusted-key.</summary>
    public string VaultPublicKeyHex { get; private set; } = "";

    public IReadOnlyList<AuditRow> Rows { get; private set; } = [];

    public IReadOnlyList<long> CheckpointSeqs { get; private set; } = [];

    public long Head => Rows[^1].Seq;

    /// <summary>The seq of the first record of an action.</summary>
    public long SeqOf(string action) => Rows.First(r => r.Action == action).Seq;

    public async Task InitializeAsync()
    {
        _golden = await TestDatabase.CreateAsync();
        var settings = new Dictionary<string, string> { ["Vault:Audit:AnchorFile"] = AnchorFile };
        CertVault? vault = null;
        await using (var v = vault = await CertVault.StartAsync(payouts: true, database: _golden, settings: settings))
        {
            var token = (await v.Tokens("card-collector").TokenizeAsync(TestCards.Visa)).Card.Token;
            var other = (await v.Tokens("card-collector").TokenizeAsync(TestCards.Mastercard)).Card.Token;
            await v.Tokens("payout-service").GetTokenAsync(new GetTokenRequest { Token = token });
            await v.Tokens("card-collector").DeleteTokenAsync(new DeleteTokenRequest { Token = other });
            var payouts = v.PayoutClient("payout-service");
            var payout = await payouts.CreatePayoutAsync(PayoutEnvironment.Request(token));
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while ((await payouts.GetPayoutAsync(new GetPayoutRequest { PayoutId = payout.PayoutId })).State != PayoutState.Succeeded
                   && DateTime.UtcNow < deadline)
                await Task.Delay(100);
            await ExpectFailureAsync(() => v.PayoutClient("auditor").CreatePayoutAsync(PayoutEnvironment.Request(token)).ResponseAsync);
            await ExpectFailureAsync(() => new TokenService.TokenServiceClient(v.ChannelWith(null)).GetTokenAsync(
                new GetTokenRequest { Token = token }).ResponseAsync);
            await ExpectFailureAsync(() => v.Tokens("payout-service").GetTokenAsync(new GetTokenRequest { Token = other }).ResponseAsync);
            using (await v.Payouts.PostWebhookAsync("{\"type\":\"payment_finished\"}"u8.ToArray(), signature: "AAAA")) { }

            var checkpointer = v.Vault.GetRequiredService<AuditCheckpointer>();
            await checkpointer.SignIfDueAsync(force: true, CancellationToken.None);
            VaultPublicKeyHex = Convert.ToHexString(checkpointer.PublicKeyBytes);
        }
        AnchorLogLines = vault!.Vault.Logs.Entries.Where(e => e.EventId.Id == 1620)
            .Select(e => (IReadOnlyDictionary<string, string?>)e.Properties.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal))
            .ToList();
        NpgsqlConnection.ClearPool(new NpgsqlConnection(_golden.ConnectionString));
        var unpooled = Unpooled(_golden.ConnectionString);
        Rows = await AuditRows.ReadAsync(unpooled);
        await using var conn = new NpgsqlConnection(unpooled);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT seq FROM audit_checkpoints ORDER BY seq", conn);
        var seqs = new List<long>();
        await using (var r = await cmd.ExecuteReaderAsync())
            while (await r.ReadAsync()) seqs.Add(r.GetInt64(0));
        CheckpointSeqs = seqs;
    }

    /// <summary>The golden database itself (read-only use: export, verify).</summary>
    public string ConnectionString => Unpooled((_golden ?? throw new InvalidOperationException("not initialised")).ConnectionString);

    /// <summary>The untouched golden trail, as the verifier reads it.</summary>
    public Task<AuditTrail> TrailAsync() =>
        AuditTrailReader.FromDatabaseAsync(Unpooled((_golden ?? throw new InvalidOperationException("not initialised")).ConnectionString));

    /// <summary>A fresh database holding a copy of the golden trail, dropped on dispose.</summary>
    public async Task<AuditTrailCopy> CopyAsync()
    {
        var golden = _golden ?? throw new InvalidOperationException("not initialised");
        var name = "pv_" + Convert.ToHexString(RandomNumberGenerator.GetBytes(8)).ToLowerInvariant();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await Db.ExecuteAsync(Unpooled(golden.ServerConnectionString), $"CREATE DATABASE \"{name}\" TEMPLATE \"{golden.Name}\"");
                break;
            }
            catch (PostgresException e) when (e.SqlState == "55006" && attempt < 20) // template busy
            {
                await Task.Delay(250);
            }
        }
        var builder = new NpgsqlConnectionStringBuilder(golden.ConnectionString) { Database = name, Pooling = false };
        return new AuditTrailCopy(name, builder.ConnectionString, golden.ServerConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (_golden is not null) await _golden.DisposeAsync();
        _folder.Dispose();
    }

    public static string Unpooled(string connectionString) =>
        new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString;

    private static async Task ExpectFailureAsync(Func<Task> call) => await Assert.ThrowsAsync<RpcException>(call);
}

/// <summary>One test's copy of the golden trail, with superuser tampering helpers.</summary>
public sealed class AuditTrailCopy(string name, string connectionString, string serverConnectionString) : IAsyncDisposable
{
    public string ConnectionString { get; } = connectionString;

    /// <summary>Runs SQL as the superuser with the append-only triggers (USER) or every trigger, foreign keys
    /// included (ALL), switched off on the audit tables, then switches them back on.</summary>
    public async Task TamperAsync(string sql, bool allTriggers = false, params (string Name, object? Value)[] parameters)
    {
        var which = allTriggers ? "ALL" : "USER";
        await Db.ExecuteAsync(ConnectionString,
            $"ALTER TABLE audit_log DISABLE TRIGGER {which}; ALTER TABLE audit_checkpoints DISABLE TRIGGER {which};");
        try
        {
            await Db.ExecuteAsync(ConnectionString, sql, parameters);
        }
        finally
        {
            await Db.ExecuteAsync(ConnectionString,
                $"ALTER TABLE audit_log ENABLE TRIGGER {which}; ALTER TABLE audit_checkpoints ENABLE TRIGGER {which};");
        }
    }

    public async ValueTask DisposeAsync() =>
        await Db.ExecuteAsync(AuditGoldenTrail.Unpooled(serverConnectionString), $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
}
