namespace PayoutVault.Core.Security;

/// <summary>
/// Whose payouts a call may see: a payout belongs to the caller that created it (payouts.caller), and a caller sees
/// only its own unless it holds the widening permission (payouts.read_all, payouts.watch_all). Someone else's payout
/// is answered exactly like one that does not exist, so a caller cannot learn which payout ids are taken.
/// </summary>
public sealed record OwnerScope(string? Owner)
{
    /// <summary>Every caller's payouts.</summary>
    public static readonly OwnerScope Everyone = new((string?)null);

    public bool Includes(string owner) => Owner is null || string.Equals(Owner, owner, StringComparison.Ordinal);

    /// <summary>Everyone's payouts when the caller holds the widening permission, else the caller's own.</summary>
    public static OwnerScope For(string caller, bool holdsWidening) => holdsWidening ? Everyone : new OwnerScope(caller);
}
