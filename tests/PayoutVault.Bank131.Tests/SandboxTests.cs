using System.Text;
using System.Text.Json;

namespace PayoutVault.Bank131.Tests;

/// <summary>Bank131Client against the sandbox over real HTTP on loopback: every scenario, idempotency, signatures.</summary>
public sealed class SandboxTests(SandboxFixture sandbox) : IClassFixture<SandboxFixture>
{
    private const string InitPath = "/api/v1/session/init/payout";
    private const string StatusPath = "/api/v1/session/status";

    private async Task<(InitPayoutResult Result, string Key, string PayoutId)> PayAsync(
        string? scenario = null, string pan = TestCards.Visa, TimeSpan? timeout = null, PayoutRecipient? recipient = null)
    {
        var key = TestPayouts.NewKey();
        var payoutId = TestPayouts.NewPayoutId();
        using var body = TestPayouts.Body(payoutId, scenario, pan, recipient);
        var result = await sandbox.Client(timeout).InitPayoutAsync(body, key, CancellationToken.None);
        TestCards.AssertNoPan(result.ToString());
        return (result, key, payoutId);
    }

    [Fact]
    public async Task Success_is_accepted_counted_once_and_finished_by_a_signed_webhook()
    {
        var (result, key, payoutId) = await PayAsync();

        Assert.Equal(InitPayoutOutcome.Accepted, result.Outcome);
        Assert.Equal(200, result.HttpStatus);
        Assert.StartsWith("ps_", result.SessionId, StringComparison.Ordinal);
        Assert.StartsWith("po_", result.BankPayoutId, StringComparison.Ordinal);
        Assert.Equal("in_progress", result.SessionStatus);
        Assert.Equal("in_progress", result.PayoutStatus);
        Assert.Equal(1, await sandbox.AcceptedCountAsync(key));

        var delivery = Assert.Single(await sandbox.Receiver.WaitForPayoutAsync(payoutId));
        Assert.True(delivery.SignatureValid);
        Assert.True(TestKeys.Shared.BankVerifier().Verify(delivery.Body, delivery.Signature));
        var webhook = delivery.Webhook!;
        Assert.Equal("payment_finished", webhook.Type);
        Assert.Equal(result.SessionId, webhook.SessionId);
        Assert.Equal("accepted", webhook.SessionStatus);
        var payout = Assert.Single(webhook.Payouts);
        Assert.Equal(result.BankPayoutId, payout.Id);
        Assert.Equal("succeeded", payout.Status);
        Assert.Equal("4242", payout.CardLast4);
        TestCards.AssertNoPan(delivery.Text);

        var status = await sandbox.Client().GetSessionStatusAsync(result.SessionId!, CancellationToken.None);
        Assert.False(status.Failed);
        Assert.Equal("accepted", status.SessionStatus);
        Assert.Equal("succeeded", status.PayoutStatus);
        Assert.Equal(result.BankPayoutId, status.BankPayoutId);
        Assert.Equal(payoutId, status.PayoutIdFromMetadata);
        using var metadata = JsonDocument.Parse(status.MetadataJson!);
        Assert.Equal("ord-1", metadata.RootElement.GetProperty("reference").GetProperty("order").GetString());

        var received = Assert.Single(await sandbox.ReceivedAsync(key));
        Assert.True(received.GetProperty("signature_valid").GetBoolean());
        Assert.Equal("4242", received.GetProperty("card_last4").GetString());
        Assert.Equal(10000, received.GetProperty("amount").GetInt64());
        Assert.Equal("rub", received.GetProperty("currency").GetString());
        Assert.Equal(payoutId, received.GetProperty("metadata").GetProperty("payout_id").GetString());
    }

    [Fact]
    public async Task Names_with_quotes_backslashes_and_Cyrillic_reach_the_bank_intact()
    {
        var recipient = new PayoutRecipient(null, "Иван \"Ваня\"", "Иванов\\Петров", "Ёжикович\t<&>");
        var (result, key, _) = await PayAsync(recipient: recipient);
        Assert.Equal(InitPayoutOutcome.Accepted, result.Outcome);

        var received = Assert.Single(await sandbox.ReceivedAsync(key)).GetProperty("recipient");
        Assert.Equal(recipient.FirstName, received.GetProperty("first_name").GetString());
        Assert.Equal(recipient.LastName, received.GetProperty("last_name").GetString());
        Assert.Equal(recipient.MiddleName, received.GetProperty("middle_name").GetString());
        Assert.False(received.TryGetProperty("full_name", out _));
    }

    [Fact]
    public async Task A_request_signed_with_another_key_is_refused_and_counts_nothing()
    {
        var key = TestPayouts.NewKey();
        using var body = TestPayouts.Body(TestPayouts.NewPayoutId());
        var intruder = Bank131Signer.FromPemFile(TestKeys.Shared.OtherPrivate);

        var result = await sandbox.Client(signer: intruder).InitPayoutAsync(body, key, CancellationToken.None);

        Assert.Equal(InitPayoutOutcome.Rejected, result.Outcome);
        Assert.Equal(401, result.HttpStatus);
        Assert.Equal("authentication_error", result.ErrorCode);
        Assert.Equal(0, await sandbox.AcceptedCountAsync(key));
        Assert.False(Assert.Single(await sandbox.ReceivedAsync(key)).GetProperty("signature_valid").GetBoolean());

        // The refused attempt did not burn the key: a correctly signed retry is accepted.
        var retry = await sandbox.Client().InitPayoutAsync(body, key, CancellationToken.None);
        Assert.Equal(InitPayoutOutcome.Accepted, retry.Outcome);
        Assert.Equal(1, await sandbox.AcceptedCountAsync(key));
    }

    [Fact]
    public async Task A_tampered_body_or_a_missing_signature_is_an_authentication_error()
    {
        using var body = TestPayouts.Body(TestPayouts.NewPayoutId());
        var bytes = body.Span.ToArray();
        var signature = TestKeys.Shared.PartnerSigner().Sign(bytes);
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(bytes).Replace("10000", "99999", StringComparison.Ordinal));
        var key = TestPayouts.NewKey();

        var (status, answer) = await sandbox.PostRawAsync(InitPath, tampered, signature, idempotencyKey: key);
        Assert.Equal(401, status);
        Assert.Equal("error", answer.GetProperty("status").GetString());
        Assert.Equal("authentication_error", answer.GetProperty("error").GetProperty("code").GetString());

        (status, answer) = await sandbox.PostRawAsync(InitPath, bytes, signature: null, idempotencyKey: key);
        Assert.Equal(401, status);
        Assert.Equal("authentication_error", answer.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(0, await sandbox.AcceptedCountAsync(key));
        TestCards.AssertNoPan(answer.GetRawText());
    }

    [Fact]
    public async Task A_wrong_project_is_an_identification_error()
    {
        var key = TestPayouts.NewKey();
        using var body = TestPayouts.Body(TestPayouts.NewPayoutId());
        var client = sandbox.Client(projectId: "someone-else");
        var result = await client.InitPayoutAsync(body, key, CancellationToken.None);
        Assert.Equal(InitPayoutOutcome.Rejected, result.Outcome);
        Assert.Equal("identification_error", result.ErrorCode);
        Assert.Equal(0, await sandbox.AcceptedCountAsync(key));
    }

    public static TheoryData<string, string> InvalidBodies => new()
    {
        { """{"payment_method":{"type":"card","card":{"type":"bank_card","bank_card":{"number":"4242"}}},"participant_details":{"recipient":{"full_name":"A B"}},"amount_details":{"amount":100,"currency":"rub"}}""", "number" },
        { """{"payment_method":{"type":"card","card":{"type":"bank_card","bank_card":{"number":"4242x42424242424"}}},"participant_details":{"recipient":{"full_name":"A B"}},"amount_details":{"amount":100,"currency":"rub"}}""", "number" },
        { """{"payment_method":{"type":"card","card":{"type":"bank_card","bank_card":{"number":4242424242424242}}},"participant_details":{"recipient":{"full_name":"A B"}},"amount_details":{"amount":100,"currency":"rub"}}""", "number" },
        { """{"payment_method":{"type":"wallet"},"participant_details":{"recipient":{"full_name":"A B"}},"amount_details":{"amount":100,"currency":"rub"}}""", "payment_method.type" },
        { """{"payment_method":{"type":"card","card":{"type":"tokenized_card","bank_card":{"number":"4242424242424242"}}},"participant_details":{"recipient":{"full_name":"A B"}},"amount_details":{"amount":100,"currency":"rub"}}""", "card.type" },
        { """{"payment_method":{"type":"card","card":{"type":"bank_card","bank_card":{"number":"4242424242424242"}}},"amount_details":{"amount":100,"currency":"rub"}}""", "recipient" },
        { """{"payment_method":{"type":"card","card":{"type":"bank_card","bank_card":{"number":"4242424242424242"}}},"participant_details":{"recipient":{"first_name":"A"}},"amount_details":{"amount":100,"currency":"rub"}}""", "recipient" },
        { """{"payment_method":{"type":"card","card":{"type":"bank_card","bank_card":{"number":"4242424242424242"}}},"participant_details":{"recipient":{"full_name":"A B"}},"amount_details":{"amount":0,"currency":"rub"}}""", "amount" },
        { """{"payment_method":{"type":"card","card":{"type":"bank_card","bank_card":{"number":"4242424242424242"}}},"participant_details":{"recipient":{"full_name":"A B"}},"amount_details":{"amount":1.5,"currency":"rub"}}""", "amount" },
        { """{"payment_method":{"type":"card","card":{"type":"bank_card","bank_card":{"number":"4242424242424242"}}},"participant_details":{"recipient":{"full_name":"A B"}},"amount_details":{"amount":100,"currency":"RUB"}}""", "currency" },
        { """{"payment_method":{"type":"card","card":{"type":"bank_card","bank_card":{"number":"4242424242424242"}}},"participant_details":{"recipient":{"full_name":"A B"}},"amount_details":{"amount":100,"currency":"gbp"}}""", "currency" },
        { """{"payment_method":{"type":"card","card":{"type":"bank_card","bank_card":{"number":"4242424242424242"}}},"participant_details":{"recipient":{"full_name":"A B"}},"amount_details":{"amount":100,"currency":"rub"},"metadata":{"reference":{"scenario":"explode"}}}""", "scenario" },
        { """{"payment_method":""", "JSON" },
        { "[]", "object" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Invalid_requests_get_invalid_request_and_count_nothing(string body, string mentioned)
    {
        var key = TestPayouts.NewKey();
        var (status, answer) = await sandbox.PostSignedAsync(InitPath, body, key);

        Assert.Equal(400, status);
        Assert.Equal("invalid_request", answer.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains(mentioned, answer.GetProperty("error").GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await sandbox.AcceptedCountAsync(key));
        TestCards.AssertNoPan(answer.GetRawText());
    }

    [Fact]
    public async Task A_valid_hand_written_body_in_the_FACTS_shape_is_accepted_with_all_currencies()
    {
        foreach (var currency in new[] { "rub", "usd", "eur", "tonc" })
        {
            var key = TestPayouts.NewKey();
            var body = "{\"payment_method\":{\"type\":\"card\",\"card\":{\"type\":\"bank_card\",\"bank_card\":{\"number\":\"" + TestCards.Mir + "\"}}},"
                + "\"participant_details\":{\"recipient\":{\"first_name\":\"Ivan\",\"last_name\":\"Ivanov\"}},"
                + "\"amount_details\":{\"amount\":10000,\"currency\":\"" + currency + "\"},\"metadata\":\"good\"}";
            var (status, answer) = await sandbox.PostSignedAsync(InitPath, body, key);
            Assert.Equal(200, status);
            Assert.Equal("ok", answer.GetProperty("status").GetString());
            Assert.Equal("good", answer.GetProperty("session").GetProperty("payments")[0].GetProperty("metadata").GetString());
            Assert.Equal(1, await sandbox.AcceptedCountAsync(key));
            Assert.Equal("0004", Assert.Single(await sandbox.ReceivedAsync(key)).GetProperty("card_last4").GetString());
        }
    }

    [Fact]
    public async Task A_body_over_64_KiB_is_refused()
    {
        var key = TestPayouts.NewKey();
        var (status, answer) = await sandbox.PostSignedAsync(InitPath, "{\"pad\":\"" + new string('x', 70 * 1024) + "\"}", key);
        Assert.Equal(413, status);
        Assert.Equal("invalid_request", answer.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(0, await sandbox.AcceptedCountAsync(key));
    }

    [Fact]
    public async Task A_reused_idempotency_key_never_creates_a_second_payout()
    {
        var key = TestPayouts.NewKey();
        using var body = TestPayouts.Body(TestPayouts.NewPayoutId());
        var client = sandbox.Client();

        var first = await client.InitPayoutAsync(body, key, CancellationToken.None);
        var second = await client.InitPayoutAsync(body, key, CancellationToken.None);

        Assert.Equal(InitPayoutOutcome.Accepted, first.Outcome);
        Assert.Equal(InitPayoutOutcome.IdempotencyKeyExists, second.Outcome);
        Assert.Equal("idempotency_key_already_exists", second.ErrorCode);
        Assert.Equal(400, second.HttpStatus);
        Assert.Equal(1, await sandbox.AcceptedCountAsync(key));
    }

    [Fact]
    public async Task Concurrent_duplicates_yield_exactly_one_payout()
    {
        var key = TestPayouts.NewKey();
        var payoutId = TestPayouts.NewPayoutId();
        var client = sandbox.Client();
        var results = await Task.WhenAll(Enumerable.Range(0, 12).Select(async _ =>
        {
            using var body = TestPayouts.Body(payoutId);
            return await client.InitPayoutAsync(body, key, CancellationToken.None);
        }));

        Assert.Single(results, r => r.Outcome == InitPayoutOutcome.Accepted);
        Assert.Equal(11, results.Count(r => r.Outcome == InitPayoutOutcome.IdempotencyKeyExists));
        Assert.Equal(1, await sandbox.AcceptedCountAsync(key));
    }

    [Fact]
    public async Task Fail_scenario_is_accepted_then_a_failed_webhook_carries_the_bank_code()
    {
        var (result, key, payoutId) = await PayAsync("fail:insufficient_funds", TestCards.Mastercard);
        Assert.Equal(InitPayoutOutcome.Accepted, result.Outcome);
        Assert.Equal(1, await sandbox.AcceptedCountAsync(key));

        var delivery = Assert.Single(await sandbox.Receiver.WaitForPayoutAsync(payoutId));
        Assert.True(delivery.SignatureValid);
        var payout = Assert.Single(delivery.Webhook!.Payouts);
        Assert.Equal("failed", payout.Status);
        Assert.Equal("insufficient_funds", payout.ErrorCode);
        Assert.Equal("4444", payout.CardLast4);

        var status = await sandbox.Client().GetSessionStatusAsync(result.SessionId!, CancellationToken.None);
        Assert.Equal(("failed", "insufficient_funds"), (status.PayoutStatus, status.ErrorCode));
    }

    [Fact]
    public async Task Reject_scenario_is_a_synchronous_rejection_with_the_code_and_counts_nothing()
    {
        var (result, key, payoutId) = await PayAsync("reject:card_number_does_not_exist");
        Assert.Equal(InitPayoutOutcome.Rejected, result.Outcome);
        Assert.Equal(400, result.HttpStatus);
        Assert.Equal("card_number_does_not_exist", result.ErrorCode);
        Assert.Null(result.SessionId);
        Assert.Equal(0, await sandbox.AcceptedCountAsync(key));

        // The key was seen: a retry never creates a payout either.
        using var body = TestPayouts.Body(payoutId);
        var retry = await sandbox.Client().InitPayoutAsync(body, key, CancellationToken.None);
        Assert.Equal(InitPayoutOutcome.IdempotencyKeyExists, retry.Outcome);
        Assert.Equal(0, await sandbox.AcceptedCountAsync(key));
    }

    [Theory]
    [InlineData("reject:provider_timeout")]
    [InlineData("reject:internal_error")]
    [InlineData("http500")]
    public async Task Server_errors_and_transient_codes_are_unknown_not_rejected(string scenario)
    {
        var (result, key, _) = await PayAsync(scenario);
        Assert.Equal(InitPayoutOutcome.Unknown, result.Outcome);
        Assert.NotNull(result.FailureReason);
        Assert.Equal(0, await sandbox.AcceptedCountAsync(key));
    }

    [Fact]
    public async Task Slow_answer_past_the_client_timeout_is_unknown_but_the_payout_exists()
    {
        var started = DateTime.UtcNow;
        var (result, key, payoutId) = await PayAsync("slow", timeout: TimeSpan.FromMilliseconds(400));
        Assert.True(DateTime.UtcNow - started < SandboxFixture.SlowDelay, "the client must give up before the sandbox answers");

        Assert.Equal(InitPayoutOutcome.Unknown, result.Outcome);
        Assert.Null(result.HttpStatus);
        Assert.Contains("400 ms", result.FailureReason, StringComparison.Ordinal);
        Assert.Equal(1, await sandbox.AcceptedCountAsync(key));

        // Reconciliation: the webhook still arrives and names the vault's payout id.
        var delivery = Assert.Single(await sandbox.Receiver.WaitForPayoutAsync(payoutId));
        Assert.Equal("succeeded", delivery.Webhook!.Payouts[0].Status);
    }

    [Fact]
    public async Task Dropped_response_is_unknown_and_a_retry_with_the_same_key_pays_nothing_more()
    {
        var (result, key, payoutId) = await PayAsync("drop", timeout: TimeSpan.FromSeconds(5));
        Assert.Equal(InitPayoutOutcome.Unknown, result.Outcome);
        Assert.Null(result.SessionId);
        Assert.Equal(1, await sandbox.AcceptedCountAsync(key));

        using var body = TestPayouts.Body(payoutId, "drop");
        var retry = await sandbox.Client().InitPayoutAsync(body, key, CancellationToken.None);
        Assert.Equal(InitPayoutOutcome.IdempotencyKeyExists, retry.Outcome);
        Assert.Equal(1, await sandbox.AcceptedCountAsync(key));

        // Without a session id the webhook still finds the payout through metadata.payout_id.
        var delivery = Assert.Single(await sandbox.Receiver.WaitForPayoutAsync(payoutId));
        Assert.StartsWith("ps_", delivery.Webhook!.SessionId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Duplicate_webhook_scenario_delivers_the_same_signed_bytes_twice()
    {
        var (result, _, payoutId) = await PayAsync("duplicate_webhook");
        Assert.Equal(InitPayoutOutcome.Accepted, result.Outcome);

        var deliveries = await sandbox.Receiver.WaitForPayoutAsync(payoutId, 2);
        Assert.Equal(2, deliveries.Count);
        Assert.All(deliveries, d => Assert.True(d.SignatureValid));
        Assert.Equal(deliveries[0].Body, deliveries[1].Body);
        Assert.All(deliveries, d => Assert.Equal("succeeded", d.Webhook!.Payouts[0].Status));
    }

    [Fact]
    public async Task Out_of_order_scenario_sends_the_final_webhook_then_a_late_in_progress_one()
    {
        var (result, _, payoutId) = await PayAsync("out_of_order");
        Assert.Equal(InitPayoutOutcome.Accepted, result.Outcome);

        var deliveries = await sandbox.Receiver.WaitForPayoutAsync(payoutId, 2);
        Assert.All(deliveries, d => Assert.True(d.SignatureValid));
        Assert.Equal("succeeded", deliveries[0].Webhook!.Payouts[0].Status);
        Assert.Equal("in_progress", deliveries[1].Webhook!.Payouts[0].Status);
        Assert.Equal("in_progress", deliveries[1].Webhook!.SessionStatus);

        // The bank's own state stays final.
        var status = await sandbox.Client().GetSessionStatusAsync(result.SessionId!, CancellationToken.None);
        Assert.Equal("succeeded", status.PayoutStatus);
    }

    [Fact]
    public async Task V2_webhook_scenario_uses_payout_list_and_still_parses()
    {
        var (result, _, payoutId) = await PayAsync("v2_webhook", TestCards.Visa2);
        Assert.Equal(InitPayoutOutcome.Accepted, result.Outcome);

        var delivery = Assert.Single(await sandbox.Receiver.WaitForPayoutAsync(payoutId));
        Assert.True(delivery.SignatureValid);
        Assert.Contains("\"payout_list\"", delivery.Text, StringComparison.Ordinal);
        Assert.Contains("\"payout_details\"", delivery.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"payments\"", delivery.Text, StringComparison.Ordinal);
        var payout = Assert.Single(delivery.Webhook!.Payouts);
        Assert.Equal(result.BankPayoutId, payout.Id);
        Assert.Equal("succeeded", payout.Status);
        Assert.Equal("1111", payout.CardLast4);
    }

    [Fact]
    public async Task Webhooks_are_retried_with_backoff_until_the_receiver_answers_200()
    {
        var payoutId = TestPayouts.NewPayoutId();
        sandbox.Receiver.FailFirstDeliveries(payoutId, 2);
        using var body = TestPayouts.Body(payoutId);
        var result = await sandbox.Client().InitPayoutAsync(body, TestPayouts.NewKey(), CancellationToken.None);
        Assert.Equal(InitPayoutOutcome.Accepted, result.Outcome);

        var deliveries = await sandbox.Receiver.WaitForPayoutAsync(payoutId, 3);
        Assert.Equal([503, 503, 200], deliveries.Select(d => d.AnsweredStatus).ToArray());
        Assert.All(deliveries, d => Assert.Equal(deliveries[0].Body, d.Body));

        using var log = await sandbox.GetJsonAsync("/sandbox/webhooks");
        var attempts = log.RootElement.EnumerateArray()
            .Where(e => e.GetProperty("session_id").GetString() == result.SessionId)
            .Select(e => (e.GetProperty("attempt").GetInt32(), e.GetProperty("delivered").GetBoolean()))
            .ToArray();
        Assert.Equal([(1, false), (2, false), (3, true)], attempts);
    }

    [Fact]
    public async Task The_final_webhook_can_be_resent_on_request()
    {
        var (result, _, payoutId) = await PayAsync();
        await sandbox.Receiver.WaitForPayoutAsync(payoutId);

        using var response = await sandbox.Http.PostAsync($"{sandbox.BaseUrl}/sandbox/webhooks/resend/{result.SessionId}", null);
        Assert.Equal(202, (int)response.StatusCode);
        var deliveries = await sandbox.Receiver.WaitForPayoutAsync(payoutId, 2);
        Assert.Equal("succeeded", deliveries[1].Webhook!.Payouts[0].Status);

        using var missing = await sandbox.Http.PostAsync($"{sandbox.BaseUrl}/sandbox/webhooks/resend/ps_0", null);
        Assert.Equal(404, (int)missing.StatusCode);
    }

    [Fact]
    public async Task Session_status_for_an_unknown_session_or_a_bad_signature_fails()
    {
        var unknown = await sandbox.Client().GetSessionStatusAsync("ps_0", CancellationToken.None);
        Assert.True(unknown.Failed);
        Assert.Equal(400, unknown.HttpStatus);
        Assert.Equal("invalid_request", unknown.ErrorCode);

        var intruder = Bank131Signer.FromPemFile(TestKeys.Shared.OtherPrivate);
        var refused = await sandbox.Client(signer: intruder).GetSessionStatusAsync("ps_0", CancellationToken.None);
        Assert.True(refused.Failed);
        Assert.Equal("authentication_error", refused.ErrorCode);
    }

    [Fact]
    public async Task Control_endpoints_never_show_a_card_number()
    {
        foreach (var pan in TestCards.All)
        {
            var (result, _, payoutId) = await PayAsync(pan: pan);
            Assert.Equal(InitPayoutOutcome.Accepted, result.Outcome);
            var delivery = Assert.Single(await sandbox.Receiver.WaitForPayoutAsync(payoutId));
            TestCards.AssertNoPan(delivery.Text);
            TestCards.AssertNoPan(await sandbox.GetTextAsync("/sandbox/sessions/" + result.SessionId));
        }

        TestCards.AssertNoPan(await sandbox.GetTextAsync("/sandbox/received"));
        TestCards.AssertNoPan(await sandbox.GetTextAsync("/sandbox/webhooks"));
        TestCards.AssertNoPan(await sandbox.GetTextAsync("/sandbox/payouts"));
    }
}
