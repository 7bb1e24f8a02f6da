using PayoutVault.Core.Audit;
using PayoutVault.Core.Errors;
using PayoutVault.Core.Logging;
using PayoutVault.Core.Security;
using PayoutVault.Core.Tokens;

namespace PayoutVault.Core.Payouts;

/// <summary>CreatePayout and GetPayout logic, free of gRPC: persist first, then send once.</summary>
public sealed class PayoutOperations(
    PayoutStore store, PayoutClaims claims, PayoutSender sender, Bank131Gateway bank, AuditLog audit, TimeProvider time,
    Microsoft.Extensions.Options.IOptions<PayoutOptions> options, ILogger<PayoutOperations> logger)
{
    public async Task<PayoutRecord> CreateAsync(AuditContext who, PayoutSubmission submission, CancellationToken ct)
    {
        var request = PayoutValidator.Validate(submission);
        bank.EnsureEnabled(); // nothing is stored for a vault that cannot pay
        var payoutId = "pay_" + TokenFormat.RandomBase32(26);
        // Persisted and claimed in one commit before any byte goes out. If this process dies before the bank
        // answers, its lease owner lock dies with it and a reconciler (on any replica, or this one restarted) takes
        // the payout over at once; a live owner's lease is waited out. Past this point the caller going away changes
        // nothing: a claimed payout is sent and its outcome recorded.
        ct.ThrowIfCancellationRequested();
        var claimed = await claims.ClaimNewAsync(new PayoutClaims.NewPayout(payoutId, who, request,
            time.GetUtcNow().UtcDateTime + options.Value.InFlightLease), CancellationToken.None);
        if (claimed is null)
        {
            var existing = await store.GetByKeyAsync(who.Caller, request.IdempotencyKey, ct)
                ?? throw new NotFoundException($"Token {request.CardToken} does not exist or was deleted.");
            if (!existing.RequestHash.AsSpan().SequenceEqual(request.Hash()))
                // The key itself is never quoted: it is caller free text, and this message reaches logs.
                throw new AlreadyExistsException(
                    $"This idempotency key was already used for a different payout request ({existing.PayoutId}); nothing was sent.");
            return existing;
        }
        VaultLog.PayoutCreated(logger, claimed.Payout.PayoutId, claimed.Payout.CardToken, who.Caller);
        return await sender.SendClaimedAsync(claimed);
    }

    /// <summary>
    /// A payout within <paramref name="scope"/>. Another caller's payout out of scope takes the same path as a missing
    /// one (same status, same text, same single read, audited the same way as request.failed), so a caller cannot
    /// tell which payout ids exist.
    /// </summary>
    public async Task<PayoutRecord> GetAsync(string payoutId, AuditContext who, string action, OwnerScope scope,
        CancellationToken ct)
    {
        ValidatePayoutId(payoutId, "payout_id");
        var payout = await store.GetAsync(payoutId, ct);
        if (payout is null || !scope.Includes(payout.Caller))
            throw new NotFoundException($"Payout {payoutId} does not exist.");
        await audit.AppendAsync(who.Entry(action, payoutId, "ok"), ct);
        return payout;
    }

    public static bool IsValidPayoutId(string? id) => TokenFormat.IsValidId(id, "pay_");

    public static void ValidatePayoutId(string? id, string field)
    {
        if (string.IsNullOrEmpty(id)) Violations.Throw(field, $"{field} is required");
        if (!IsValidPayoutId(id)) Violations.Throw(field, $"{field} must be pay_ followed by 26 base32 characters");
    }
}
