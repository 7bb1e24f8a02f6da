using System.Text;

namespace PayoutVault.Bank131.Tests;

/// <summary>
/// The webhook parser runs on bodies the bank signed but the vault does not trust: whatever the bytes, it answers
/// true or false and never throws (an exception there was a 500 on the webhook listener).
/// </summary>
public sealed class WebhookParserRobustnessTests
{
    private static byte[] Genuine() => Bank131Json.Webhook(Bank131WebhookTypes.PaymentFinished, new Bank131SessionSnapshot(
        "ps_1694821", "accepted", "po_1694822", "succeeded", 10000, "rub",
        """{"payout_id":"pay_abcdefghijklmnopqrstuvwxyz","reference":{"order":"ord-1"}}""",
        ErrorCode: "none", ErrorDescription: "описание", CardLast4: "4242"));

    [Theory]
    [InlineData("{\"type\":\"payment_finished\",\"session\":{\"id\":\"\\ud800\"}}")]
    [InlineData("{\"type\":\"\\udc00x\"}")]
    [InlineData("{\"type\":\"payment_finished\",\"session\":{\"id\":\"ps_\\u0000\"}}")]
    [InlineData("{\"type\":\"payment_finished\",\"session\":{\"payments\":[{\"metadata\":\"{\\\"payout_id\\\":\\\"\\\\ud800\\\"}\"}]}}")]
    [InlineData("{\"type\":\"payment_finished\",\"session\":{\"payments\":[{\"amount_details\":{\"amount\":1e999999}}]}}")]
    [InlineData("{\"type\":\"payment_finished\",\"session\":{\"payments\":\"x\",\"payout_list\":[1,null,\"a\",{}]}}")]
    public void Hostile_but_well_formed_text_never_throws(string json)
    {
        var ex = Record.Exception(() => Bank131Webhook.TryParse(Encoding.UTF8.GetBytes(json), out _));
        Assert.Null(ex);
    }

    [Fact]
    public void Nesting_deeper_than_the_limit_is_false()
    {
        var deep = "{\"type\":\"payment_finished\",\"x\":" + new string('[', 100_000) + new string(']', 100_000) + "}";
        Assert.False(Bank131Webhook.TryParse(Encoding.UTF8.GetBytes(deep), out _));
    }

    [Fact]
    public void Thousands_of_random_mutations_of_a_genuine_body_never_throw()
    {
        var genuine = Genuine();
        Assert.True(Bank131Webhook.TryParse(genuine, out _));
        var random = new Random(20260302); // fixed seed: a failure reproduces
        byte[] interesting = [0x00, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x80, 0xC3, 0xED, 0xF4, 0xFF, (byte)'u', (byte)'0'];
        var accepted = 0;
        for (var n = 0; n < 5000; n++)
        {
            var body = (byte[])genuine.Clone();
            for (var flips = random.Next(1, 4); flips > 0; flips--)
            {
                var at = random.Next(body.Length);
                body[at] = random.Next(2) == 0 ? interesting[random.Next(interesting.Length)] : (byte)random.Next(256);
            }
            if (random.Next(4) == 0) body = body[..random.Next(body.Length)];

            var ex = Record.Exception(() =>
            {
                if (Bank131Webhook.TryParse(body, out _)) accepted++;
            });
            Assert.True(ex is null, $"mutation {n} threw {ex?.GetType().Name}");
        }

        Assert.InRange(accepted, 1, 4999); // the mutations exercise both answers
    }
}
