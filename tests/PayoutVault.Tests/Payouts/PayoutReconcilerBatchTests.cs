using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Payouts;

/// <summary>
/// The reconciler leases due payouts in batches. One payout that cannot be sent must not take the rest of its batch
/// down with it: before, its exception ended the pass, and every payout after it waited out its lease (a minute here).
/// </summary>
public sealed class PayoutReconcilerBatchTests
{
    [Fact]
    public async Task OnePayoutThatCannotBeSent_IsLogged_AndTheRestOfTheBatchIsStillResent()
    {
        var settings = new Dictionary<string, string>
        {
            ["Vault:Payouts:FirstCheckDelay"] = "00:01:00",
            ["Vault:Payouts:MaxCheckDelay"] = "00:01:00",
            ["Vault:Payouts:InFlightLease"] = "00:01:00",
        };
        await using var env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions { Settings = settings });
        var token = await env.TokenizeAsync();
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var payout = await env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(token, scenario: "http500"));
            Assert.Equal(PayoutState.Unknown, payout.State);
            ids.Add(payout.PayoutId);
        }
        var poison = ids[0];
        var rest = ids.Skip(1).ToArray();

        // The stored row of the first one can no longer become a bank request (the body writer refuses the currency).
        // All four fall due at once, in one batch, the broken one first (due earliest, and first in the table).
        Assert.Equal(4, await Db.ExecuteAsync(env.Vault.ConnectionString, """
            UPDATE payouts SET
                currency = CASE WHEN payout_id = @p THEN 'r1b' ELSE currency END,
                next_check_at = CASE WHEN payout_id = @p THEN now() - interval '1 second' ELSE now() END
            WHERE payout_id = ANY(@ids)
            """, ("p", poison), ("ids", ids.ToArray())));

        bool Logged() => env.Vault.Logs.Entries.Any(e => e.EventId.Id == 1250
            && e.Properties.Any(p => p.Key == "PayoutId" && p.Value == poison)
            && e.Properties.Any(p => p.Key == "ErrorType" && p.Value == nameof(ArgumentException)));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline && !(await AllResentAsync(env, rest) && Logged())) await Task.Delay(100);

        Assert.True(await AllResentAsync(env, rest), "a payout after the failing one was not resent in the same pass");
        Assert.Single(await env.Sandbox.InitPayoutRequestsAsync(poison));
        Assert.True(Logged(), "no reconcile failure logged for the broken payout; its log lines:\n" + string.Join('\n',
            env.Vault.Logs.Entries.Where(e => e.Message.Contains(poison, StringComparison.Ordinal)).Select(e => e.ToText(false))));
    }

    private static async Task<bool> AllResentAsync(PayoutEnvironment env, IEnumerable<string> ids)
    {
        foreach (var id in ids)
            if ((await env.Sandbox.InitPayoutRequestsAsync(id)).Count < 2) return false;
        return true;
    }
}
