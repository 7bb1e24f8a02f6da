using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Errors;
using PayoutVault.Core.Tokens;
using PayoutVault.Core.Capture;

namespace PayoutVault.Server.Capture;

/// <summary>What the page is answered: an HTTP status and a small JSON object (never the card number).</summary>
public sealed record CaptureReply(int Status, object Body);

/// <summary>
/// POST /capture/{sessionId}/submit from the hosted page. Checks, in order: same-origin request, session known and
/// open and unexpired, the URL's secret, the form's values; then tokenizes through TokenVault (the same validation,
/// dedupe, group commit and token.tokenize audit record as the Tokenize RPC) and completes the session once. Every
/// refusal is audited as capture.refused with a reason code; wrong secrets and invalid cards count towards locking
/// the session.
/// </summary>
public sealed class CaptureSubmission(CaptureSessionStore store, CaptureSessions sessions, TokenVault vault,
    IOptions<CaptureOptions> options, ILogger<CaptureSubmission> logger)
{
    public const int MaxBodyBytes = 2048;
    public const int MaxNameLength = 128;

    /// <summary>The caller name in audit records of page actions; their request id is the session id.</summary>
    public const string PageCaller = "capture-page";

    public async Task<CaptureReply> SubmitAsync(HttpContext http, string sessionId, CancellationToken ct)
    {
        var idOk = CaptureSessionRecord.IsValidId(sessionId);
        var id = idOk ? sessionId : null;
        if (!IsSameOrigin(http.Request)) return await RefuseAsync(id, null, 403, "origin", "Submissions come from the card page only.", false, ct);
        if (!idOk) return await RefuseAsync(null, null, 404, "unknown", "This card form does not exist.", false, ct);
        if (!IsJson(http.Request.ContentType)) return await RefuseAsync(id, null, 415, "content_type", "Send the form as JSON.", false, ct);
        if (http.Request.ContentLength > MaxBodyBytes) return await RefuseAsync(id, null, 413, "too_large", "The form is too large.", false, ct);

        var session = await store.GetAsync(sessionId, ct);
        if (session is null) return await RefuseAsync(id, null, 404, "unknown", "This card form does not exist.", false, ct);
        session = await sessions.ExpireIfOverdueAsync(session, ct);
        if (Closed(session) is { } closed) return await RefuseAsync(id, session, 410, closed.Reason, closed.Text, false, ct);

        var raw = await ReadBoundedAsync(http.Request.Body, ct);
        try
        {
            if (raw is null) return await RefuseAsync(id, session, 413, "too_large", "The form is too large.", false, ct);
            using var body = CaptureSubmissionBody.TryParse(raw);
            if (body is null) return await RefuseAsync(id, session, 400, "malformed", "The form could not be read.", true, ct);
            if (!CaptureSecret.Matches(body.Secret, session.SecretHash))
                return await RefuseAsync(id, session, 403, "bad_secret", "This card form link is not valid.", true, ct);

            var problems = new List<(string Field, string Message)>();
            if (body.ExpMonth is null || body.ExpYear is null) problems.Add(("expiry", "Enter the expiry date as MM/YY."));
            var name = body.Name.Trim();
            if (NameProblem(name) is { } nameProblem) problems.Add(("name", nameProblem));
            if (problems.Count > 0)
            {
                if (PanValidator.Validate(body.Number.Span) is not null) problems.Insert(0, ("number", NumberMessage));
                return await InvalidAsync(id!, session, problems, ct);
            }

            TokenizeOutcome outcome;
            try
            {
                outcome = await vault.TokenizeAsync(body.Number, body.ExpMonth, body.ExpYear,
                    new AuditContext(PageCaller, sessionId), ct);
            }
            catch (InvalidArgumentException invalid)
            {
                return await InvalidAsync(id!, session, invalid.Violations.Select(PageField).Distinct().ToList(), ct);
            }

            var card = new CapturedCard(outcome.Card.Token, outcome.Card.Bin, outcome.Card.Last4, outcome.Card.Brand,
                body.ExpMonth!.Value, body.ExpYear!.Value, name);
            var entry = new AuditEntry(PageCaller, AuditActions.CaptureComplete, sessionId, "completed", sessionId,
                $"token {card.Token} for {session.Caller}");
            if (!await store.CompleteAsync(sessionId, card, sessions.Now(), entry, ct))
                return await RefuseAsync(id, session, 410, "used", "This card form has already been used.", false, ct);
            CaptureLog.Completed(logger, sessionId, card.Token);
            return new CaptureReply(200, new
            {
                token = card.Token, bin = card.Bin, last4 = card.Last4, brand = card.Brand,
                exp_month = card.ExpMonth, exp_year = card.ExpYear, cardholder_name = card.CardholderName,
            });
        }
        finally
        {
            if (raw is not null) CryptographicOperations.ZeroMemory(raw);
        }
    }

    /// <summary>Why a session no longer takes a card, or null while it is open.</summary>
    public static (string Reason, string Title, string Text)? Closed(CaptureSessionRecord session) => session.State switch
    {
        CaptureState.Open => null,
        CaptureState.Completed => ("used", "Card already saved", "This card form has already been used."),
        CaptureState.Expired => ("expired", "Form expired", "This card form has expired. Ask for a new one."),
        _ => ("locked", "Form locked", "This card form is locked after too many attempts. Ask for a new one."),
    };

    private const string NumberMessage = "This card number is not valid. Check it and try again.";

    private static (string Field, string Message) PageField(FieldViolation v) => v.Field switch
    {
        "pan" => ("number", NumberMessage),
        "expiry" => ("expiry", "This card has expired."),
        _ => ("expiry", "Enter the expiry date as MM/YY."),
    };

    private static string? NameProblem(string name)
    {
        if (name.Length == 0) return "Enter the name as it appears on the card.";
        if (name.Length > MaxNameLength) return $"The name must be at most {MaxNameLength} characters.";
        if (name.EnumerateRunes().Any(r => Rune.GetUnicodeCategory(r) is UnicodeCategory.Control or UnicodeCategory.Format
                or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator or UnicodeCategory.PrivateUse
                or UnicodeCategory.Surrogate))
            return "The name contains characters that are not allowed.";
        // The name is stored in clear and handed to the backend: a card number typed into it stays out.
        if (Bank131.CardNumberDetector.ContainsCardNumber(name)) return "Enter the name, not the card number.";
        return null;
    }

    private async Task<CaptureReply> InvalidAsync(string sessionId, CaptureSessionRecord session,
        IReadOnlyList<(string Field, string Message)> problems, CancellationToken ct)
    {
        var state = await Audit(sessionId, session, "invalid", string.Join(',', problems.Select(p => p.Field).Distinct()), true, ct);
        if (state == CaptureState.Locked)
            return new CaptureReply(410, new { error = "locked", message = Closed(session with { State = state })!.Value.Text });
        CaptureLog.Refused(logger, 422, "invalid", sessionId);
        return new CaptureReply(422, new
        {
            error = "invalid",
            message = "Check the highlighted fields.",
            fields = problems.Select(p => new { field = p.Field, message = p.Message }).ToArray(),
        });
    }

    private async Task<CaptureReply> RefuseAsync(string? sessionId, CaptureSessionRecord? session, int status, string reason,
        string text, bool countsAsAttempt, CancellationToken ct)
    {
        var state = await Audit(sessionId, session, reason, $"HTTP {status.ToString(CultureInfo.InvariantCulture)}", countsAsAttempt, ct);
        CaptureLog.Refused(logger, status, reason, sessionId ?? "(none)");
        if (state == CaptureState.Locked) (status, reason, text) = (410, "locked", Closed(session! with { State = state })!.Value.Text);
        return new CaptureReply(status, new { error = reason, message = text });
    }

    private Task<string?> Audit(string? sessionId, CaptureSessionRecord? session, string reason, string detail,
        bool countsAsAttempt, CancellationToken ct) =>
        store.RefuseAsync(session is null ? null : sessionId, countsAsAttempt, options.Value.MaxRefusedAttempts,
            new AuditEntry(PageCaller, AuditActions.CaptureRefused, sessionId, reason, sessionId,
                session is null ? detail : $"{detail}; session of {session.Caller}"), ct);

    /// <summary>
    /// A fetch from the page itself carries Origin = the listener's own origin (and Sec-Fetch-Site: same-origin). A
    /// cross-site form post or script is refused before the body is read.
    /// </summary>
    private static bool IsSameOrigin(HttpRequest request)
    {
        var origin = request.Headers.Origin.ToString();
        var own = $"{request.Scheme}://{request.Host.Value}";
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        return string.Equals(origin, own, StringComparison.OrdinalIgnoreCase) && (site.Length == 0 || site == "same-origin");
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null && contentType.Split(';')[0].Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);

    /// <summary>The body into a pinned buffer (zeroed by the caller), or null when it exceeds MaxBodyBytes.</summary>
    private static async Task<byte[]?> ReadBoundedAsync(Stream body, CancellationToken ct)
    {
        var buffer = GC.AllocateArray<byte>(MaxBodyBytes + 1, pinned: true);
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), ct)) > 0) length += read;
        if (length > MaxBodyBytes)
        {
            CryptographicOperations.ZeroMemory(buffer);
            return null;
        }
        // A pinned exact-length copy, so the parser sees only the body; the larger buffer is wiped at once.
        var exact = GC.AllocateUninitializedArray<byte>(length, pinned: true);
        buffer.AsSpan(0, length).CopyTo(exact);
        CryptographicOperations.ZeroMemory(buffer);
        return exact;
    }
}
