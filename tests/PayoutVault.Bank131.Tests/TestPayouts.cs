namespace PayoutVault.Bank131.Tests;

/// <summary>Builds payout bodies for tests; every id is fresh so tests sharing a sandbox never collide.</summary>
internal static class TestPayouts
{
    public static readonly PayoutRecipient Ivanov = new("Ivanov Ivan", null, null, null);

    public static string NewKey() => "idem-" + Guid.NewGuid().ToString("N");

    public static string NewPayoutId() => "pay_" + Guid.NewGuid().ToString("N");

    public static SensitiveBuffer Body(
        string payoutId,
        string? scenario = null,
        string pan = TestCards.Visa,
        PayoutRecipient? recipient = null,
        long amount = 10000,
        string currency = "RUB")
    {
        var reference = new Dictionary<string, string> { ["order"] = "ord-1" };
        if (scenario is not null)
        {
            reference["scenario"] = scenario;
        }

        return PayoutRequestBody.Write(TestCards.Bytes(pan), recipient ?? Ivanov, amount, currency, payoutId, reference);
    }
}
