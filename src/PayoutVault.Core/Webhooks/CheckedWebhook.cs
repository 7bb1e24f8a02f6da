namespace PayoutVault.Core.Webhooks;

/// <summary>
/// A webhook's values after <see cref="WebhookShape"/> accepted them: each one has its documented shape (or, for
/// free text, has been masked), so it may be stored and logged. Nothing else of the body is ever kept.
/// </summary>
/// <param name="Type">A known webhook type, or <see cref="WebhookShape.UnsupportedType"/>; never the raw text.</param>
/// <param name="SessionId"><c>ps_...</c>, or null when the body has none (only for types other than
/// <c>payment_finished</c>).</param>
/// <param name="News">The first payout entry of the session, the one a single-request payout has.</param>
public sealed record CheckedWebhook(
    string Type, string? SessionId, string? ErrorCode, string? ErrorDescription, CheckedPayout? News);

/// <param name="BankPayoutId"><c>po_...</c> or null.</param>
/// <param name="Status">A lower-case word such as <c>succeeded</c>; required for <c>payment_finished</c>.</param>
/// <param name="MetadataJson">The echoed metadata rebuilt from its parsed values, long digit runs masked.</param>
/// <param name="PayoutIdFromMetadata">Only used to find a payout when it is a well-formed vault payout id.</param>
public sealed record CheckedPayout(
    string? BankPayoutId, string? Status, string? ErrorCode, string? ErrorDescription, string? MetadataJson,
    string? PayoutIdFromMetadata);
