namespace PayoutVault.Bank131;

/// <summary>What an <c>init/payout</c> call means for the at-most-once rule.</summary>
public enum InitPayoutOutcome
{
    /// <summary>The bank created the session; a webhook will bring the final result.</summary>
    Accepted,

    /// <summary>The bank refused the request; it created nothing. Final failure with the bank's error code.</summary>
    Rejected,

    /// <summary>The bank has seen this idempotency key before: a payout for it may exist. Never send another;
    /// reconcile by webhook or <c>session/status</c>.</summary>
    IdempotencyKeyExists,

    /// <summary>Timeout, broken connection, HTTP 5xx, a transient bank error or an unreadable answer: the payout may
    /// or may not exist. Resolve by webhook, <c>session/status</c> or a retry with the same idempotency key.</summary>
    Unknown,
}
