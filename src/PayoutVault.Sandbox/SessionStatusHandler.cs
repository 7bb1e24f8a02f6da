using System.Text.Json;
using PayoutVault.Bank131;

namespace PayoutVault.Sandbox;

/// <summary><c>POST /api/v1/session/status</c> with <c>{"session_id":"ps_..."}</c>, signed like every request.</summary>
internal sealed class SessionStatusHandler(SandboxOptions options, SandboxKeys keys, SandboxState state)
{
    public async Task HandleAsync(HttpContext http)
    {
        using var body = new ZeroingBufferWriter(512);
        var request = http.Request;
        if (!await SandboxHttp.TryReadBodyAsync(request, body, SandboxOptions.MaxBodyBytes, http.RequestAborted))
        {
            await SandboxHttp.WriteErrorAsync(
                http, StatusCodes.Status413PayloadTooLarge, Bank131ErrorCodes.InvalidRequest, "The request body exceeds 64 KiB.");
            return;
        }

        var project = SandboxHttp.Header(request, Bank131Headers.Project);
        var signatureValid = keys.PartnerVerifier.Verify(body.WrittenSpan, SandboxHttp.Header(request, Bank131Headers.Sign));
        var received = new ReceivedRequest { Path = request.Path, Project = project, SignatureValid = signatureValid };
        try
        {
            if (SandboxHttp.Authenticate(options, project, signatureValid) is { } authError)
            {
                received.ResponseStatus = authError.Status;
                received.ErrorCode = authError.Code;
                await SandboxHttp.WriteErrorAsync(http, authError.Status, authError.Code, authError.Description);
                return;
            }

            var sessionId = ReadSessionId(body.WrittenMemory);
            if (sessionId is null)
            {
                received.ResponseStatus = StatusCodes.Status400BadRequest;
                received.ErrorCode = Bank131ErrorCodes.InvalidRequest;
                await SandboxHttp.WriteErrorAsync(
                    http, StatusCodes.Status400BadRequest, Bank131ErrorCodes.InvalidRequest, "session_id is required.");
                return;
            }

            received.SessionId = sessionId;
            var session = state.FindSession(sessionId);
            if (session is null)
            {
                received.ResponseStatus = StatusCodes.Status400BadRequest;
                received.ErrorCode = Bank131ErrorCodes.InvalidRequest;
                await SandboxHttp.WriteErrorAsync(
                    http, StatusCodes.Status400BadRequest, Bank131ErrorCodes.InvalidRequest, "Session not found.");
                return;
            }

            // status_http500: the first question about the session meets a failing front end; later ones the truth.
            if (session.Scenario.Kind == ScenarioKind.StatusHttp500 && session.CountStatusRequest() == 1)
            {
                received.ResponseStatus = StatusCodes.Status500InternalServerError;
                received.ErrorCode = Bank131ErrorCodes.InternalError;
                await SandboxHttp.WriteErrorAsync(
                    http, StatusCodes.Status500InternalServerError, Bank131ErrorCodes.InternalError, "Internal error.");
                return;
            }

            received.ResponseStatus = StatusCodes.Status200OK;
            await SandboxHttp.WriteJsonAsync(http, StatusCodes.Status200OK, Bank131Json.SessionResponse(session.Snapshot()));
        }
        finally
        {
            state.AddReceived(received);
        }
    }

    private static string? ReadSessionId(ReadOnlyMemory<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("session_id", out var id)
                && id.ValueKind == JsonValueKind.String
                ? id.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
