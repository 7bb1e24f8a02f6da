using System.Globalization;
using System.Text;
using Microsoft.Extensions.Options;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Errors;

namespace PayoutVault.Core.Capture;

/// <summary>A new session as handed to its creator: the record and the one-time URL (shown once).</summary>
public sealed record CreatedCaptureSession(CaptureSessionRecord Session, string Url);

/// <summary>
/// Capture sessions for the backends that create them, free of gRPC: validate, store with an audit record, read
/// back the caller's own. A session belongs to the caller that created it; anyone else's answers NOT_FOUND.
/// </summary>
public sealed class CaptureSessions(CaptureSessionStore store, AuditLog audit, IOptions<CaptureOptions> options, TimeProvider time)
{
    public const int MaxReferenceLength = 128;

    public async Task<CreatedCaptureSession> CreateAsync(IReadOnlyList<string> origins, int expiresInMinutes, string reference,
        AuditContext who, CancellationToken ct)
    {
        var o = options.Value;
        var v = new Violations();
        var allowed = CaptureOrigins.Validate(origins, o.AllowLocalhostOrigins, v);
        if (expiresInMinutes < 0 || expiresInMinutes > o.MaxExpiryMinutes)
            v.Add("expires_in_minutes", $"expires_in_minutes must be 1 to {o.MaxExpiryMinutes} (0 for the default {o.DefaultExpiryMinutes})");
        ValidateReference(reference ?? "", v);
        v.ThrowIfAny();
        // Validated first, so a caller learns about bad input even where capture is off; nothing is stored then.
        if (!o.Enabled)
            throw new FailedPreconditionException("Hosted card capture is not configured on this vault (Vault:Capture:CertificateFile).");

        var now = Now();
        var minutes = expiresInMinutes == 0 ? o.DefaultExpiryMinutes : expiresInMinutes;
        var secret = CaptureSecret.New();
        var session = new CaptureSessionRecord(CaptureSessionRecord.NewId(), who.Caller, CaptureSecret.Hash(secret), allowed,
            reference ?? "", CaptureState.Open, now, now.AddMinutes(minutes), 0, null, null);
        await store.InsertAsync(session, who.Entry(AuditActions.CaptureCreate, session.SessionId, "open",
            string.Create(CultureInfo.InvariantCulture, $"origins {string.Join(' ', allowed)}; expires in {minutes} min")), ct);
        return new CreatedCaptureSession(session, $"{o.BaseUrl}/capture/{session.SessionId}#{secret}");
    }

    public async Task<CaptureSessionRecord> GetAsync(string sessionId, AuditContext who, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(sessionId)) Violations.Throw("session_id", "session_id is required");
        if (!CaptureSessionRecord.IsValidId(sessionId))
            Violations.Throw("session_id", "session_id must be cap_ followed by 26 base32 characters");
        var session = await store.GetAsync(sessionId, ct);
        // Someone else's session is answered exactly like one that does not exist.
        if (session is null || !string.Equals(session.Caller, who.Caller, StringComparison.Ordinal))
            throw new NotFoundException($"Capture session {sessionId} does not exist.");
        session = await ExpireIfOverdueAsync(session, ct);
        await audit.AppendAsync(who.Entry(AuditActions.CaptureRead, sessionId, session.State), ct);
        return session;
    }

    /// <summary>An open session past its expiry is marked expired (and audited) before anyone is told its state.</summary>
    internal async Task<CaptureSessionRecord> ExpireIfOverdueAsync(CaptureSessionRecord session, CancellationToken ct)
    {
        if (!session.IsOverdue(Now())) return session;
        await store.ExpireDueAsync(Now(), 1, session.SessionId, ct);
        return await store.GetAsync(session.SessionId, ct) ?? session;
    }

    internal DateTime Now() => Audit.AuditChain.Truncate(time.GetUtcNow().UtcDateTime);

    private static void ValidateReference(string reference, Violations v)
    {
        if (reference.Length == 0) return;
        if (reference.Length > MaxReferenceLength) v.Add("reference", $"reference must be at most {MaxReferenceLength} characters");
        else if (reference.EnumerateRunes().Any(r => Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format
                     or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.PrivateUse
                     or UnicodeCategory.Surrogate))
            v.Add("reference", "reference must not contain control characters");
        else if (string.IsNullOrWhiteSpace(reference)) v.Add("reference", "reference must not be blank");
        // Stored in clear and returned to the backend: never a card number.
        else if (Bank131.CardNumberDetector.ContainsCardNumber(reference)) v.Add("reference", "reference must not contain a card number");
    }
}
