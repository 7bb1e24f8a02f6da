using PayoutVault.Bank131;

namespace PayoutVault.Sandbox;

/// <summary>
/// <c>POST /api/v1/session/init/payout</c>: authenticate, validate, enforce the idempotency key, then play the
/// requested scenario. Never logs or stores the card number; the body buffer is wiped when the request ends.
/// </summary>
internal sealed class InitPayoutHandler(
    SandboxOptions options, SandboxKeys keys, SandboxState state, WebhookSender webhooks, ILogger<InitPayoutHandler> log)
{
    public async Task HandleAsync(HttpContext http)
    {
        using var body = new ZeroingBufferWriter(4096);
        var request = http.Request;
        var key = SandboxHttp.Header(request, Bank131Headers.IdempotencyKey);
        if (!await SandboxHttp.TryReadBodyAsync(request, body, SandboxOptions.MaxBodyBytes, http.RequestAborted))
        {
            state.AddReceived(new ReceivedRequest
            {
                Path = request.Path, IdempotencyKey = key, ResponseStatus = 413, ErrorCode = Bank131ErrorCodes.InvalidRequest,
            });
            await SandboxHttp.WriteErrorAsync(
                http, StatusCodes.Status413PayloadTooLarge, Bank131ErrorCodes.InvalidRequest, "The request body exceeds 64 KiB.");
            return;
        }

        var project = SandboxHttp.Header(request, Bank131Headers.Project);
        var signatureValid = keys.PartnerVerifier.Verify(body.WrittenSpan, SandboxHttp.Header(request, Bank131Headers.Sign));
        var parsed = PayoutRequestValidator.Parse(body.WrittenMemory);
        var received = new ReceivedRequest
        {
            Path = request.Path,
            IdempotencyKey = key,
            Project = project,
            SignatureValid = signatureValid,
            Recipient = parsed.Recipient,
            Amount = parsed.Amount,
            Currency = parsed.Currency,
            Metadata = parsed.Metadata,
            CardLast4 = parsed.CardLast4,
            Scenario = parsed.ScenarioText,
        };

        var (status, answer) = Decide(received, parsed, out var session);
        state.AddReceived(received);
        log.LogInformation(
            "init/payout key={Key} scenario={Scenario} last4={Last4} -> HTTP {Status} {Code} {SessionId}",
            key, parsed.ScenarioText ?? "success", parsed.CardLast4, status, received.ErrorCode, received.SessionId);

        if (session is not null)
        {
            webhooks.ScheduleOutcome(session);
            switch (session.Scenario.Kind)
            {
                case ScenarioKind.Drop:
                    // Accepted and counted, but the partner never hears back: the "lost response" case.
                    http.Abort();
                    return;
                case ScenarioKind.Slow:
                    try
                    {
                        await Task.Delay(options.SlowDelay, http.RequestAborted);
                    }
                    catch (OperationCanceledException)
                    {
                        return; // the partner gave up waiting; the payout stands
                    }

                    break;
            }
        }

        await SandboxHttp.WriteJsonAsync(http, status, answer);
    }

    private (int Status, byte[] Body) Decide(ReceivedRequest received, ParsedPayoutRequest parsed, out SandboxSession? session)
    {
        session = null;

        (int, byte[]) Error(int status, string code, string description)
        {
            received.ResponseStatus = status;
            received.ErrorCode = code;
            return (status, Bank131Json.Error(code, description));
        }

        if (SandboxHttp.Authenticate(options, received.Project, received.SignatureValid) is { } authError)
        {
            return Error(authError.Status, authError.Code, authError.Description);
        }

        if (parsed.Error is not null)
        {
            return Error(StatusCodes.Status400BadRequest, Bank131ErrorCodes.InvalidRequest, parsed.Error);
        }

        if (!Scenario.TryParse(parsed.ScenarioText, out var scenario, out var scenarioError))
        {
            return Error(StatusCodes.Status400BadRequest, Bank131ErrorCodes.InvalidRequest, scenarioError);
        }

        // Whatever happened to the first request with this key (accepted, rejected, HTTP 500, dropped), a second
        // one never creates a payout: the bank answers idempotency_key_already_exists, not the original response.
        if (received.IdempotencyKey is { } key && !state.TryClaimKey(key))
        {
            return Error(StatusCodes.Status400BadRequest, Bank131ErrorCodes.IdempotencyKeyAlreadyExists,
                "A request with this idempotency key is already in progress or processed.");
        }

        switch (scenario.Kind)
        {
            case ScenarioKind.Reject:
                return Error(StatusCodes.Status400BadRequest, scenario.Code!, $"Rejected: {scenario.Code!.Replace('_', ' ')}.");
            case ScenarioKind.Http500:
                return Error(StatusCodes.Status500InternalServerError, Bank131ErrorCodes.InternalError, "Internal error.");
        }

        session = state.CreateSession((sessionId, payoutId) => new SandboxSession
        {
            SessionId = sessionId,
            PayoutId = payoutId,
            IdempotencyKey = received.IdempotencyKey ?? "",
            Amount = parsed.Amount!.Value,
            Currency = parsed.Currency!,
            MetadataJson = parsed.Metadata?.GetRawText(),
            CardLast4 = parsed.CardLast4,
            Scenario = scenario,
        });
        state.CountAccepted(received.IdempotencyKey);
        received.ResponseStatus = StatusCodes.Status200OK;
        received.SessionId = session.SessionId;
        return (StatusCodes.Status200OK, Bank131Json.SessionResponse(session.Snapshot()));
    }
}
