using System.Net.Http.Headers;
using PayoutVault.Bank131;

namespace PayoutVault.Sandbox;

/// <summary>
/// Posts signed webhooks the way the bank does: JSON body, <c>X-PARTNER-SIGN</c> by the bank key, and re-sends at
/// growing intervals while the receiver answers anything other than HTTP 200.
/// </summary>
internal sealed class WebhookSender : IDisposable
{
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly SandboxOptions _options;
    private readonly SandboxKeys _keys;
    private readonly SandboxState _state;
    private readonly ILogger<WebhookSender> _log;
    private readonly CancellationToken _stopping;

    public WebhookSender(
        SandboxOptions options, SandboxKeys keys, SandboxState state, ILogger<WebhookSender> log, IHostApplicationLifetime lifetime)
    {
        _options = options;
        _keys = keys;
        _state = state;
        _log = log;
        _stopping = lifetime.ApplicationStopping;
    }

    /// <summary>After <see cref="SandboxOptions.WebhookDelay"/>, finishes the session as its scenario says and sends
    /// the webhook(s). Runs in the background; the accepting request does not wait for it.</summary>
    public void ScheduleOutcome(SandboxSession session) => _ = Task.Run(() => RunOutcomeAsync(session));

    /// <summary>Sends the session's current state again as <c>payment_finished</c>.</summary>
    public void ScheduleResend(SandboxSession session) => _ = Task.Run(async () =>
    {
        try
        {
            var body = Bank131Json.Webhook(
                Bank131WebhookTypes.PaymentFinished, session.Snapshot(), session.Scenario.Kind == ScenarioKind.V2Webhook);
            await DeliverAsync(session.SessionId, "resend", body).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "Resending the webhook of {SessionId} failed", session.SessionId);
        }
    });

    public void Dispose() => _http.Dispose();

    private async Task RunOutcomeAsync(SandboxSession session)
    {
        try
        {
            await Task.Delay(_options.WebhookDelay, _stopping).ConfigureAwait(false);

            var scenario = session.Scenario;
            var failed = scenario.Kind == ScenarioKind.Fail;
            var final = session.Finish(
                failed ? "failed" : "succeeded",
                failed ? scenario.Code : null,
                failed ? $"Payout failed: {scenario.Code!.Replace('_', ' ')}." : null);
            var v2 = scenario.Kind == ScenarioKind.V2Webhook;
            var body = Bank131Json.Webhook(Bank131WebhookTypes.PaymentFinished, final, v2);
            if (scenario.Kind == ScenarioKind.StatusHttp500)
            {
                return; // the webhook is lost: the partner can only learn the outcome by asking session/status
            }

            await DeliverAsync(session.SessionId, "final", body).ConfigureAwait(false);
            if (scenario.Kind == ScenarioKind.DuplicateWebhook)
            {
                await DeliverAsync(session.SessionId, "duplicate", body).ConfigureAwait(false);
            }

            if (scenario.Kind == ScenarioKind.OutOfOrder)
            {
                var late = Bank131Json.Webhook(Bank131WebhookTypes.PaymentFinished, session.InProgressSnapshot());
                await DeliverAsync(session.SessionId, "late_in_progress", late).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "Webhook processing for {SessionId} failed", session.SessionId);
        }
    }

    private async Task<bool> DeliverAsync(string sessionId, string label, byte[] body)
    {
        if (string.IsNullOrWhiteSpace(_options.WebhookUrl))
        {
            _state.AddDelivery(new WebhookDelivery(sessionId, label, 0, null, false, DateTimeOffset.UtcNow));
            return false;
        }

        var signature = _keys.BankSigner.Sign(body);
        var pause = _options.WebhookRetryDelay;
        var attempts = Math.Max(1, _options.WebhookMaxAttempts);
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            int? status = null;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, _options.WebhookUrl);
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                request.Headers.TryAddWithoutValidation(Bank131Headers.Sign, signature);
                using var response = await _http.SendAsync(request, _stopping).ConfigureAwait(false);
                status = (int)response.StatusCode;
            }
            catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !_stopping.IsCancellationRequested))
            {
                _log.LogInformation("Webhook {Label} for {SessionId}, attempt {Attempt}: {Error}", label, sessionId, attempt, ex.GetType().Name);
            }

            var delivered = status == 200;
            _state.AddDelivery(new WebhookDelivery(sessionId, label, attempt, status, delivered, DateTimeOffset.UtcNow));
            _log.LogInformation(
                "Webhook {Label} for {SessionId}, attempt {Attempt}: HTTP {Status}", label, sessionId, attempt, status);
            if (delivered)
            {
                return true;
            }

            if (attempt < attempts)
            {
                await Task.Delay(pause, _stopping).ConfigureAwait(false);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, _options.WebhookMaxRetryDelay.Ticks));
            }
        }

        _log.LogWarning("Webhook {Label} for {SessionId} gave up after {Attempts} attempts", label, sessionId, attempts);
        return false;
    }
}
