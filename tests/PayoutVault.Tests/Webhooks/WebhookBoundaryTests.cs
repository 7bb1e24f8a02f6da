using System.Net;
using System.Text;
using PayoutVault.Bank131;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Webhooks;

/// <summary>
/// Signed bodies that once answered 500, stored a card number or were acknowledged without saying anything, posted
/// through the real webhook listener with the bank's signature, so only the rule under test can refuse them. A
/// refused body gets its precise 4xx, one <c>webhook.rejected</c> audit record with a fixed reason code, and changes
/// nothing: no delivery, no payout change, no event, and no card number in the log or the database.
/// </summary>
public sealed class WebhookBoundaryTests(WebhookEnvironmentFixture fx) : IClassFixture<WebhookEnvironmentFixture>
{
    private async Task<(Payout, WebhookTestKit.StoreSnapshot, int Rejections)> ArrangeAsync()
    {
        var payout = await fx.CreatePayoutAsync();
        var rejections = (await AuditRows.ForAsync(fx.ConnectionString, AuditActions.WebhookRejected)).Count;
        return (payout, await WebhookTestKit.SnapshotAsync(fx.ConnectionString), rejections);
    }

    /// <summary>Posts a signed body and checks it was refused with <paramref name="status"/> and changed nothing.</summary>
    private async Task AssertRefusedAsync(byte[] body, HttpStatusCode status, string reason,
        string contentType = "application/json")
    {
        var (payout, before, rejections) = await ArrangeAsync();
        await AssertRefusedAsync(payout, before, rejections, body, status, reason, contentType);
    }

    private async Task AssertRefusedAsync(Payout payout, WebhookTestKit.StoreSnapshot before, int rejections,
        byte[] body, HttpStatusCode status, string reason, string contentType = "application/json")
    {
        using var response = await fx.Poster.PostAsync(body, contentType: contentType);
        var answer = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {answer}");
        Assert.Contains(reason, answer, StringComparison.Ordinal);

        var after = await WebhookTestKit.SnapshotAsync(fx.ConnectionString);
        Assert.True(before == after, $"the refused body changed the store: {before} -> {after}");
        Assert.Equal(PayoutState.InProgress, (await fx.GetAsync(payout.PayoutId)).State);
        var rows = await AuditRows.ForAsync(fx.ConnectionString, AuditActions.WebhookRejected);
        var row = Assert.Single(rows.Skip(rejections));
        Assert.Equal(("bank131", "rejected", reason), (row.Caller, row.Outcome, row.Detail));
        Assert.Null(row.ObjectId);
        AssertLogsHoldNoCardNumber();
        Assert.DoesNotContain(fx.Env.Vault.Logs.Entries, e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Error);
    }

    private void AssertLogsHoldNoCardNumber()
    {
        var text = fx.Env.Vault.Logs.AllText(includeTraceIds: false);
        foreach (var pan in TestCards.All)
            Assert.False(CardDataScanner.ContainsPanDigits(text, pan), $"the log holds digits of the card ending {pan[^4..]}");
        Assert.Empty(CardDataScanner.FindLuhnRuns(text));
    }

    private async Task AssertDatabaseHoldsNoCardNumberAsync()
    {
        var dump = await PgDump.DumpAsync(fx.Env.Vault.Database);
        foreach (var pan in TestCards.All)
            Assert.False(CardDataScanner.ContainsPanDigits(dump, pan), $"the dump holds digits of the card ending {pan[^4..]}");
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    // --- the parser never throws --------------------------------------------------------------------------------------

    [Fact]
    public async Task InvalidUtf8_InsideAStringOfASignedBody_Is400_NotA500()
    {
        var (payout, before, rejections) = await ArrangeAsync();
        var nonce = WebhookTestKit.RandomLetters(16);
        var body = WebhookTestKit.Finished(payout, "succeeded", nonce: nonce);
        var at = Encoding.UTF8.GetString(body).IndexOf(nonce, StringComparison.Ordinal);
        body[at] = 0xFF; // not UTF-8 anywhere
        body[at + 1] = 0xC3; // a lead byte without its continuation

        await AssertRefusedAsync(payout, before, rejections, body, HttpStatusCode.BadRequest, "malformed_json");
    }

    [Fact]
    public async Task EscapedLoneSurrogate_InMetadata_Is400_NotA500()
    {
        var (payout, before, rejections) = await ArrangeAsync();
        var body = WebhookTestKit.Finished(payout, "succeeded",
            metadataJson: "{\"payout_id\":\"" + payout.PayoutId + "\",\"reference\":{\"note\":\"\\ud800x\"}}");

        await AssertRefusedAsync(payout, before, rejections, body, HttpStatusCode.BadRequest, WebhookShapeReasons.BadMetadata);
    }

    [Fact]
    public async Task NulInSessionId_Is400_NotA500()
    {
        var (payout, before, rejections) = await ArrangeAsync();
        var body = WebhookTestKit.Finished(payout, "succeeded", sessionId: payout.BankSessionId + "\0x");
        Assert.Contains("\\u0000", Encoding.UTF8.GetString(body), StringComparison.Ordinal);

        await AssertRefusedAsync(payout, before, rejections, body, HttpStatusCode.BadRequest, WebhookShapeReasons.BadSessionId);
    }

    [Theory]
    [InlineData("\"note\":\"a\\u0000b\"")]
    [InlineData("\"a\\u0000\":\"key with a NUL\"")]
    [InlineData("\"note\":\"\\u001b[31mred\"")]
    [InlineData("\"note\":\"right-to-left \\u202e override\"")]
    public async Task ControlCharacter_InMetadata_Is400_NotA500(string member)
    {
        var (payout, before, rejections) = await ArrangeAsync();
        var body = WebhookTestKit.Finished(payout, "succeeded",
            metadataJson: "{\"payout_id\":\"" + payout.PayoutId + "\",\"reference\":{" + member + "}}");

        await AssertRefusedAsync(payout, before, rejections, body, HttpStatusCode.BadRequest, WebhookShapeReasons.BadMetadata);
    }

    [Fact]
    public async Task DeepNesting_AtTheRootOrInMetadata_Is400_NotA500()
    {
        var deep = new string('[', 200) + new string(']', 200);
        await AssertRefusedAsync(Utf8($$"""{"type":"payment_finished","x":{{deep}}}"""), HttpStatusCode.BadRequest, "malformed_json");

        var (payout, before, rejections) = await ArrangeAsync();
        var inMetadata = WebhookTestKit.Finished(payout, "succeeded",
            metadataJson: $$"""{"payout_id":"{{payout.PayoutId}}","x":{{new string('[', 62) + new string(']', 62)}}}""");
        await AssertRefusedAsync(payout, before, rejections, inMetadata, HttpStatusCode.BadRequest, "malformed_json");
    }

    [Theory]
    [InlineData("""{"type":"payment_finished","session":"ps_abc"}""", WebhookShapeReasons.IncompletePaymentFinished)]
    [InlineData("""{"type":"payment_finished","session":{"id":"ps_abc","payments":{"id":"po_x"}}}""", WebhookShapeReasons.IncompletePaymentFinished)]
    [InlineData("""{"type":"payment_finished","session":{"id":["ps_abc"],"payments":[{"status":"succeeded"}]}}""", WebhookShapeReasons.IncompletePaymentFinished)]
    [InlineData("""{"type":"payment_finished","session":{"id":"ps_abc","payments":[{"status":true}]}}""", WebhookShapeReasons.IncompletePaymentFinished)]
    [InlineData("""{"type":"payment_finished","session":{"id":12,"payments":[{"status":"succeeded"}]}}""", WebhookShapeReasons.BadSessionId)]
    [InlineData("""{"type":"payment_finished","session":{"id":"ps_abc","payments":[{"id":7,"status":"succeeded"}]}}""", WebhookShapeReasons.BadPayoutId)]
    [InlineData("""{"type":"payment_finished","session":{"id":"ps_abc","payments":[{"status":"SUCCEEDED!"}]}}""", WebhookShapeReasons.BadStatus)]
    [InlineData("""{"type":"payment_finished","session":{"id":"ps_abc","payments":[{"status":"failed","error":{"code":"a b"}}]}}""", WebhookShapeReasons.BadErrorCode)]
    public async Task WrongJsonTypesOrShapes_Are400(string text, string reason) =>
        await AssertRefusedAsync(Utf8(text), HttpStatusCode.BadRequest, reason);

    // --- incomplete payment_finished: refused (compliance/threat-model.md) --------------------------------------------

    [Theory]
    [InlineData("""{"type":"payment_finished"}""")]
    [InlineData("""{"type":"payment_finished","session":{}}""")]
    [InlineData("""{"type":"payment_finished","session":{"id":"ps_abc"}}""")]
    [InlineData("""{"type":"payment_finished","session":{"id":"ps_abc","payments":[]}}""")]
    [InlineData("""{"type":"payment_finished","session":{"id":"ps_abc","payments":[{"id":"po_abc"}]}}""")]
    [InlineData("""{"type":"payment_finished","session":{"id":"ps_abc","payout_list":[{"id":"po_abc","status":null}]}}""")]
    public async Task PaymentFinished_MissingRequiredParts_Is400_AndTouchesNoPayout(string text) =>
        await AssertRefusedAsync(Utf8(text), HttpStatusCode.BadRequest, WebhookShapeReasons.IncompletePaymentFinished);

    [Fact]
    public async Task PaymentFinished_ForARealSession_WithoutPayoutStatus_LeavesThatPayoutAlone()
    {
        var (payout, before, rejections) = await ArrangeAsync();
        var body = Utf8($$$"""
            {"type":"payment_finished","session":{"id":"{{{payout.BankSessionId}}}","status":"accepted",
             "payments":[{"id":"po_abc","metadata":{"payout_id":"{{{payout.PayoutId}}}"}}]}}
            """);
        await AssertRefusedAsync(payout, before, rejections, body, HttpStatusCode.BadRequest,
            WebhookShapeReasons.IncompletePaymentFinished);
    }

    // --- card numbers in bank fields ------------------------------------------------------------------------------------

    [Theory]
    [InlineData("ps_4242424242424242")]
    [InlineData("ps_4242-4242-4242-4242")]
    [InlineData("ps_4242_4242_4242_4242")]
    [InlineData("ps_x4111111111111111")]
    [InlineData("ps_" + "\uFF14\uFF12\uFF14\uFF12\uFF14\uFF12\uFF14\uFF12\uFF14\uFF12\uFF14\uFF12\uFF14\uFF12\uFF14\uFF12")] // fullwidth
    [InlineData("4242424242424242")]
    public async Task CardNumberInSessionId_Is400_AndReachesNoLogOrTable(string sessionId)
    {
        var (payout, before, rejections) = await ArrangeAsync();
        var body = WebhookTestKit.Finished(payout, "succeeded", sessionId: sessionId);
        await AssertRefusedAsync(payout, before, rejections, body, HttpStatusCode.BadRequest, WebhookShapeReasons.BadSessionId);
        await AssertDatabaseHoldsNoCardNumberAsync();
    }

    [Theory]
    [InlineData("po_5555555555554444")]
    [InlineData("po_5555 5555 5555 4444")]
    [InlineData("po_5555.5555.5555.4444")]
    public async Task CardNumberInPayoutId_Is400(string bankPayoutId)
    {
        var (payout, before, rejections) = await ArrangeAsync();
        var body = Bank131Json.PaymentFinished(payout.BankSessionId, bankPayoutId, "succeeded", payout.AmountMinor,
            payout.Currency, WebhookTestKit.EchoedMetadata(payout.PayoutId, nonce: WebhookTestKit.RandomLetters(12)), null);
        await AssertRefusedAsync(payout, before, rejections, body, HttpStatusCode.BadRequest, WebhookShapeReasons.BadPayoutId);
        await AssertDatabaseHoldsNoCardNumberAsync();
    }

    [Fact]
    public async Task CardNumberInErrorCode_Is400()
    {
        var (payout, before, rejections) = await ArrangeAsync();
        var body = WebhookTestKit.Finished(payout, "failed", errorCode: "declined_" + TestCards.Visa2);
        await AssertRefusedAsync(payout, before, rejections, body, HttpStatusCode.BadRequest, WebhookShapeReasons.BadErrorCode);
    }

    [Fact]
    public async Task CardNumberInType_IsStoredAndLoggedOnlyAsUnsupported()
    {
        var payout = await fx.CreatePayoutAsync();
        var before = await WebhookTestKit.SnapshotAsync(fx.ConnectionString);
        var body = WebhookTestKit.OfType("payment_finished_" + TestCards.Visa, payout);

        Assert.Equal(HttpStatusCode.OK, await fx.Poster.StatusAsync(body));

        var after = await WebhookTestKit.SnapshotAsync(fx.ConnectionString);
        Assert.Equal((before.Deliveries + 1, before.Events, before.PayoutsDigest), (after.Deliveries, after.Events, after.PayoutsDigest));
        Assert.Equal("unsupported", await Db.ScalarAsync<string>(fx.ConnectionString,
            "SELECT type FROM webhook_deliveries WHERE body_sha256 = @h", ("h", System.Security.Cryptography.SHA256.HashData(body))));
        AssertLogsHoldNoCardNumber();
        await AssertDatabaseHoldsNoCardNumberAsync();
    }

    [Theory]
    [InlineData("4242  4242  4242  4242")]
    [InlineData("4242.4242.4242.4242")]
    [InlineData("4242/4242/4242/4242")]
    [InlineData("4242_4242_4242_4242")]
    [InlineData("\uFF14\uFF12\uFF14\uFF12\uFF14\uFF12\uFF14\uFF12\uFF14\uFF12\uFF14\uFF12\uFF14\uFF12\uFF14\uFF12")]
    [InlineData("\\u0034242424242424242")] // a JSON escape hiding the first digit from a text scan
    public async Task CardNumberInEchoedMetadata_AnySeparators_IsMaskedBeforeStorage(string written)
    {
        var payout = await fx.CreatePayoutAsync();
        var metadata = $$"""{"payout_id":"{{payout.PayoutId}}","reference":{"note":"card {{written}}"},"{{written}}":4111111111111111}""";
        var body = WebhookTestKit.Finished(payout, "succeeded", metadataJson: metadata);

        Assert.Equal(HttpStatusCode.OK, await fx.Poster.StatusAsync(body));
        Assert.Equal(PayoutState.Succeeded, (await fx.GetAsync(payout.PayoutId)).State);

        var stored = await Db.ScalarAsync<string>(fx.ConnectionString,
            "SELECT metadata::text FROM webhook_deliveries WHERE body_sha256 = @h", ("h", System.Security.Cryptography.SHA256.HashData(body)));
        Assert.NotNull(stored);
        Assert.Contains(payout.PayoutId, stored, StringComparison.Ordinal);
        Assert.Contains("[masked]", stored, StringComparison.Ordinal);
        foreach (var pan in new[] { TestCards.Visa, TestCards.Visa2 })
            Assert.False(CardDataScanner.ContainsPanDigits(NormalisedDigits(stored), pan), "stored metadata: " + stored);
        AssertLogsHoldNoCardNumber();
        await AssertDatabaseHoldsNoCardNumberAsync();
    }

    // --- content type and database data exceptions ---------------------------------------------------------------------

    [Theory]
    [InlineData("application/jsonfoo")]
    [InlineData("application/json;charset=utf-16")]
    public async Task ContentTypeThatOnlyStartsLikeJson_Is415_AndAudited(string contentType)
    {
        var (payout, before, rejections) = await ArrangeAsync();
        await AssertRefusedAsync(payout, before, rejections, WebhookTestKit.Finished(payout, "succeeded"),
            HttpStatusCode.UnsupportedMediaType, "wrong_content_type", contentType);
    }

    [Fact]
    public async Task ValueThePostgresCannotHold_SqlStateClass22_Is400_NotA500()
    {
        // Valid JSON, but beyond jsonb's numeric range: PostgreSQL refuses it with 22003 on insert.
        var (payout, before, rejections) = await ArrangeAsync();
        var body = WebhookTestKit.Finished(payout, "succeeded",
            metadataJson: $$"""{"payout_id":"{{payout.PayoutId}}","n":1e1000000}""");

        await AssertRefusedAsync(payout, before, rejections, body, HttpStatusCode.BadRequest, "invalid_value_22003");
    }

    [Fact]
    public async Task GenuineBody_StillApplies_WithCharsetParameter()
    {
        var payout = await fx.CreatePayoutAsync();
        var body = WebhookTestKit.Finished(payout, "succeeded");
        Assert.Equal(HttpStatusCode.OK, await fx.Poster.StatusAsync(body, contentType: "Application/JSON; charset=\"UTF-8\""));
        Assert.Equal(PayoutState.Succeeded, (await fx.GetAsync(payout.PayoutId)).State);
    }

    /// <summary>Fullwidth and other Unicode digits as ASCII, separators dropped: what a scanner must not find.</summary>
    private static string NormalisedDigits(string text) =>
        new(text.Select(c => char.IsDigit(c) ? (char)('0' + (int)char.GetNumericValue(c)) : c)
            .Where(c => !(c is ' ' or '.' or '/' or '_' or '-')).ToArray());
}

/// <summary>The reason codes of <see cref="Core.Webhooks.WebhookShape.Reasons"/>, as constants for attributes.</summary>
internal static class WebhookShapeReasons
{
    public const string BadSessionId = Core.Webhooks.WebhookShape.Reasons.BadSessionId;
    public const string BadPayoutId = Core.Webhooks.WebhookShape.Reasons.BadPayoutId;
    public const string BadStatus = Core.Webhooks.WebhookShape.Reasons.BadStatus;
    public const string BadErrorCode = Core.Webhooks.WebhookShape.Reasons.BadErrorCode;
    public const string BadMetadata = Core.Webhooks.WebhookShape.Reasons.BadMetadata;
    public const string IncompletePaymentFinished = Core.Webhooks.WebhookShape.Reasons.IncompletePaymentFinished;
}
