namespace PayoutVault.Server.Streaming;

/// <summary>One stored payout event; Seq is the stream cursor.</summary>
public sealed record PayoutEventRecord(
    long Seq, string PayoutId, string Kind, string State, bool StateChanged, string? BankSessionId,
    string? ErrorCode, long AmountMinor, string Currency, IReadOnlyDictionary<string, string> Metadata,
    DateTime OccurredAt);

/// <summary>Which events a subscriber wants; empty sets mean "all".</summary>
public sealed record PayoutEventFilter(IReadOnlySet<string> PayoutIds, IReadOnlySet<string> States)
{
    public static readonly PayoutEventFilter All = new(new HashSet<string>(), new HashSet<string>());

    public bool Matches(PayoutEventRecord e) =>
        (PayoutIds.Count == 0 || PayoutIds.Contains(e.PayoutId)) && (States.Count == 0 || States.Contains(e.State));
}
