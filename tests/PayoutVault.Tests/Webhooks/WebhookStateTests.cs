using System.Net;
using System.Text.Json;
using PayoutVault.Bank131;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Webhooks;

/// <summary>
/// What a verified webhook does to its payout: forward-only state changes (terminal states never regress), v1 and v2
/// field names, matching by bank session id or else by the payout id echoed in metadata, and 200 with a record but
/// no change for news the vault cannot use (unknown payout, types a single-request payout never gets).
/// </summary>
public sealed class WebhookStateTests(WebhookEnvironmentFixture fx) : IClassFixture<WebhookEnvironmentFixture>
{
    private Task<string?> OutcomeAsync(byte[] body) =>
        Db.ScalarAsync<string>(fx.ConnectionString, "SELECT outcome FROM webhook_deliveries WHERE body_sha256 = @h",
            ("h", System.Security.Cryptography.SHA256.HashData(body)));

    [Fact]
    public async Task Succeeded_ThenLateInProgress_StaysSucceeded_AndTheLateOneIsRecordedUnchanged()
    {
        var payout = await fx.CreatePayoutAsync();
        var succeeded = WebhookTestKit.Finished(payout, "succeeded");
        var late = WebhookTestKit.Finished(payout, "in_progress");

        await fx.Poster.PostOkAsync(succeeded);
        await fx.Poster.PostOkAsync(late);

        Assert.Equal(PayoutState.Succeeded, (await fx.GetAsync(payout.PayoutId)).State);
        var events = await WebhookTestKit.EventsOfAsync(fx.ConnectionString, payout.PayoutId);
        Assert.Equal(
            [("created", "created", true), ("submitted", "submitted", true), ("bank_accepted", "in_progress", true),
             ("webhook", "succeeded", true), ("webhook", "succeeded", false)],
            events.Select(e => (e.Kind, e.State, e.Changed)));
        Assert.Equal("applied", await OutcomeAsync(succeeded));
        Assert.Equal("ignored", await OutcomeAsync(late));
    }

    [Fact]
    public async Task Failed_AfterSucceeded_StaysSucceeded_WithoutTheErrorCode()
    {
        var payout = await fx.CreatePayoutAsync();
        await fx.Poster.PostOkAsync(WebhookTestKit.Finished(payout, "succeeded"));
        var failed = WebhookTestKit.Finished(payout, "failed", errorCode: "card_expired");
        await fx.Poster.PostOkAsync(failed);

        var after = await fx.GetAsync(payout.PayoutId);
        Assert.Equal(PayoutState.Succeeded, after.State);
        Assert.Equal("", after.ErrorCode);
        var last = (await WebhookTestKit.EventsOfAsync(fx.ConnectionString, payout.PayoutId))[^1];
        Assert.Equal(("webhook", "succeeded", false), (last.Kind, last.State, last.Changed));
        Assert.Equal("ignored", await OutcomeAsync(failed));
    }

    [Fact]
    public async Task Succeeded_AfterFailed_StaysFailed()
    {
        var payout = await fx.CreatePayoutAsync();
        await fx.Poster.PostOkAsync(WebhookTestKit.Finished(payout, "failed", errorCode: "insufficient_funds"));
        await fx.Poster.PostOkAsync(WebhookTestKit.Finished(payout, "succeeded"));

        var after = await fx.GetAsync(payout.PayoutId);
        Assert.Equal(PayoutState.Failed, after.State);
        Assert.Equal("insufficient_funds", after.ErrorCode);
    }

    [Fact]
    public async Task V2FieldNames_AreApplied()
    {
        var payout = await fx.CreatePayoutAsync();
        var body = WebhookTestKit.Finished(payout, "failed", v2: true, errorCode: "card_blocked");
        var text = System.Text.Encoding.UTF8.GetString(body);
        Assert.Contains("\"payout_list\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"payments\"", text, StringComparison.Ordinal);

        await fx.Poster.PostOkAsync(body);

        var after = await fx.GetAsync(payout.PayoutId);
        Assert.Equal(PayoutState.Failed, after.State);
        Assert.Equal("card_blocked", after.ErrorCode);
        Assert.Equal("applied", await OutcomeAsync(body));
        Assert.Equal(payout.BankPayoutId, await Db.ScalarAsync<string>(fx.ConnectionString,
            "SELECT bank_payout_id FROM webhook_deliveries WHERE bank_session_id = @s", ("s", payout.BankSessionId)));
    }

    [Fact]
    public async Task V2Succeeded_WithPayoutDetails_IsApplied()
    {
        var payout = await fx.CreatePayoutAsync();
        var at = DateTimeOffset.UtcNow;
        var body = Bank131Json.Webhook(Bank131WebhookTypes.PaymentFinished, new Bank131SessionSnapshot(
            payout.BankSessionId, "accepted", payout.BankPayoutId, "succeeded", payout.AmountMinor, payout.Currency,
            WebhookTestKit.EchoedMetadata(payout.PayoutId, payout.Metadata), CardLast4: "4242", CreatedAt: at,
            FinishedAt: at), v2: true);
        Assert.Contains("\"payout_details\"", System.Text.Encoding.UTF8.GetString(body), StringComparison.Ordinal);

        await fx.Poster.PostOkAsync(body);

        Assert.Equal(PayoutState.Succeeded, (await fx.GetAsync(payout.PayoutId)).State);
    }

    [Fact]
    public async Task WithoutABankSessionId_TheWebhookFindsThePayoutByMetadataPayoutId()
    {
        // The sandbox accepts the payout and drops the connection: the vault never learns the session id.
        var payout = await fx.CreatePayoutAsync(scenario: "drop");
        Assert.Equal(PayoutState.Unknown, payout.State);
        Assert.Equal("", payout.BankSessionId);

        var sessionId = "ps_" + WebhookTestKit.RandomLetters(24);
        var body = WebhookTestKit.Finished(payout, "succeeded", sessionId: sessionId);
        await fx.Poster.PostOkAsync(body);

        var after = await fx.GetAsync(payout.PayoutId);
        Assert.Equal(PayoutState.Succeeded, after.State);
        Assert.Equal(sessionId, after.BankSessionId);
        Assert.Equal("applied", await OutcomeAsync(body));
        Assert.Equal(payout.PayoutId, await Db.ScalarAsync<string>(fx.ConnectionString,
            "SELECT payout_id FROM webhook_deliveries WHERE bank_session_id = @s", ("s", sessionId)));
    }

    [Fact]
    public async Task MetadataAsAJsonString_StillFindsThePayout()
    {
        var payout = await fx.CreatePayoutAsync(scenario: "drop");
        var echoed = JsonSerializer.Serialize(WebhookTestKit.EchoedMetadata(payout.PayoutId, payout.Metadata));
        var body = WebhookTestKit.Finished(payout, "failed", errorCode: "card_expired",
            sessionId: "ps_" + WebhookTestKit.RandomLetters(24), metadataJson: echoed);

        await fx.Poster.PostOkAsync(body);

        var after = await fx.GetAsync(payout.PayoutId);
        Assert.Equal(PayoutState.Failed, after.State);
        Assert.Equal("card_expired", after.ErrorCode);
    }

    /// <summary>
    /// The payout id the bank echoes is ours and unique; the session id is the bank's and may repeat (issue: a
    /// repeated session id left a payout stuck). The echoed id wins, and the mismatch is logged.
    /// </summary>
    [Fact]
    public async Task EchoedPayoutIdWins_OverTheSessionIdOfAnotherPayout()
    {
        var holder = await fx.CreatePayoutAsync();
        var named = await fx.CreatePayoutAsync();
        var body = WebhookTestKit.Finished(holder, "succeeded",
            metadataJson: WebhookTestKit.EchoedMetadata(named.PayoutId));

        await fx.Poster.PostOkAsync(body);

        Assert.Equal(PayoutState.Succeeded, (await fx.GetAsync(named.PayoutId)).State);
        Assert.Equal(PayoutState.InProgress, (await fx.GetAsync(holder.PayoutId)).State);
        Assert.Contains(fx.Env.Vault.Logs.Entries, e => e.EventId.Id == 1311
            && e.Message.Contains(named.PayoutId, StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnknownPayout_Is200_RecordedAsUnknown_AndNothingChanges()
    {
        await fx.CreatePayoutAsync();
        var before = await WebhookTestKit.SnapshotAsync(fx.ConnectionString);
        var ghost = new Payout
        {
            PayoutId = WebhookTestKit.UnknownPayoutId(),
            BankSessionId = "ps_" + WebhookTestKit.RandomLetters(24),
            BankPayoutId = "po_" + WebhookTestKit.RandomLetters(20),
            AmountMinor = 5000,
            Currency = "rub",
        };
        var body = WebhookTestKit.Finished(ghost, "succeeded");

        Assert.Equal(HttpStatusCode.OK, await fx.Poster.StatusAsync(body));

        var after = await WebhookTestKit.SnapshotAsync(fx.ConnectionString);
        Assert.Equal(before.Deliveries + 1, after.Deliveries);
        Assert.Equal(before.Events, after.Events);
        Assert.Equal(before.PayoutsDigest, after.PayoutsDigest);
        Assert.Equal("unknown_payout", await OutcomeAsync(body));
        Assert.Equal(0L, await Db.CountAsync(fx.ConnectionString, "webhook_deliveries",
            "bank_session_id = @s AND payout_id IS NOT NULL", ("s", ghost.BankSessionId)));

        // Without any metadata at all, and with a malformed payout id in it: still 200, still unknown.
        foreach (var metadata in new[] { "null", """{"payout_id":"pay_NOT-VALID"}""", "\"text\"" })
        {
            var other = WebhookTestKit.Finished(ghost, "succeeded", sessionId: "ps_" + WebhookTestKit.RandomLetters(24),
                metadataJson: metadata);
            Assert.Equal(HttpStatusCode.OK, await fx.Poster.StatusAsync(other));
            Assert.Equal("unknown_payout", await OutcomeAsync(other));
        }
        Assert.Equal(before.Events, (await WebhookTestKit.SnapshotAsync(fx.ConnectionString)).Events);
    }

    [Theory]
    [InlineData(Bank131WebhookTypes.PaymentRefunded)]
    [InlineData(Bank131WebhookTypes.ReadyToConfirm)]
    [InlineData(Bank131WebhookTypes.ReadyToCapture)]
    [InlineData(Bank131WebhookTypes.ActionRequired)]
    [InlineData("something_new")]
    public async Task OtherWebhookTypes_Are200_Recorded_AndChangeNothing(string type)
    {
        var payout = await fx.CreatePayoutAsync();
        var before = await WebhookTestKit.SnapshotAsync(fx.ConnectionString);
        // Even one that claims "failed" for a known session must not touch the payout.
        var body = WebhookTestKit.OfType(type, payout, payoutStatus: "failed");

        Assert.Equal(HttpStatusCode.OK, await fx.Poster.StatusAsync(body));

        var after = await WebhookTestKit.SnapshotAsync(fx.ConnectionString);
        Assert.Equal(before.Deliveries + 1, after.Deliveries);
        Assert.Equal(before.Events, after.Events);
        Assert.Equal(before.PayoutsDigest, after.PayoutsDigest);
        Assert.Equal(PayoutState.InProgress, (await fx.GetAsync(payout.PayoutId)).State);
        Assert.Equal("unsupported_type", await OutcomeAsync(body));
        // A type the vault does not know is kept only as a fixed word: the raw text could carry anything.
        var stored = type == "something_new" ? "unsupported" : type;
        Assert.Equal(stored, await Db.ScalarAsync<string>(fx.ConnectionString,
            "SELECT type FROM webhook_deliveries WHERE body_sha256 = @h",
            ("h", System.Security.Cryptography.SHA256.HashData(body))));
    }

    [Fact]
    public async Task EchoedMetadata_IsKeptOnTheDelivery_WithCardNumbersMasked()
    {
        var payout = await fx.CreatePayoutAsync(metadata: new Dictionary<string, string> { ["order"] = "ord-abc" });
        var reference = new Dictionary<string, string>
        {
            ["order"] = "ord-abc",
            ["note"] = "x",
        };
        var metadata = WebhookTestKit.EchoedMetadata(payout.PayoutId, reference);
        var body = WebhookTestKit.Finished(payout, "succeeded", metadataJson: metadata);
        await fx.Poster.PostOkAsync(body);

        var stored = await Db.ScalarAsync<bool>(fx.ConnectionString,
            "SELECT metadata = @m::jsonb FROM webhook_deliveries WHERE body_sha256 = @h",
            ("m", metadata), ("h", System.Security.Cryptography.SHA256.HashData(body)));
        Assert.True(stored, "webhook_deliveries.metadata must hold the echoed metadata");
        Assert.Equal(PayoutState.Succeeded, (await fx.GetAsync(payout.PayoutId)).State);

        // A bank that echoes a card number (here inside the reference) never gets it stored in clear.
        var leaky = WebhookTestKit.Finished(payout, "succeeded", metadataJson: WebhookTestKit.EchoedMetadata(
            payout.PayoutId, new Dictionary<string, string> { ["note"] = "card 4242424242424242" }));
        await fx.Poster.PostOkAsync(leaky);
        var storedLeaky = await Db.ScalarAsync<string>(fx.ConnectionString,
            "SELECT metadata::text FROM webhook_deliveries WHERE body_sha256 = @h",
            ("h", System.Security.Cryptography.SHA256.HashData(leaky)));
        Assert.NotNull(storedLeaky);
        Assert.Contains(payout.PayoutId, storedLeaky, StringComparison.Ordinal);
        Assert.DoesNotContain("4242424242424242", storedLeaky, StringComparison.Ordinal);
    }
}
