using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Bench;

internal static class PayoutRequests
{
    /// <summary>A payout the sandbox accepts and later settles as succeeded; a fresh idempotency key every call.</summary>
    public static CreatePayoutRequest New(string cardToken, string label) => new()
    {
        IdempotencyKey = $"bench-{label}-{Key()}",
        CardToken = cardToken,
        AmountMinor = 10000,
        Currency = "rub",
        Recipient = new Recipient { FullName = "Ivanov Ivan" },
    };

    /// <summary>
    /// 128 random bits in groups of eight hex digits joined by letters: a plain hex GUID now and then holds a digit
    /// run that passes Luhn, and the vault rightly refuses card-number-like text in idempotency keys.
    /// </summary>
    private static string Key() => string.Join("k", Guid.NewGuid().ToString("N").Chunk(8).Select(c => new string(c)));
}
