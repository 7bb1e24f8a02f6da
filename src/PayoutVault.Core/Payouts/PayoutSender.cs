using Microsoft.Extensions.Options;
using System.Diagnostics;
using PayoutVault.Bank131;
using PayoutVault.Core.Telemetry;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Errors;
using PayoutVault.Core.Logging;
using PayoutVault.Core.Tokens;

namespace PayoutVault.Core.Payouts;

/// <summary>
/// Where a payout is sent to Bank 131. The card number is decrypted into a vault-owned buffer, written once into the
/// JSON body (another vault-owned buffer), and both are zeroed: the PAN buffer as soon as the body exists, the body
/// as soon as the call completes, whatever its outcome. The bank's idempotency key is the payout id, so every resend
/// of one payout is the same request to the bank and can never create a second payout.
/// </summary>
public sealed class PayoutSender(
    PayoutStore store, PayoutClaims claims, CardCrypto crypto, Bank131Gateway bank, ProcessLease lease,
    TimeProvider time, IOptions<PayoutOptions> options, ILogger<PayoutSender> logger)
{
    private PayoutOptions Options => options.Value;

    /// <summary>Unresolved resends after which a payout is flagged for manual review (about half an hour at the defaults).</summary>
    public const int NeedsReviewAfterChecks = 10;

    /// <summary>
    /// Claims a payout left in created by an older version or a crash (created -> submitted, committed before any
    /// byte goes out) and sends it.
    /// </summary>
    public async Task<PayoutRecord> SendNewAsync(string payoutId, AuditContext who, CancellationToken ct)
    {
        var claimed = await store.ApplyAsync(payoutId, p => p.State == PayoutState.Created
            ? new PayoutChange("submitted", PayoutState.Submitted) { CountSend = true, NextCheckAt = Now + Options.InFlightLease, LeaseOwner = lease.Owner }
            : null, ct);
        if (claimed is not { Moved: true } c) return claimed?.Payout ?? throw new NotFoundException($"Payout {payoutId} does not exist.");
        return await ResendAsync(c.Payout, who, ct);
    }

    /// <summary>Resends a claimed payout with the same idempotency key (the reconciler's path) and records the answer.</summary>
    public async Task<PayoutRecord> ResendAsync(PayoutRecord payout, AuditContext who, CancellationToken ct)
    {
        // Detokenization is audited before the card number is decrypted; if the record cannot be written, nothing is sent.
        var card = await claims.ClaimResendAsync(payout, who, ct);
        if (card is not { } c) return await NotSentAsync(payout, new NotFoundException("card gone"));
        return await SendClaimedAsync(new PayoutClaims.Claimed(payout, c.Ciphertext, c.DataKeyVersion));
    }

    /// <summary>
    /// Sends a claimed payout and records what the bank said. The card number is decrypted here, in memory only, and
    /// the buffers holding it are zeroed whatever the outcome. Never abandoned because a caller went away: once
    /// claimed, the outcome must be recorded either way.
    /// </summary>
    public async Task<PayoutRecord> SendClaimedAsync(PayoutClaims.Claimed claimed)
    {
        var payout = claimed.Payout;
        SensitiveBuffer body;
        try
        {
            using var pan = await crypto.DecryptAsync(payout.CardToken, claimed.DataKeyVersion, claimed.Ciphertext, CancellationToken.None);
            body = PayoutRequestBody.Write(pan.Span, payout.Recipient, payout.AmountMinor, payout.Currency,
                payout.PayoutId, payout.Metadata);
        }
        catch (DataLossException e)
        {
            return await NotSentAsync(payout, e);
        }

        InitPayoutResult result;
        using var activity = VaultTelemetry.Source.StartActivity("vault.payout.send");
        activity?.SetTag("vault.payout_id", payout.PayoutId).SetTag("vault.send_attempt", payout.SendAttempts);
        var started = Stopwatch.GetTimestamp();
        using (body)
            result = await bank.Client.InitPayoutAsync(body, payout.PayoutId, CancellationToken.None);
        activity?.SetTag("vault.bank_outcome", result.Outcome.ToString()).SetTag("http.response.status_code", result.HttpStatus);
        VaultTelemetry.PayoutSends.Add(1, VaultTelemetry.Tag("outcome", result.Outcome.ToString()));
        VaultTelemetry.PayoutSendDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        VaultLog.PayoutSent(logger, payout.PayoutId, result.Outcome.ToString(), result.HttpStatus ?? 0, result.ErrorCode ?? "");
        // The bank holds the key but no webhook or session id has settled it after many tries: only a person with
        // the bank's back office can say whether a payout exists. Say so loudly; never send another payout.
        if (result.Outcome != InitPayoutOutcome.Accepted && payout.CheckAttempts >= NeedsReviewAfterChecks)
            VaultLog.PayoutNeedsReview(logger, payout.PayoutId, payout.CheckAttempts);
        return await ApplyOrCurrentAsync(payout, ChangeFor(result, payout));
    }

    /// <summary>Nothing was sent: the card is gone or unreadable, so the payout fails for good.</summary>
    private async Task<PayoutRecord> NotSentAsync(PayoutRecord payout, Exception e)
    {
        var code = e is NotFoundException ? "card_token_deleted" : "card_data_integrity";
        VaultLog.PayoutNotSent(logger, payout.PayoutId, code);
        return await ApplyOrCurrentAsync(payout, new PayoutChange("vault_rejected", PayoutState.Failed)
        {
            ErrorCode = code, ErrorDescription = "The vault could not read the card behind the token.",
        });
    }

    private PayoutChange ChangeFor(InitPayoutResult result, PayoutRecord payout) => result.Outcome switch
    {
        InitPayoutOutcome.Accepted => new PayoutChange("bank_accepted",
            PayoutStates.FromBank(result.PayoutStatus) ?? PayoutState.InProgress)
        {
            BankSessionId = result.SessionId,
            BankPayoutId = result.BankPayoutId,
            ErrorCode = result.ErrorCode,
            ErrorDescription = result.ErrorDescription,
            NextCheckAt = Now + Options.StatusCheckAfterAccept,
        },
        InitPayoutOutcome.Rejected => new PayoutChange("bank_rejected", PayoutState.Failed)
        {
            ErrorCode = result.ErrorCode ?? "bank_rejected",
            ErrorDescription = result.ErrorDescription,
        },
        // The bank has this key already: a payout may exist. Never create another; wait for the webhook or status.
        InitPayoutOutcome.IdempotencyKeyExists => new PayoutChange("unknown", PayoutState.Unknown)
        {
            CountCheck = true,
            NextCheckAt = Now + Options.Backoff(payout.CheckAttempts),
        },
        _ => new PayoutChange("unknown", PayoutState.Unknown)
        {
            CountCheck = true,
            ErrorDescription = result.FailureReason,
            NextCheckAt = Now + Options.Backoff(payout.CheckAttempts),
        },
    };

    private async Task<PayoutRecord> ApplyOrCurrentAsync(PayoutRecord payout, PayoutChange change)
    {
        var applied = await store.ApplyAsync(payout.PayoutId, _ => change, CancellationToken.None);
        if (applied is { SessionShared: true } && change.BankSessionId is { } session)
            VaultLog.BankSessionShared(logger, payout.PayoutId, session);
        return applied?.Payout ?? payout;
    }

    private DateTime Now => time.GetUtcNow().UtcDateTime;
}
