using PayoutVault.Contracts.V1;
using PayoutVault.Core.Sequencing;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Streaming;

/// <summary>
/// Two replicas on one database, both under load at once: payouts created on each, signed webhooks posted to each,
/// audited reads on each. Writers on both append without a lock and one sequencer (whichever replica holds the lock)
/// orders everything. Halfway through, the sequencing replica's leadership is taken away (its lock session is killed
/// by the database), and the other takes over. At the end the audit chain verifies with the shipped tool, and every
/// subscriber on either replica has seen every event exactly once, in order.
/// </summary>
public sealed class TwoReplicasUnderLoadTests : IAsyncLifetime
{
    private const int WritersPerReplica = 6;
    private const int PayoutsPerWriter = 6;

    private PayoutEnvironment _env = null!; // sandbox + replica A
    private VaultServer _b = null!;
    private WebhookPoster _toA = null!;
    private WebhookPoster _toB = null!;

    public async Task InitializeAsync()
    {
        _env = await WebhookTestKit.StartQuietAsync();
        var portB = PayoutEnvironment.FreePort();
        var settings = PayoutEnvironment.VaultSettings(_env.Keys, _env.Sandbox.Address, portB);
        foreach (var (k, v) in WebhookTestKit.QuietSettings()) settings[k] = v;
        _b = await VaultServer.StartAsync(new VaultServerOptions
        {
            Database = _env.Vault.Database,
            MasterKeyFile = _env.Vault.MasterKeyFile,
            Settings = settings,
        });
        _toA = new WebhookPoster(_env);
        _toB = new WebhookPoster(_env.Keys, new Uri($"http://127.0.0.1:{portB}/webhooks/bank131"));
    }

    public async Task DisposeAsync()
    {
        _toA?.Dispose();
        _toB?.Dispose();
        if (_b is not null) await _b.DisposeAsync();
        if (_env is not null) await _env.DisposeAsync();
    }

    [Fact]
    public async Task BothReplicasWriting_ChainVerifies_AndEverySubscriberOfEitherSeesEveryEventOnceInOrder()
    {
        var a = _env.Payouts;
        var b = _b.Client<PayoutService.PayoutServiceClient>();
        var token = await _env.TokenizeAsync();
        var subscribers = new[]
        {
            StreamRecorder.Watch(a, 0, name: "A #1"), StreamRecorder.Watch(a, 0, name: "A #2"),
            StreamRecorder.Watch(b, 0, name: "B #1"), StreamRecorder.Watch(b, 0, name: "B #2"),
        };
        try
        {
            var done = 0;
            var halfway = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var total = 2 * WritersPerReplica * PayoutsPerWriter;
            var writers = Enumerable.Range(0, 2 * WritersPerReplica).Select(w => Task.Run(async () =>
            {
                // Created on one replica, settled through the other's listener, read back on the first.
                var (client, tokens, poster) = w % 2 == 0 ? (a, _env.Tokens, _toB) : (b, _b.Tokens, _toA);
                for (var i = 0; i < PayoutsPerWriter; i++)
                {
                    var p = await WebhookTestKit.CreatePayoutAsync(client, token);
                    await poster.PostOkAsync(WebhookTestKit.Finished(p, "in_progress"));
                    await poster.PostOkAsync(WebhookTestKit.Finished(p, i % 3 == 0 ? "failed" : "succeeded",
                        errorCode: i % 3 == 0 ? "card_expired" : null));
                    await tokens.GetTokenAsync(new GetTokenRequest { Token = token });
                    if (Interlocked.Increment(ref done) == total / 2) halfway.TrySetResult();
                }
            })).ToList();

            // Halfway: the database ends the sequencer's session (as when its replica's connection dies); the lock
            // goes with it, and one of the replicas (possibly the same one, on a new session) takes over.
            await halfway.Task.WaitAsync(TimeSpan.FromMinutes(3));
            var killed = await Db.ScalarAsync<long>(_env.Vault.Database.ServerConnectionString, """
                SELECT count(*) FROM (SELECT pg_terminate_backend(l.pid) FROM pg_locks l
                WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.database =
                    (SELECT oid FROM pg_database WHERE datname = @db)
                  AND ((l.classid::bigint << 32) | l.objid::bigint) = @key) t
                """, ("db", _env.Vault.Database.Name), ("key", LogSequencer.LeaderLockKey));
            Assert.Equal(1, killed);
            await Task.WhenAll(writers);

            var all = await WebhookTestKit.SeqsAsync(_env.Vault.ConnectionString);
            Assert.Equal(total * 5, all.Count); // created, submitted, accepted, in_progress webhook, final webhook
            foreach (var s in subscribers)
            {
                await s.WaitForCursorAsync(all[^1], TimeSpan.FromSeconds(60));
                StreamTestKit.AssertSameCursors(all, s.Cursors, s.Name);
            }
            var log = await StreamTestKit.EventRowsAsync(_env.Vault.ConnectionString);
            foreach (var s in subscribers) StreamTestKit.AssertMatchesLog(s.Events, log);

            await Db.WaitSealedAsync(_env.Vault.ConnectionString, "audit_log", TimeSpan.FromSeconds(30));
            var verdict = await AuditCli.VerifyAsync(_env.Vault.ConnectionString);
            Assert.True(verdict.ExitCode == 0, verdict.ToString());
            Assert.Contains("intact", verdict.Output, StringComparison.OrdinalIgnoreCase);
        }
        finally
        {
            foreach (var s in subscribers) await s.DisposeAsync();
        }
    }
}
