using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PayoutVault.Tests.Payouts;

/// <summary>
/// A vault killed (SIGKILL) while its sends are in flight takes them over as soon as it is back, not after the
/// in-flight lease: the dead process's lease lock vanished with its database session, so the restarted one knows those
/// sends are orphaned. Here the first process's bank connection is a black hole (the bank never saw a byte), the lease
/// is five minutes, and the restarted vault still sends each payout once and settles it well inside that.
/// </summary>
[Collection(ChildProcessCollection.Name)]
public sealed class PayoutRestartRecoveryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Payouts = 4;

    private PayoutEnvironment _env = null!;

    public async Task InitializeAsync() => _env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions
    {
        Sandbox = o =>
        {
            o.WebhookDelay = TimeSpan.FromMilliseconds(200);
            o.WebhookMaxAttempts = 50;
            o.WebhookMaxRetryDelay = TimeSpan.FromMilliseconds(500);
        },
    });

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Fact]
    public async Task KilledMidSend_RestartedVault_SendsItsOrphanedPayoutsAtOnce_NotAfterTheLease()
    {
        await _env.Vault.StopAsync();
        var settings = PayoutEnvironment.VaultSettings(_env.Keys, _env.Sandbox.Address, _env.WebhookUrl.Port);
        settings["Vault:Bank131:Timeout"] = "00:03:00";
        settings["Vault:Payouts:InFlightLease"] = "00:05:00";
        settings["Vault:Database:ConnectionString"] = _env.Vault.ConnectionString;
        settings["Vault:Keys:MasterKeyFile"] = _env.Vault.MasterKeyFile;

        using var blackHole = new TcpListener(IPAddress.Loopback, 0);
        blackHole.Start();
        var held = new List<TcpClient>();
        var accepting = Task.Run(async () =>
        {
            try { while (true) held.Add(await blackHole.AcceptTcpClientAsync()); }
            catch (Exception e) when (e is SocketException or ObjectDisposedException) { }
        });
        var firstSettings = new Dictionary<string, string>(settings)
        {
            ["Vault:Bank131:BaseUrl"] = $"http://127.0.0.1:{((IPEndPoint)blackHole.LocalEndpoint).Port}",
        };

        string[] ids;
        await using (var child = await PayoutServerProcess.StartAsync(firstSettings))
        {
            var token = (await child.Tokens.TokenizeAsync(new TokenizeRequest
            {
                Pan = Google.Protobuf.ByteString.CopyFromUtf8(TestCards.Visa),
            })).Card.Token;
            var calls = Enumerable.Range(0, Payouts)
                .Select(_ => child.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token)).ResponseAsync).ToList();

            // Claimed (committed as submitted, leased to this process) and stuck on the bank connection.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (await Db.ScalarAsync<long>(_env.Vault.ConnectionString,
                       "SELECT count(*) FROM payouts WHERE state = 'submitted'") < Payouts)
            {
                Assert.True(DateTime.UtcNow < deadline, "the payouts never reached submitted\n" + child.Output);
                Assert.DoesNotContain(calls, c => c.IsCompleted);
                await Task.Delay(50);
            }
            ids = (await Db.ScalarAsync<string>(_env.Vault.ConnectionString,
                "SELECT string_agg(payout_id, ',') FROM payouts"))!.Split(',');
            await child.KillAsync();
        }
        blackHole.Stop();
        await accepting;
        foreach (var c in held) c.Dispose();
        foreach (var id in ids) Assert.Equal(0, await _env.Sandbox.PayoutCountAsync(id));

        await using var restarted = await PayoutServerProcess.StartAsync(settings);
        var clock = Stopwatch.StartNew();
        var settleBy = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        foreach (var id in ids)
        {
            Payout current;
            while (!(current = await restarted.Payouts.GetPayoutAsync(new GetPayoutRequest { PayoutId = id })).State.IsTerminal())
            {
                Assert.True(DateTime.UtcNow < settleBy, $"payout {id} still {current.State}\n" + restarted.Output);
                await Task.Delay(100);
            }
            Assert.Equal(PayoutState.Succeeded, current.State);
            Assert.Equal(1, await _env.Sandbox.PayoutCountAsync(id));
        }
        output.WriteLine($"restart to every payout settled: {clock.Elapsed.TotalSeconds:F1} s (lease 300 s)");
        // Well inside the five-minute lease: the orphaned sends were taken over because their owner was dead.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90));
        Assert.Contains("in-flight payouts whose sending process has stopped", restarted.Output, StringComparison.Ordinal);
    }
}
