namespace PayoutVault.Bank131;

/// <summary>HTTP header names of the Bank 131 API, verbatim from the bank's SDK.</summary>
public static class Bank131Headers
{
    /// <summary>Project id issued by the bank.</summary>
    public const string Project = "X-PARTNER-PROJECT";

    /// <summary>Base64 RSA-SHA256 signature of the raw body (requests and webhooks alike).</summary>
    public const string Sign = "X-PARTNER-SIGN";

    /// <summary>Idempotency key; not covered by the signature.</summary>
    public const string IdempotencyKey = "x-partner-idempotency-key";

    /// <summary>Payer identifier, for non-resident financial institutions only.</summary>
    public const string Submerchant = "X-PARTNER-SUBMERCHANT";
}
