using System.Net;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Webhooks;

/// <summary>
/// 200 means "durably stored", so with the database down the vault must answer 503 (the bank retries) and, once the
/// database is back, apply the retried delivery. Runs on a PostgreSQL cluster of its own, which it stops and starts.
/// </summary>
public sealed class WebhookDatabaseOutageTests
{
    [Fact]
    public async Task DatabaseStopped_Is503_ThenTheRetriedWebhookIsAppliedOnceItIsBack()
    {
        await using var cluster = await WebhookPostgresCluster.StartAsync();
        var connectionString = await cluster.CreateDatabaseAsync();
        // The vault runs on the private cluster: its connection string overrides the default one.
        await using var env = await WebhookTestKit.StartQuietAsync(new Dictionary<string, string>
        {
            ["Vault:Database:ConnectionString"] = connectionString,
        });
        using var poster = new WebhookPoster(env);
        var token = await env.TokenizeAsync();
        var payout = await WebhookTestKit.CreatePayoutAsync(env.Payouts, token);
        // The test's own queries must not reuse a pooled connection that the restart broke.
        var direct = connectionString + ";Pooling=false";
        Assert.Equal(PayoutState.InProgress, payout.State);
        Assert.Equal(3L, await Db.CountAsync(direct, "payout_events", "payout_id = @p", ("p", payout.PayoutId)));

        var body = WebhookTestKit.Finished(payout, "succeeded");
        await cluster.StopServerAsync();

        // Twice: once on pooled connections that just broke, once on fresh connection attempts.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await poster.StatusAsync(body));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await poster.StatusAsync(body));

        await cluster.StartServerAsync();
        var statuses = await poster.PostUntilOkAsync(body, TimeSpan.FromSeconds(60));
        Assert.True(statuses[^1] == HttpStatusCode.OK, "retries after restart: " + string.Join(", ", statuses));
        // While the pools recover the vault may still say "retry later", but never anything that would stop the bank.
        Assert.All(statuses, s => Assert.Contains(s, new[] { HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable }));

        Assert.Equal(PayoutState.Succeeded, (await env.WaitForAsync(payout.PayoutId, p => p.State == PayoutState.Succeeded)).State);
        Assert.Equal(1L, await Db.CountAsync(direct, "webhook_deliveries"));
        Assert.Equal("applied", await Db.ScalarAsync<string>(direct, "SELECT outcome FROM webhook_deliveries"));
        Assert.Equal(["created", "submitted", "bank_accepted", "webhook"],
            (await WebhookTestKit.EventsOfAsync(direct, payout.PayoutId)).Select(e => e.Kind));

        // The bank's next retry of the same delivery is a duplicate: 200, nothing new.
        Assert.Equal(HttpStatusCode.OK, await poster.StatusAsync(body));
        Assert.Equal(1L, await Db.CountAsync(direct, "webhook_deliveries"));
    }
}
