namespace PayoutVault.Bank131;

/// <summary>Error codes the bank documents (it warns they may change, so unknown codes must be handled too).</summary>
public static class Bank131ErrorCodes
{
    public const string IdentificationError = "identification_error";
    public const string AuthenticationError = "authentication_error";
    public const string AuthorizationError = "authorization_error";
    public const string InvalidRequest = "invalid_request";
    public const string InternalError = "internal_error";
    public const string ProviderInternalError = "provider_internal_error";
    public const string ProviderIssuerUnavailable = "provider_issuer_unavailable";
    public const string ProviderTimeout = "provider_timeout";
    public const string ProviderExceedsAmountLimit = "provider_exceeds_amount_limit";
    public const string SessionWrongState = "session_wrong_state";
    public const string BankCardExpired = "bank_card_expired";
    public const string DeclinedByIssuerBank = "declined_by_issuer_bank";
    public const string InsufficientFunds = "insufficient_funds";
    public const string CardNumberDoesNotExist = "card_number_does_not_exist";
    public const string OperationRejected = "operation_rejected";
    public const string InsufficientWalletBalance = "insufficient_wallet_balance";
    public const string IdempotencyKeyAlreadyExists = "idempotency_key_already_exists";

    /// <summary>
    /// Codes that say the bank failed internally rather than refused the request: it may still have created the
    /// payout, so a synchronous answer carrying one of them is an unknown outcome, not a rejection.
    /// </summary>
    public static bool IsTransient(string? code) =>
        code is InternalError or ProviderInternalError or ProviderTimeout;
}
