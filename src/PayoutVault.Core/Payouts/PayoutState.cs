namespace PayoutVault.Core.Payouts;

/// <summary>
/// Payout states and the one rule that moves between them: forward only. Terminal states are final, so late,
/// duplicate or out-of-order news is recorded but never applied backwards.
/// </summary>
public enum PayoutState
{
    Created,
    Submitted,
    Unknown,
    InProgress,
    Succeeded,
    Failed,
}

public static class PayoutStates
{
    public static bool IsTerminal(this PayoutState s) => s is PayoutState.Succeeded or PayoutState.Failed;

    /// <summary>
    /// The states whose outcome is still open, as an SQL list. Every query about open payouts uses this one list; it
    /// matches the predicates of the partial indexes payouts_pending and payouts_open_by_card word for word, which is
    /// what lets the planner use them.
    /// </summary>
    public const string OpenSqlList = "('created', 'submitted', 'unknown', 'in_progress')";

    /// <summary>Whether news of <paramref name="next"/> may move a payout that is in <paramref name="current"/>.</summary>
    public static bool CanMove(PayoutState current, PayoutState next) => current switch
    {
        _ when current.IsTerminal() => false,
        PayoutState.Created => next != PayoutState.Created,
        PayoutState.Submitted => next is PayoutState.Unknown or PayoutState.InProgress || next.IsTerminal(),
        PayoutState.Unknown => next is PayoutState.InProgress || next.IsTerminal(),
        PayoutState.InProgress => next.IsTerminal(),
        _ => false,
    };

    public static string ToDb(this PayoutState s) => s switch
    {
        PayoutState.Created => "created",
        PayoutState.Submitted => "submitted",
        PayoutState.Unknown => "unknown",
        PayoutState.InProgress => "in_progress",
        PayoutState.Succeeded => "succeeded",
        PayoutState.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(s)),
    };

    public static PayoutState FromDb(string s) => s switch
    {
        "created" => PayoutState.Created,
        "submitted" => PayoutState.Submitted,
        "unknown" => PayoutState.Unknown,
        "in_progress" => PayoutState.InProgress,
        "succeeded" => PayoutState.Succeeded,
        "failed" => PayoutState.Failed,
        _ => throw new ArgumentOutOfRangeException(nameof(s), s, "unknown payout state"),
    };

    /// <summary>The bank's payout status as a vault state; null for statuses that settle nothing (pending).</summary>
    public static PayoutState? FromBank(string? status) => status switch
    {
        "succeeded" => PayoutState.Succeeded,
        "failed" => PayoutState.Failed,
        "in_progress" => PayoutState.InProgress,
        _ => null,
    };
}
