namespace PayoutVault.Bank131;

/// <summary>
/// One payout inside a session, as read from a response or webhook (v1 <c>payments</c> or v2 <c>payout_list</c>).
/// </summary>
/// <param name="Id">The bank's payout id, <c>po_...</c>.</param>
/// <param name="Status"><c>pending</c>, <c>in_progress</c>, <c>succeeded</c> or <c>failed</c>.</param>
/// <param name="ErrorCode">The payout's <c>error.code</c>, e.g. for a failed payout.</param>
/// <param name="ErrorDescription">The payout's <c>error.description</c>, card-number-like digit runs masked.</param>
/// <param name="MetadataJson">Raw JSON text of <c>metadata</c>, or null when absent or null.</param>
/// <param name="PayoutIdFromMetadata"><c>metadata.payout_id</c> when metadata is an object (or a string holding a
/// JSON object): how a webhook finds its payout when the session id was never received.</param>
/// <param name="Amount"><c>amount_details.amount</c> in minor units.</param>
/// <param name="Currency"><c>amount_details.currency</c>.</param>
/// <param name="CardLast4">Masked card's last four digits from <c>payment_method</c> / <c>payout_details</c>.</param>
public sealed record Bank131Payout(
    string? Id,
    string? Status,
    string? ErrorCode,
    string? ErrorDescription,
    string? MetadataJson,
    string? PayoutIdFromMetadata,
    long? Amount = null,
    string? Currency = null,
    string? CardLast4 = null);
