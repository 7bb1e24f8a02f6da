using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Bench;

internal static class PayoutRequests
{
    /// <summary>A payout the sandbox accepts and later settles as succeeded; a fresh idempotency key every call.</summary>
    public static CreatePayoutRequest New(string cardToken, string label) => new()
    {
        IdempotencyKey = $"bench-{label}-{Guid.NewGuid():N}",
        CardToken = cardToken,
        AmountMinor = 10000,
        Currency = "rub",
        Recipient = new Recipient { FullName = "Ivanov Ivan" },
    };
}
