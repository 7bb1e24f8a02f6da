namespace PayoutVault.Bank131;

/// <summary>
/// The classified answer to <c>init/payout</c>. Every field comes from the bank's response or from a fixed local
/// description; none is ever derived from the request body, which holds the card number.
/// </summary>
public sealed record InitPayoutResult
{
    public required InitPayoutOutcome Outcome { get; init; }

    /// <summary>HTTP status of the bank's answer; null when none arrived.</summary>
    public int? HttpStatus { get; init; }

    /// <summary>The bank's session id, <c>ps_...</c>.</summary>
    public string? SessionId { get; init; }

    /// <summary>The bank's payout id, <c>po_...</c> (<c>payments[0].id</c> or <c>payout_list[0].id</c>).</summary>
    public string? BankPayoutId { get; init; }

    public string? SessionStatus { get; init; }

    public string? PayoutStatus { get; init; }

    /// <summary>The bank's error code (top-level error, else the session's, else the payout's).</summary>
    public string? ErrorCode { get; init; }

    /// <summary>The bank's error description, with anything that looks like a card number masked.</summary>
    public string? ErrorDescription { get; init; }

    /// <summary>For <see cref="InitPayoutOutcome.Unknown"/>: why the outcome is unknown (timeout, connection, HTTP
    /// 5xx, unparseable answer, ...). A fixed local text, never the request.</summary>
    public string? FailureReason { get; init; }
}
