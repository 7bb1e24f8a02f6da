using System.Text;

namespace PayoutVault.Bank131.Tests;

/// <summary>
/// The init/payout outcome rules, for answers the sandbox does not produce (2xx error bodies, HTML 502s, ...).
/// The same rules are exercised over real HTTP in <see cref="SandboxTests"/>.
/// </summary>
public sealed class ClassificationTests
{
    private const string OkV1 = """{"status":"ok","session":{"id":"ps_1694821","status":"in_progress","payments":[{"id":"po_1694822","status":"in_progress"}]}}""";
    private const string OkV2 = """{"status":"ok","session":{"id":"ps_5","status":"in_progress","payout_list":[{"id":"po_6","status":"pending"}]}}""";

    private static string Error(string code) => $$$"""{"status":"error","error":{"code":"{{{code}}}","description":"d"}}""";

    public static TheoryData<int, string, InitPayoutOutcome> Cases => new()
    {
        { 200, OkV1, InitPayoutOutcome.Accepted },
        { 201, OkV2, InitPayoutOutcome.Accepted },
        { 200, """{"status":"ok"}""", InitPayoutOutcome.Unknown },
        { 200, Error("operation_rejected"), InitPayoutOutcome.Rejected },
        { 200, Error("idempotency_key_already_exists"), InitPayoutOutcome.IdempotencyKeyExists },
        { 400, Error("idempotency_key_already_exists"), InitPayoutOutcome.IdempotencyKeyExists },
        { 409, Error("idempotency_key_already_exists"), InitPayoutOutcome.IdempotencyKeyExists },
        { 400, Error("invalid_request"), InitPayoutOutcome.Rejected },
        { 401, Error("authentication_error"), InitPayoutOutcome.Rejected },
        { 422, Error("insufficient_wallet_balance"), InitPayoutOutcome.Rejected },
        { 400, Error("some_code_the_bank_adds_later"), InitPayoutOutcome.Rejected },
        { 400, Error("internal_error"), InitPayoutOutcome.Unknown },
        { 400, Error("provider_internal_error"), InitPayoutOutcome.Unknown },
        { 200, Error("provider_timeout"), InitPayoutOutcome.Unknown },
        { 500, Error("invalid_request"), InitPayoutOutcome.Unknown },
        { 503, Error("internal_error"), InitPayoutOutcome.Unknown },
        { 502, "<html>Bad gateway</html>", InitPayoutOutcome.Unknown },
        { 200, "not json", InitPayoutOutcome.Unknown },
        { 200, "", InitPayoutOutcome.Unknown },
        { 404, "{}", InitPayoutOutcome.Unknown },
        { 302, OkV1, InitPayoutOutcome.Unknown },
        { 200, """{"status":"error"}""", InitPayoutOutcome.Unknown },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Answers_are_classified_for_at_most_once(int status, string body, InitPayoutOutcome expected)
    {
        var result = Bank131Client.ClassifyInitPayout(status, Encoding.UTF8.GetBytes(body));
        Assert.Equal(expected, result.Outcome);
        Assert.Equal(status, result.HttpStatus);
        if (expected == InitPayoutOutcome.Unknown)
        {
            Assert.False(string.IsNullOrEmpty(result.FailureReason));
        }
    }

    [Fact]
    public void Accepted_carries_session_and_payout_ids_from_v1_and_v2()
    {
        var v1 = Bank131Client.ClassifyInitPayout(200, Encoding.UTF8.GetBytes(OkV1));
        Assert.Equal(("ps_1694821", "po_1694822", "in_progress", "in_progress"), (v1.SessionId, v1.BankPayoutId, v1.SessionStatus, v1.PayoutStatus));
        var v2 = Bank131Client.ClassifyInitPayout(200, Encoding.UTF8.GetBytes(OkV2));
        Assert.Equal(("ps_5", "po_6", "pending"), (v2.SessionId, v2.BankPayoutId, v2.PayoutStatus));
    }

    [Fact]
    public void Rejected_carries_the_code_and_a_masked_description()
    {
        var body = $$$"""{"status":"error","error":{"code":"card_number_does_not_exist","description":"card {{{TestCards.Mastercard}}} does not exist"}}""";
        var result = Bank131Client.ClassifyInitPayout(400, Encoding.UTF8.GetBytes(body));
        Assert.Equal(InitPayoutOutcome.Rejected, result.Outcome);
        Assert.Equal("card_number_does_not_exist", result.ErrorCode);
        Assert.Equal("card [masked] does not exist", result.ErrorDescription);
        TestCards.AssertNoPan(result.ToString());
    }
}
