using System.Text;

namespace PayoutVault.Bank131.Tests;

/// <summary>Bank131Webhook.TryParse over v1 and v2 names, session errors, odd metadata and malformed input.</summary>
public sealed class WebhookParsingTests
{
    [Fact]
    public void V1_payment_finished_built_like_the_bank_parses()
    {
        var body = Bank131Json.PaymentFinished(
            "ps_1694821", "po_1694822", "succeeded", 10000, "rub", """{"payout_id":"pay_9","reference":{"order":"1"}}""");
        Assert.Contains("\"payments\"", Encoding.UTF8.GetString(body), StringComparison.Ordinal);

        Assert.True(Bank131Webhook.TryParse(body, out var webhook));
        Assert.Equal("payment_finished", webhook.Type);
        Assert.Equal("ps_1694821", webhook.SessionId);
        Assert.Equal("accepted", webhook.SessionStatus);
        var payout = Assert.Single(webhook.Payouts);
        Assert.Equal("po_1694822", payout.Id);
        Assert.Equal("succeeded", payout.Status);
        Assert.Null(payout.ErrorCode);
        Assert.Equal("pay_9", payout.PayoutIdFromMetadata);
        Assert.Equal("""{"payout_id":"pay_9","reference":{"order":"1"}}""", payout.MetadataJson);
        Assert.Equal(10000, payout.Amount);
        Assert.Equal("rub", payout.Currency);
    }

    [Fact]
    public void V2_names_payout_list_and_payout_details_parse()
    {
        var snapshot = new Bank131SessionSnapshot(
            "ps_1", "accepted", "po_2", "failed", 500, "rub", """{"payout_id":"pay_v2"}""",
            "insufficient_funds", "Not enough money", CardLast4: "4444");
        var body = Bank131Json.Webhook("payment_finished", snapshot, v2: true);
        var text = Encoding.UTF8.GetString(body);
        Assert.Contains("\"payout_list\"", text, StringComparison.Ordinal);
        Assert.Contains("\"payout_details\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"payments\"", text, StringComparison.Ordinal);

        Assert.True(Bank131Webhook.TryParse(body, out var webhook));
        var payout = Assert.Single(webhook.Payouts);
        Assert.Equal("po_2", payout.Id);
        Assert.Equal("failed", payout.Status);
        Assert.Equal("insufficient_funds", payout.ErrorCode);
        Assert.Equal("Not enough money", payout.ErrorDescription);
        Assert.Equal("pay_v2", payout.PayoutIdFromMetadata);
        Assert.Equal("4444", payout.CardLast4);
    }

    [Fact]
    public void Hand_written_bank_body_with_session_error_and_string_metadata_parses()
    {
        var json = """
            {
              "type": "payment_finished",
              "session": {
                "id": "ps_77", "status": "error", "created_at": "2024-01-01T10:00:00+03:00",
                "error": { "code": "internal_error", "description": "try later" },
                "payments": [
                  { "id": "po_78", "status": "failed", "metadata": "{\"payout_id\":\"pay_str\"}",
                    "payment_method": { "type": "card", "card": { "brand": "visa", "last4": "4242" } },
                    "error": { "code": "declined_by_issuer_bank", "description": "card 4242 4242 4242 4242 declined" },
                    "unknown_field": [1, 2, 3] },
                  "not an object"
                ]
              },
              "extra": true
            }
            """;
        Assert.True(Bank131Webhook.TryParse(Encoding.UTF8.GetBytes(json), out var webhook));
        Assert.Equal("error", webhook.SessionStatus);
        Assert.Equal("internal_error", webhook.ErrorCode);
        Assert.Equal("try later", webhook.ErrorDescription);
        var payout = Assert.Single(webhook.Payouts);
        Assert.Equal("pay_str", payout.PayoutIdFromMetadata);
        Assert.Equal("4242", payout.CardLast4);
        Assert.Equal("declined_by_issuer_bank", payout.ErrorCode);
        // A bank text quoting a card number is masked before it can reach the vault's events.
        TestCards.AssertNoPan(payout.ErrorDescription);
        Assert.Contains("[masked]", payout.ErrorDescription, StringComparison.Ordinal);
    }

    [Fact]
    public void Scalar_metadata_is_kept_raw_without_a_payout_id()
    {
        var json = """{"type":"payment_finished","session":{"id":"ps_1","payments":[{"id":"po_1","status":"succeeded","metadata":"good"}]}}""";
        Assert.True(Bank131Webhook.TryParse(Encoding.UTF8.GetBytes(json), out var webhook));
        Assert.Equal("\"good\"", webhook.Payouts[0].MetadataJson);
        Assert.Null(webhook.Payouts[0].PayoutIdFromMetadata);
    }

    [Fact]
    public void A_type_without_a_session_parses_with_no_payouts()
    {
        Assert.True(Bank131Webhook.TryParse("""{"type":"ready_to_confirm"}"""u8, out var webhook));
        Assert.Equal("ready_to_confirm", webhook.Type);
        Assert.Null(webhook.SessionId);
        Assert.Empty(webhook.Payouts);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("\"payment_finished\"")]
    [InlineData("{\"session\":{\"id\":\"ps_1\"}}")]
    [InlineData("{\"type\":5}")]
    [InlineData("{\"type\":\"\"}")]
    [InlineData("{\"type\":\"payment_finished\"} trailing")]
    [InlineData("{\"type\":\"payment_finished\",}")]
    public void Malformed_input_or_missing_type_is_false(string json)
    {
        Assert.False(Bank131Webhook.TryParse(Encoding.UTF8.GetBytes(json), out var webhook));
        Assert.Null(webhook);
    }

    [Fact]
    public void Invalid_UTF8_is_false()
    {
        Assert.False(Bank131Webhook.TryParse([(byte)'{', (byte)'"', 0xC3, 0x28, (byte)'"', (byte)':', (byte)'1', (byte)'}'], out _));
    }
}
