namespace PayoutVault.Core.Payouts;

/// <summary>
/// A CreatePayout request as the caller sent it, before any rule ran: every field is caller text and may be empty,
/// oversized or hostile. <see cref="PayoutValidator"/> turns it into a <see cref="PayoutRequest"/> or refuses it.
/// </summary>
public sealed record PayoutSubmission(
    string IdempotencyKey,
    string CardToken,
    long AmountMinor,
    string Currency,
    RecipientSubmission? Recipient,
    IReadOnlyDictionary<string, string> Metadata);

/// <summary>The recipient's names as sent; empty means not given.</summary>
public sealed record RecipientSubmission(string FullName, string FirstName, string LastName, string MiddleName);
