namespace PayoutVault.Core.Streaming;

/// <summary>One stored payout event; Seq is the stream cursor. Caller is the payout's owner (never sent on the wire).</summary>
public sealed record PayoutEventRecord(
    long Seq, string PayoutId, string Kind, string State, bool StateChanged, string? BankSessionId,
    string? ErrorCode, long AmountMinor, string Currency, IReadOnlyDictionary<string, string> Metadata,
    DateTime OccurredAt, string Caller);

/// <summary>Which events a subscriber wants (empty sets mean "all") and may see (Owner null means every caller's).</summary>
public sealed record PayoutEventFilter(IReadOnlySet<string> PayoutIds, IReadOnlySet<string> States)
{
    public static readonly PayoutEventFilter All = new(new HashSet<string>(), new HashSet<string>());

    /// <summary>Only events of payouts this caller created; null: every caller's (payouts.watch_all).</summary>
    public string? Owner { get; init; }

    public bool Matches(PayoutEventRecord e) =>
        (Owner is null || string.Equals(Owner, e.Caller, StringComparison.Ordinal))
        && (PayoutIds.Count == 0 || PayoutIds.Contains(e.PayoutId)) && (States.Count == 0 || States.Contains(e.State));
}
