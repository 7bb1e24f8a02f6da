using System.Text.Json;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Payouts;

/// <summary>
/// The bank client's resilience pipeline against the sandbox's failure scenarios: init/payout is never retried by the
/// client (only the reconciler resends, with the same idempotency key), session/status is, and an open circuit
/// refuses a payout before one byte reaches the bank, leaving it for the reconciler to resend.
/// </summary>
public sealed class PayoutBankResilienceTests
{
    /// <summary>Settings under which the reconciler stays away for a minute: whatever reaches the bank in the
    /// meantime was sent by the payout call itself.</summary>
    private static readonly Dictionary<string, string> ReconcilerAway = new()
    {
        ["Vault:Payouts:FirstCheckDelay"] = "00:01:00",
        ["Vault:Payouts:MaxCheckDelay"] = "00:01:00",
    };

    [Fact]
    public async Task InitPayout_IsSentOnce_WhenTheAnswerIsHttp500_ADroppedConnection_OrATimeout()
    {
        var settings = new Dictionary<string, string>(ReconcilerAway)
        {
            ["Vault:Bank131:Resilience:StatusRetries"] = "3", // retries are on, for session/status only
            ["Vault:Bank131:Resilience:StatusRetryDelay"] = "00:00:00",
        };
        // The webhook comes after the slow answer's timeout, so every call here ends unknown.
        await using var env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions
        {
            Settings = settings, Sandbox = o => o.WebhookDelay = TimeSpan.FromSeconds(5),
        });
        var token = await env.TokenizeAsync();

        foreach (var scenario in new[] { "http500", "drop", "slow" })
        {
            var payout = await env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token, scenario: scenario));

            Assert.Equal(PayoutState.Unknown, payout.State);
            Assert.True((await env.Sandbox.InitPayoutRequestsAsync(payout.PayoutId)).Count == 1,
                $"{scenario}: the bank received more than one init/payout request from one call");
        }
    }

    [Fact]
    public async Task OpenCircuit_RefusesAPayoutBeforeAnyByteReachesTheBank_AndTheReconcilerResendsItWithTheSameKey()
    {
        var settings = new Dictionary<string, string>
        {
            ["Vault:Bank131:Resilience:FailureRatio"] = "0.5",
            ["Vault:Bank131:Resilience:MinimumThroughput"] = "2",
            ["Vault:Bank131:Resilience:SamplingDuration"] = "00:00:30",
            ["Vault:Bank131:Resilience:BreakDuration"] = "00:00:03",
            ["Vault:Payouts:FirstCheckDelay"] = "00:00:01",
            ["Vault:Payouts:MaxCheckDelay"] = "00:00:01",
        };
        await using var env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions { Settings = settings });
        var token = await env.TokenizeAsync();

        // Two HTTP 500 answers in a row: every call in the window failed, so the circuit opens.
        for (var i = 0; i < 2; i++)
            Assert.Equal(PayoutState.Unknown, (await env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token, scenario: "http500"))).State);
        var before = (await env.Sandbox.InitPayoutRequestsAsync()).Count;

        var refused = await env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token));

        Assert.Equal(PayoutState.Unknown, refused.State);
        Assert.Contains("BrokenCircuit", refused.ErrorDescription, StringComparison.Ordinal);
        Assert.Empty(await env.Sandbox.InitPayoutRequestsAsync(refused.PayoutId));
        Assert.Equal(0, await env.Sandbox.PayoutCountAsync(refused.PayoutId));
        Assert.True(before >= 2);

        // Once the break is over the reconciler resends it, with its payout id as the idempotency key, and it is
        // paid exactly once.
        var done = await env.WaitForAsync(refused.PayoutId, p => p.State == PayoutState.Succeeded, TimeSpan.FromSeconds(30));
        Assert.Equal(PayoutState.Succeeded, done.State);
        var sent = await env.Sandbox.InitPayoutRequestsAsync(refused.PayoutId);
        Assert.Single(sent, r => r.GetProperty("response_status").GetInt32() == 200);
        Assert.All(sent, r => Assert.Equal(refused.PayoutId, r.GetProperty("idempotency_key").GetString()));
        Assert.Equal(1, await env.Sandbox.PayoutCountAsync(refused.PayoutId));
    }

    [Fact]
    public async Task SessionStatus_AnsweringHttp500Once_IsRetriedWithinOneCheck_AndSettlesThePayout()
    {
        // The webhook of status_http500 is lost, so session/status is the only news; with the next check a minute
        // away, only a retry within the first check can settle the payout in time.
        var settings = new Dictionary<string, string>(ReconcilerAway)
        {
            ["Vault:Payouts:StatusCheckAfterAccept"] = "00:00:01",
            ["Vault:Bank131:Resilience:StatusRetryDelay"] = "00:00:00.100",
        };
        await using var env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions { Settings = settings });
        var token = await env.TokenizeAsync();

        var payout = await env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token, scenario: "status_http500"));
        Assert.Equal(PayoutState.InProgress, payout.State);

        var done = await env.WaitForAsync(payout.PayoutId, p => p.State == PayoutState.Succeeded, TimeSpan.FromSeconds(20));

        Assert.Equal(PayoutState.Succeeded, done.State);
        var asked = (await env.Sandbox.ReceivedAsync()).EnumerateArray()
            .Where(r => r.GetProperty("path").GetString() == Bank131.Bank131Client.SessionStatusPath
                && r.TryGetProperty("session_id", out var s) && s.GetString() == payout.BankSessionId)
            .Select(r => r.GetProperty("response_status").GetInt32())
            .ToArray();
        Assert.Equal([500, 200], asked);
        Assert.Single(await env.Sandbox.InitPayoutRequestsAsync(payout.PayoutId));
    }
}
