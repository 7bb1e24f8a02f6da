using System.Security.Cryptography;
using System.Text.Json;
using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Payouts;

/// <summary>
/// Invariant 4 across crashes and restarts: a payout whose outcome was open when the vault went away is settled
/// after the restart (by the webhook, found by the payout id the bank echoes in metadata), never paid twice.
/// </summary>
public sealed class PayoutCrashRecoveryTests : IAsyncLifetime
{
    private PayoutEnvironment _env = null!;

    public async Task InitializeAsync() => _env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions
    {
        // The final webhook comes a few seconds after the bank accepts, so the vault can be stopped before it lands;
        // the sandbox keeps re-sending while the vault is down, as the bank does.
        Sandbox = o =>
        {
            o.WebhookDelay = TimeSpan.FromSeconds(3);
            o.WebhookMaxAttempts = 200;
            o.WebhookMaxRetryDelay = TimeSpan.FromMilliseconds(500);
        },
    });

    public async Task DisposeAsync() => await _env.DisposeAsync();

    private Task<string?> DbStateAsync(string payoutId) =>
        Db.ScalarAsync<string>(_env.Vault.ConnectionString, "SELECT state FROM payouts WHERE payout_id = @p", ("p", payoutId));

    /// <summary>Waits (bounded) until the sandbox has tried and failed to deliver this session's webhook.</summary>
    private async Task WaitForFailedWebhookAttemptAsync(string sessionId)
    {
        using var http = new HttpClient { BaseAddress = _env.Sandbox.Address };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var deliveries = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<JsonElement>(http, "/sandbox/webhooks");
            if (deliveries.EnumerateArray().Any(d => d.GetProperty("session_id").GetString() == sessionId
                    && !d.GetProperty("delivered").GetBoolean()))
                return;
            await Task.Delay(100);
        }
        Assert.Fail("the sandbox never tried to deliver the webhook while the vault was down");
    }

    [Theory]
    [InlineData("drop")]
    [InlineData("slow")]
    public async Task UnknownOutcome_VaultStoppedBeforeTheWebhook_RestartedOnTheSameDatabase_EndsSucceeded_WithOneBankPayout(string scenario)
    {
        var token = await _env.TokenizeAsync();
        var payout = await _env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token, scenario: scenario));
        Assert.Contains(payout.State, new[] { PayoutState.Unknown, PayoutState.Submitted });

        await _env.Vault.StopAsync();
        Assert.Contains(await DbStateAsync(payout.PayoutId), new[] { "submitted", "unknown" });
        var sessionId = (await _env.Sandbox.InitPayoutRequestsAsync(payout.PayoutId))[0].GetProperty("session_id").GetString()!;
        await WaitForFailedWebhookAttemptAsync(sessionId);
        Assert.Contains(await DbStateAsync(payout.PayoutId), new[] { "submitted", "unknown" });

        await _env.Vault.RestartAsync();
        var done = await _env.WaitForAsync(payout.PayoutId, p => p.State.IsTerminal(), TimeSpan.FromSeconds(40));

        Assert.Equal(PayoutState.Succeeded, done.State);
        Assert.Equal(sessionId, done.BankSessionId);
        Assert.Equal(1, await _env.Sandbox.PayoutCountAsync(payout.PayoutId));
    }

    /// <summary>
    /// Crash points before anything reached the bank, recreated in SQL while the vault is down: a row left in
    /// <c>created</c> (died right after the insert) and one left in <c>submitted</c> (died after the claim, before
    /// the request went out). After the restart the reconciler sends each exactly once; a client retry with the
    /// same key then gets the same payout and sends nothing.
    /// </summary>
    [Fact]
    public async Task RowsLeftInCreatedOrSubmitted_ByACrashBeforeSending_AreSentOnceAfterRestart()
    {
        var token = await _env.TokenizeAsync();
        var template = PayoutEnvironment.Request(token);
        var first = await _env.Payouts.CreatePayoutAsync(template);
        await _env.WaitForAsync(first.PayoutId, p => p.State == PayoutState.Succeeded);
        await _env.Vault.StopAsync();

        var left = new Dictionary<string, (string PayoutId, string Key)>
        {
            ["created"] = (NewPayoutId(), "crash-created-" + Guid.NewGuid().ToString("N")),
            ["submitted"] = (NewPayoutId(), "crash-submitted-" + Guid.NewGuid().ToString("N")),
        };
        foreach (var (state, (payoutId, key)) in left)
        {
            await Db.ExecuteAsync(_env.Vault.ConnectionString, """
                INSERT INTO payouts (payout_id, caller, idempotency_key, request_hash, card_token, bin, last4, brand,
                                     amount_minor, currency, recipient, metadata, state, send_attempts, next_check_at)
                SELECT @id, caller, @key, request_hash, card_token, bin, last4, brand, amount_minor, currency,
                       recipient, metadata, @state, CASE WHEN @state = 'submitted' THEN 1 ELSE 0 END, now()
                FROM payouts WHERE payout_id = @template
                """, ("id", payoutId), ("key", key), ("state", state), ("template", first.PayoutId));
        }

        await _env.Vault.RestartAsync();

        foreach (var (state, (payoutId, key)) in left)
        {
            var done = await _env.WaitForAsync(payoutId, p => p.State.IsTerminal(), TimeSpan.FromSeconds(30));
            Assert.True(done.State == PayoutState.Succeeded, $"the payout left in {state} ended {done.State}");
            Assert.Equal(1, await _env.Sandbox.PayoutCountAsync(payoutId));
            Assert.Single(await _env.Sandbox.InitPayoutRequestsAsync(payoutId));

            var retry = template.Clone();
            retry.IdempotencyKey = key;
            var again = await _env.Payouts.CreatePayoutAsync(retry);
            Assert.Equal(payoutId, again.PayoutId);
            Assert.Single(await _env.Sandbox.InitPayoutRequestsAsync(payoutId));
        }
        Assert.Equal(1, await _env.Sandbox.PayoutCountAsync(first.PayoutId));
    }

    private static string NewPayoutId()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        return "pay_" + new string(RandomNumberGenerator.GetItems<char>(alphabet, 26));
    }
}

/// <summary>
/// Tests that run a vault as a child process run alone: a fresh process starts cold, and waits tuned for it should not
/// also absorb whatever the other test classes are doing to the two cores.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ChildProcessCollection
{
    public const string Name = "child process";
}

/// <summary>
/// A real kill: the vault runs as a child process and is SIGKILLed while it waits for the bank's answer to a payout
/// the bank has already accepted. Restarted on the same database, it settles that payout with no second bank payout.
/// </summary>
[Collection(ChildProcessCollection.Name)]
public sealed class PayoutProcessKillTests : IAsyncLifetime
{
    private PayoutEnvironment _env = null!;

    public async Task InitializeAsync() => _env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions
    {
        Sandbox = o =>
        {
            // The bank holds its answer far longer than the test needs to kill the vault (the kill aborts the
            // connection, which ends the sandbox's wait), so the kill always lands mid-flight.
            o.SlowDelay = TimeSpan.FromMinutes(2);
            o.WebhookDelay = TimeSpan.FromMilliseconds(200);
            o.WebhookMaxAttempts = 400;
            o.WebhookMaxRetryDelay = TimeSpan.FromMilliseconds(500);
        },
    });

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Fact]
    public async Task VaultProcessKilledMidFlight_IsRestarted_AndTheAcceptedPayoutEndsSucceeded_WithOneBankPayout()
    {
        // The in-process vault of the environment is only used to create the schema; the child takes over its
        // database and its webhook port (the sandbox posts webhooks there).
        await _env.Vault.StopAsync();
        var keyFile = _env.Vault.MasterKeyFile;
        var settings = PayoutEnvironment.VaultSettings(_env.Keys, _env.Sandbox.Address, _env.WebhookUrl.Port);
        // The vault waits on the bank while it is killed; the lease exceeds that wait (as it must), so no reconciler
        // resend races the kill. After the restart the webhook alone settles the payout.
        settings["Vault:Bank131:Timeout"] = "00:03:00";
        settings["Vault:Payouts:InFlightLease"] = "00:05:00";
        settings["Vault:Database:ConnectionString"] = _env.Vault.ConnectionString;
        settings["Vault:Keys:MasterKeyFile"] = keyFile;

        string payoutId;
        var marker = PayoutEnvironment.NewKey("kill-");
        // The first process listens for webhooks on another port, so the bank's webhook cannot reach it before the
        // kill: the payout is certainly open when the process dies. The restarted one listens where the bank posts.
        var firstSettings = new Dictionary<string, string>(settings)
        {
            ["Vault:Webhooks:Port"] = PayoutEnvironment.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        await using (var child = await PayoutServerProcess.StartAsync(firstSettings))
        {
            var token = (await child.Tokens.TokenizeAsync(new TokenizeRequest
            {
                Pan = Google.Protobuf.ByteString.CopyFromUtf8(TestCards.Visa),
            })).Card.Token;
            var request = PayoutEnvironment.Request(token, scenario: "slow");
            request.Metadata["order"] = marker;
            var call = child.Payouts.CreatePayoutAsync(request);

            // Mid-flight: the bank has the request (and accepted it) but has not answered yet.
            payoutId = await WaitForBankRequestAsync(marker, call.ResponseAsync, child);
            Assert.Equal("submitted", await Db.ScalarAsync<string>(_env.Vault.ConnectionString,
                "SELECT state FROM payouts WHERE payout_id = @p", ("p", payoutId)));
            await child.KillAsync();
            await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
            Assert.Equal(1, await _env.Sandbox.PayoutCountAsync(payoutId));
            AssertNoCardData(child.Output);
        }

        await using (var restarted = await PayoutServerProcess.StartAsync(settings))
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            Payout current;
            while (!(current = await restarted.Payouts.GetPayoutAsync(new GetPayoutRequest { PayoutId = payoutId })).State.IsTerminal()
                   && DateTime.UtcNow < deadline)
                await Task.Delay(200);

            Assert.Equal(PayoutState.Succeeded, current.State);
            Assert.Equal(1, await _env.Sandbox.PayoutCountAsync(payoutId));
            foreach (var resend in (await _env.Sandbox.InitPayoutRequestsAsync(payoutId)).Skip(1))
                Assert.Equal("idempotency_key_already_exists", resend.GetProperty("error_code").GetString());
            AssertNoCardData(restarted.Output);
        }
    }

    /// <summary>
    /// Waits (bounded) until the sandbox holds the request tagged with <paramref name="marker"/>. A call that ends
    /// first (the bank holds its answer for minutes, so it should not) fails the test at once with its status and the
    /// child's output, rather than after the whole wait.
    /// </summary>
    private async Task<string> WaitForBankRequestAsync(string marker, Task<Payout> call, PayoutServerProcess child)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (call.IsCompleted)
            {
                var outcome = call.IsFaulted ? call.Exception!.InnerException!.Message : $"state {call.Result.State}";
                throw new InvalidOperationException($"CreatePayout ended before the bank answered ({outcome}); vault output:\n{child.Output}");
            }
            foreach (var r in await _env.Sandbox.InitPayoutRequestsAsync())
            {
                if (r.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object
                    && m.TryGetProperty("reference", out var reference) && reference.ValueKind == JsonValueKind.Object
                    && reference.TryGetProperty("order", out var order) && order.GetString() == marker)
                    return r.GetProperty("idempotency_key").GetString()!;
            }
            await Task.Delay(50);
        }
        var states = await Db.ScalarAsync<string>(_env.Vault.ConnectionString,
            "SELECT string_agg(payout_id || ':' || state, ', ') FROM payouts");
        throw new TimeoutException($"the payout never reached the sandbox (payouts: {states}); vault output:\n{child.Output}");
    }

    private static void AssertNoCardData(string output)
    {
        Assert.False(CardDataScanner.ContainsPanDigits(output, TestCards.Visa), "the vault's console output holds card digits");
        Assert.Empty(CardDataScanner.FindLuhnRuns(output));
    }
}
