namespace PayoutVault.Bank131;

/// <summary>
/// A one-payout session as the bank would report it; the input of <see cref="Bank131Json"/>'s body builders.
/// </summary>
/// <param name="SessionId"><c>ps_...</c></param>
/// <param name="SessionStatus"><c>created</c>, <c>in_progress</c>, <c>accepted</c>, <c>cancelled</c> or <c>error</c>.</param>
/// <param name="PayoutId"><c>po_...</c></param>
/// <param name="PayoutStatus"><c>pending</c>, <c>in_progress</c>, <c>succeeded</c> or <c>failed</c>.</param>
/// <param name="Amount">Minor units.</param>
/// <param name="Currency">Lowercase code.</param>
/// <param name="MetadataJson">Raw JSON echoed as <c>metadata</c>; null leaves it out.</param>
/// <param name="ErrorCode">Payout <c>error.code</c>; null leaves <c>error</c> out.</param>
/// <param name="ErrorDescription">Payout <c>error.description</c>.</param>
/// <param name="CardLast4">Masked card in the payout method; null leaves the method out.</param>
/// <param name="CreatedAt">Defaults to now.</param>
/// <param name="FinishedAt">Written as <c>finished_at</c> when set.</param>
public sealed record Bank131SessionSnapshot(
    string SessionId,
    string SessionStatus,
    string PayoutId,
    string PayoutStatus,
    long Amount,
    string Currency,
    string? MetadataJson = null,
    string? ErrorCode = null,
    string? ErrorDescription = null,
    string? CardLast4 = null,
    DateTimeOffset? CreatedAt = null,
    DateTimeOffset? FinishedAt = null);
