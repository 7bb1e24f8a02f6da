using PayoutVault.Bank131;

namespace PayoutVault.Core.Payouts;

/// <summary>A payout row. The card appears only as token, BIN and last 4.</summary>
public sealed record PayoutRecord(
    string PayoutId, string Caller, string IdempotencyKey, byte[] RequestHash, string CardToken,
    string Bin, string Last4, string Brand, long AmountMinor, string Currency, PayoutRecipient Recipient,
    IReadOnlyDictionary<string, string> Metadata, PayoutState State, string? BankSessionId, string? BankPayoutId,
    string? ErrorCode, string? ErrorDescription, int SendAttempts, int CheckAttempts, DateTime? NextCheckAt,
    DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>
/// A change decided for a payout. State moves only when PayoutStates.CanMove allows it; every applied change and
/// every recorded-but-ignored piece of news appends one payout event.
/// </summary>
public sealed record PayoutChange(string EventKind, PayoutState? NewState = null)
{
    public string? BankSessionId { get; init; }
    public string? BankPayoutId { get; init; }
    public string? ErrorCode { get; init; }
    public string? ErrorDescription { get; init; }
    /// <summary>When the reconciler should look at it next; null clears it (settled).</summary>
    public DateTime? NextCheckAt { get; init; }
    public bool KeepNextCheck { get; init; }
    public bool CountSend { get; init; }
    public bool CountCheck { get; init; }
    /// <summary>Append an event even when the state does not move (late or duplicate bank news).</summary>
    public bool RecordIfIgnored { get; init; }
    /// <summary>The process that sends it next (<see cref="ProcessLease.Owner"/>); null: nobody is sending it.</summary>
    public long? LeaseOwner { get; init; }
}
