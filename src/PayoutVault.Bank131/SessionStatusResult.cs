namespace PayoutVault.Bank131;

/// <summary>The answer to <c>session/status</c>, the reconciliation path for unknown outcomes.</summary>
public sealed record SessionStatusResult
{
    /// <summary>True when no usable session came back: transport failure, timeout, unparseable answer, or an error
    /// answer (e.g. unknown session). <see cref="FailureReason"/> or <see cref="ErrorCode"/> says which.</summary>
    public bool Failed { get; init; }

    public int? HttpStatus { get; init; }

    public string? SessionId { get; init; }

    public string? SessionStatus { get; init; }

    /// <summary>First payout of the session (<c>po_...</c>).</summary>
    public string? BankPayoutId { get; init; }

    public string? PayoutStatus { get; init; }

    /// <summary>The first payout's error, else the session's, else the top-level error.</summary>
    public string? ErrorCode { get; init; }

    public string? ErrorDescription { get; init; }

    /// <summary>Raw JSON of the first payout's <c>metadata</c> (as echoed by the bank), or null.</summary>
    public string? MetadataJson { get; init; }

    /// <summary>The vault payout id found in <c>metadata.payout_id</c>, or null.</summary>
    public string? PayoutIdFromMetadata { get; init; }

    /// <summary>Every payout in the session.</summary>
    public IReadOnlyList<Bank131Payout> Payouts { get; init; } = [];

    /// <summary>Local description of a transport or parse failure.</summary>
    public string? FailureReason { get; init; }
}
