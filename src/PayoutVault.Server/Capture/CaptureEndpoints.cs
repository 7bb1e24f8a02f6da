using PayoutVault.Core.Audit;
using PayoutVault.Core.Capture;

namespace PayoutVault.Server.Capture;

/// <summary>
/// The capture listener's routes: the page of a session, its two static assets, and the submit endpoint. Every
/// response carries the security headers; the page's frame-ancestors lists the session's origins, every other
/// response may be framed by no one.
/// </summary>
public static class CaptureEndpoints
{
    public static WebApplication MapVaultCapture(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CaptureOptions>>().Value;
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PayoutVault.Capture");
        app.Lifetime.ApplicationStarted.Register(() => CaptureLog.Listening(logger, options.BaseUrl));
        app.UseCaptureListenerGate();
        app.UseRateLimiter();
        app.MapGet(CapturePage.ScriptPath, (HttpContext http) => Asset(http, CapturePage.Script, "text/javascript; charset=utf-8"));
        app.MapGet(CapturePage.StylePath, (HttpContext http) => Asset(http, CapturePage.Style, "text/css; charset=utf-8"));
        app.MapGet("/capture/{sessionId}", PageAsync);
        app.MapPost("/capture/{sessionId}/submit", SubmitAsync);
        return app;
    }

    private static IResult Asset(HttpContext http, byte[] content, string type)
    {
        CapturePage.ApplyHeaders(http.Response, nonce: null, frameAncestors: null);
        return Results.Bytes(content, type);
    }

    private static async Task<IResult> PageAsync(HttpContext http, string sessionId, CaptureSessionStore store,
        CaptureSessions sessions, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("PayoutVault.Capture");
        var session = CaptureSessionRecord.IsValidId(sessionId) ? await store.GetAsync(sessionId, http.RequestAborted) : null;
        if (session is null)
        {
            var id = CaptureSessionRecord.IsValidId(sessionId) ? sessionId : null;
            await store.RefuseAsync(null, false, 1, new AuditEntry(CaptureSubmission.PageCaller, AuditActions.CaptureRefused,
                id, "unknown", id, "page"), http.RequestAborted);
            CaptureLog.Refused(logger, 404, "unknown", id ?? "(malformed)");
            return Html(http, 404, CapturePage.Message("Form not found", "This card form does not exist."), null, null);
        }
        session = await sessions.ExpireIfOverdueAsync(session, http.RequestAborted);
        if (CaptureSubmission.Closed(session) is { } closed)
        {
            await store.RefuseAsync(null, false, 1, new AuditEntry(CaptureSubmission.PageCaller, AuditActions.CaptureRefused,
                sessionId, closed.Reason, sessionId, "page; session of " + session.Caller), http.RequestAborted);
            CaptureLog.Refused(logger, 410, closed.Reason, sessionId);
            // Still framable by the session's origins, so the parent shows why instead of a blocked frame.
            return Html(http, 410, CapturePage.Message(closed.Title, closed.Text), null, session.AllowedOrigins);
        }
        var nonce = CapturePage.NewNonce();
        return Html(http, 200, CapturePage.Form(session.SessionId, session.AllowedOrigins, nonce), nonce, session.AllowedOrigins);
    }

    private static async Task<IResult> SubmitAsync(HttpContext http, string sessionId, CaptureSubmission submission,
        ILoggerFactory loggers)
    {
        CapturePage.ApplyHeaders(http.Response, nonce: null, frameAncestors: null);
        try
        {
            var reply = await submission.SubmitAsync(http, sessionId, http.RequestAborted);
            return Results.Json(reply.Body, statusCode: reply.Status);
        }
        catch (Exception e) when (e is not OperationCanceledException || !http.RequestAborted.IsCancellationRequested)
        {
            // Type name only: an exception message could in theory quote input.
            CaptureLog.SubmitFailed(loggers.CreateLogger("PayoutVault.Capture"),
                CaptureSessionRecord.IsValidId(sessionId) ? sessionId : "(malformed)", e.GetType().Name);
            return Results.Json(new { error = "unavailable", message = "The card could not be saved. Try again in a moment." },
                statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static IResult Html(HttpContext http, int status, string html, string? nonce, IReadOnlyList<string>? ancestors)
    {
        CapturePage.ApplyHeaders(http.Response, nonce, ancestors);
        return Results.Content(html, "text/html; charset=utf-8", System.Text.Encoding.UTF8, status);
    }
}
