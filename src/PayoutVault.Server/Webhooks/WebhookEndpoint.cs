using Microsoft.Extensions.Options;
using Npgsql;
using PayoutVault.Bank131;
using System.Diagnostics;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Logging;
using PayoutVault.Core.Telemetry;
using PayoutVault.Core.Storage;

using PayoutVault.Core.Webhooks;

namespace PayoutVault.Server.Webhooks;

/// <summary>
/// POST /webhooks/bank131 on the HTTP/1.1 webhook listener. Order matters: bound the size, verify the signature over
/// the raw bytes, and only then look at content type, JSON and the shape of every value. 200 means "durably stored";
/// 503 asks the bank to retry. A signed body refused after that (415, 400) is audited as <c>webhook.rejected</c> with
/// a fixed reason code: no value of the body reaches the log, the audit trail or any table.
/// </summary>
public static class WebhookEndpoint
{
    public static WebApplication MapBank131Webhooks(this WebApplication app)
    {
        app.MapPost(WebhookOptions.Path, HandleAsync);
        return app;
    }

    private static async Task<IResult> HandleAsync(HttpContext http, WebhookIngestor ingestor,
        Bank131WebhookVerifier verifier, AuditLog audit, IOptions<WebhookOptions> options, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger("PayoutVault.Webhooks");
        using var activity = VaultTelemetry.Source.StartActivity("vault.webhook");
        var started = Stopwatch.GetTimestamp();
        var result = await HandleCoreAsync(http, ingestor, verifier, audit, options, logger);
        var status = result is IStatusCodeHttpResult { StatusCode: { } code } ? code : 200;
        activity?.SetTag("http.response.status_code", status);
        VaultTelemetry.Webhooks.Add(1, VaultTelemetry.Tag("status", status.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        VaultTelemetry.WebhookDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        return result;
    }

    private static async Task<IResult> HandleCoreAsync(HttpContext http, WebhookIngestor ingestor,
        Bank131WebhookVerifier verifier, AuditLog audit, IOptions<WebhookOptions> options, ILogger logger)
    {
        // The gRPC listener speaks HTTP/2 only, so HTTP/1.1 proves the request came in on the webhook listener.
        if (!HttpProtocolIsWebhookListener(http)) return Results.NotFound();

        var max = options.Value.MaxBodyBytes;
        if (http.Request.ContentLength > max) return Reject(logger, StatusCodes.Status413PayloadTooLarge, "body_too_large");
        var body = await ReadBoundedAsync(http.Request.Body, max, http.RequestAborted);
        if (body is null) return Reject(logger, StatusCodes.Status413PayloadTooLarge, "body_too_large");

        if (!verifier.Verifier.Verify(body, http.Request.Headers[Bank131Headers.Sign].ToString()))
        {
            await verifier.OnRejectedAsync(http, http.RequestAborted);
            return Reject(logger, StatusCodes.Status401Unauthorized, "bad_signature");
        }
        if (!WebhookContentType.IsJson(http.Request.ContentType))
            return await RejectSignedAsync(http, audit, logger, StatusCodes.Status415UnsupportedMediaType, "wrong_content_type");
        if (!Bank131Webhook.TryParse(body, out var webhook))
            return await RejectSignedAsync(http, audit, logger, StatusCodes.Status400BadRequest, "malformed_json");
        if (!WebhookShape.TryCheck(webhook, out var checkedWebhook, out var reason))
            return await RejectSignedAsync(http, audit, logger, StatusCodes.Status400BadRequest, reason);

        try
        {
            await ingestor.IngestAsync(body, checkedWebhook, http.RequestAborted);
        }
        catch (Exception e) when (DatabaseErrors.IsUnavailable(e))
        {
            VaultLog.DatabaseUnavailable(logger, WebhookOptions.Path, e.GetType().Name);
            return Results.Json(new { status = "error", error = "storage unavailable, retry" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        catch (PostgresException e) when (DatabaseErrors.IsDataException(e))
        {
            // Class 22 (data exception): a value PostgreSQL cannot hold slipped past the checks above. It is the
            // body's fault, so 400; the exception's text may quote the value, so only the SQLSTATE is kept.
            return await RejectSignedAsync(http, audit, logger, StatusCodes.Status400BadRequest, "invalid_value_" + e.SqlState);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Not the body's fault as far as the vault can tell, so 500 and the bank retries; the type name only,
            // since a database error's text can quote the value that caused it.
            VaultLog.WebhookFailed(logger, e.GetType().Name);
            return Results.Json(new { status = "error", error = "internal error" }, statusCode: StatusCodes.Status500InternalServerError);
        }
        return Results.Json(new { status = "ok" });
    }

    /// <summary>A signed body refused after verification: audited (reason code only) before the answer goes out.</summary>
    private static async Task<IResult> RejectSignedAsync(HttpContext http, AuditLog audit, ILogger logger, int status,
        string reason)
    {
        try
        {
            await audit.AppendAsync(new AuditEntry("bank131", AuditActions.WebhookRejected, null, "rejected",
                http.TraceIdentifier, reason), http.RequestAborted);
        }
        catch (Exception e) when (DatabaseErrors.IsUnavailable(e))
        {
            // Unrecorded, the refusal would leave no trace: ask the bank to send it again once the trail is back.
            VaultLog.DatabaseUnavailable(logger, WebhookOptions.Path, e.GetType().Name);
            return Results.Json(new { status = "error", error = "storage unavailable, retry" }, statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        return Reject(logger, status, reason);
    }

    private static bool HttpProtocolIsWebhookListener(HttpContext http) =>
        string.Equals(http.Request.Protocol, "HTTP/1.1", StringComparison.Ordinal);

    private static IResult Reject(ILogger logger, int status, string reason)
    {
        VaultLog.WebhookRejected(logger, status, reason);
        return Results.Json(new { status = "error", error = reason }, statusCode: status);
    }

    /// <summary>Reads at most max bytes; null when the body is larger.</summary>
    private static async Task<byte[]?> ReadBoundedAsync(Stream stream, int max, CancellationToken ct)
    {
        var buffer = new byte[Math.Min(max + 1, 16 * 1024)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length > max) return null;
                Array.Resize(ref buffer, Math.Min(buffer.Length * 2, max + 1));
            }
            var read = await stream.ReadAsync(buffer.AsMemory(length), ct);
            if (read == 0) break;
            length += read;
            if (length > max) return null;
        }
        return buffer[..length];
    }
}
