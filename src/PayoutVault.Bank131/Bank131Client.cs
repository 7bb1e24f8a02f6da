using System.Net.Http.Headers;

namespace PayoutVault.Bank131;

/// <summary>
/// Talks to Bank 131: signs the exact bytes it sends and classifies the answer for the at-most-once payout rule.
/// </summary>
/// <remarks>
/// <para>Once a request may have left the process, <see cref="InitPayoutAsync"/> never throws: every timeout,
/// broken connection, HTTP 5xx or unreadable answer becomes <see cref="InitPayoutOutcome.Unknown"/>, because the
/// bank may have created the payout and the caller must then reconcile instead of paying again.</para>
/// <para>No exception message or result field is ever built from the request body (it holds the card number).
/// Error descriptions from the bank are passed through with card-number-like digit runs masked.</para>
/// </remarks>
public sealed class Bank131Client
{
    public const string InitPayoutPath = "/api/v1/session/init/payout";
    public const string SessionStatusPath = "/api/v1/session/status";

    private static readonly MediaTypeHeaderValue JsonContentType = new("application/json");

    private readonly HttpClient _http;
    private readonly Bank131Options _options;
    private readonly Bank131Signer _signer;
    private readonly Uri _initPayoutUri;
    private readonly Uri _sessionStatusUri;

    /// <param name="httpClient">Owned by the caller (e.g. from IHttpClientFactory); its own Timeout should be
    /// longer than <see cref="Bank131Options.Timeout"/>, which this client applies per request.</param>
    /// <param name="options">Base URL, project id, timeout.</param>
    /// <param name="signer">The partner's private key.</param>
    public Bank131Client(HttpClient httpClient, Bank131Options options, Bank131Signer signer)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.BaseUrl, "options.BaseUrl");
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ProjectId, "options.ProjectId");
        if (options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "Bank131Options.Timeout must be positive.");
        }

        if (!Uri.TryCreate(options.BaseUrl.TrimEnd('/'), UriKind.Absolute, out var baseUri)
            || (baseUri.Scheme != Uri.UriSchemeHttps && baseUri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException("Bank131Options.BaseUrl must be an absolute http(s) URL.", nameof(options));
        }

        _http = httpClient;
        _options = options;
        _signer = signer;
        var root = baseUri.GetLeftPart(UriPartial.Path).TrimEnd('/');
        _initPayoutUri = new Uri(root + InitPayoutPath);
        _sessionStatusUri = new Uri(root + SessionStatusPath);
    }

    /// <summary>
    /// Sends a body built by <see cref="PayoutRequestBody.Write"/> to <c>init/payout</c>, byte for byte, with
    /// <c>X-PARTNER-PROJECT</c>, <c>X-PARTNER-SIGN</c> and <c>x-partner-idempotency-key</c>.
    /// </summary>
    /// <remarks>The caller keeps ownership of <paramref name="body"/> and wipes it afterwards. If
    /// <paramref name="ct"/> is cancelled before anything is sent this throws <see cref="OperationCanceledException"/>;
    /// after that, cancellation yields <see cref="InitPayoutOutcome.Unknown"/>.</remarks>
    public async Task<InitPayoutResult> InitPayoutAsync(SensitiveBuffer body, string idempotencyKey, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentException.ThrowIfNullOrWhiteSpace(idempotencyKey);
        ct.ThrowIfCancellationRequested();

        // Sign and send the same bytes; ByteArrayContent wraps the buffer's own array, so nothing re-serialises
        // and no extra copy of the card number is made here.
        var signature = _signer.Sign(body.Span);
        var segment = body.Segment;
        using var request = new HttpRequestMessage(HttpMethod.Post, _initPayoutUri);
        request.Content = new ByteArrayContent(segment.Array!, segment.Offset, segment.Count);
        request.Content.Headers.ContentType = JsonContentType;
        AddHeaders(request, signature);
        request.Headers.TryAddWithoutValidation(Bank131Headers.IdempotencyKey, idempotencyKey);

        var exchange = await SendAsync(request, ct).ConfigureAwait(false);
        if (exchange.Body is null)
        {
            return new InitPayoutResult
            {
                Outcome = InitPayoutOutcome.Unknown,
                HttpStatus = exchange.HttpStatus,
                FailureReason = exchange.FailureReason,
            };
        }

        return ClassifyInitPayout(exchange.HttpStatus!.Value, exchange.Body);
    }

    /// <summary>Asks <c>session/status</c> for a session's current state (signed like every request).</summary>
    /// <exception cref="OperationCanceledException">Only when <paramref name="ct"/> is cancelled.</exception>
    public async Task<SessionStatusResult> GetSessionStatusAsync(string sessionId, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(sessionId);
        ct.ThrowIfCancellationRequested();

        var body = Bank131Json.SessionStatusRequest(sessionId);
        using var request = new HttpRequestMessage(HttpMethod.Post, _sessionStatusUri);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = JsonContentType;
        AddHeaders(request, _signer.Sign(body));

        var exchange = await SendAsync(request, ct).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        if (exchange.Body is null)
        {
            return new SessionStatusResult
            {
                Failed = true,
                HttpStatus = exchange.HttpStatus,
                FailureReason = exchange.FailureReason,
            };
        }

        if (!Bank131SessionReader.TryReadEnvelope(exchange.Body, out var envelope))
        {
            return new SessionStatusResult
            {
                Failed = true,
                HttpStatus = exchange.HttpStatus,
                FailureReason = "The answer is not the bank's JSON envelope.",
            };
        }

        var session = envelope!.Session;
        var payout = session?.Payouts.Count > 0 ? session.Payouts[0] : null;
        var ok = exchange.HttpStatus is >= 200 and < 300 && envelope.Status == "ok" && session?.Id is not null;
        return new SessionStatusResult
        {
            Failed = !ok,
            HttpStatus = exchange.HttpStatus,
            SessionId = session?.Id,
            SessionStatus = session?.Status,
            BankPayoutId = payout?.Id,
            PayoutStatus = payout?.Status,
            ErrorCode = payout?.ErrorCode ?? session?.ErrorCode ?? envelope.ErrorCode,
            ErrorDescription = payout?.ErrorDescription ?? session?.ErrorDescription ?? envelope.ErrorDescription,
            MetadataJson = payout?.MetadataJson,
            PayoutIdFromMetadata = payout?.PayoutIdFromMetadata,
            Payouts = session?.Payouts ?? [],
            FailureReason = ok ? null : "The bank did not return a session.",
        };
    }

    /// <summary>
    /// Maps an HTTP answer to the payout outcome. The bank's envelope is read for 2xx and error statuses alike.
    /// </summary>
    internal static InitPayoutResult ClassifyInitPayout(int httpStatus, ReadOnlySpan<byte> responseBody)
    {
        if (!Bank131SessionReader.TryReadEnvelope(responseBody, out var envelope))
        {
            return new InitPayoutResult
            {
                Outcome = InitPayoutOutcome.Unknown,
                HttpStatus = httpStatus,
                FailureReason = $"HTTP {httpStatus} with a body that is not the bank's JSON envelope.",
            };
        }

        var session = envelope!.Session;
        var payout = session?.Payouts.Count > 0 ? session.Payouts[0] : null;
        var code = envelope.ErrorCode;

        InitPayoutResult Result(InitPayoutOutcome outcome, string? reason = null) => new()
        {
            Outcome = outcome,
            HttpStatus = httpStatus,
            SessionId = session?.Id,
            BankPayoutId = payout?.Id,
            SessionStatus = session?.Status,
            PayoutStatus = payout?.Status,
            ErrorCode = code ?? session?.ErrorCode ?? payout?.ErrorCode,
            ErrorDescription = envelope.ErrorDescription ?? session?.ErrorDescription ?? payout?.ErrorDescription,
            FailureReason = reason,
        };

        // The key was used before: a payout for it may exist whatever the HTTP status says.
        if (code == Bank131ErrorCodes.IdempotencyKeyAlreadyExists)
        {
            return Result(InitPayoutOutcome.IdempotencyKeyExists);
        }

        // A server error may come after the payout was created.
        if (httpStatus >= 500)
        {
            return Result(InitPayoutOutcome.Unknown, $"HTTP {httpStatus} from the bank; the payout may exist.");
        }

        if (httpStatus is >= 200 and < 300 && envelope.Status == "ok" && code is null)
        {
            return session?.Id is not null
                ? Result(InitPayoutOutcome.Accepted)
                : Result(InitPayoutOutcome.Unknown, "The bank answered ok without a session id.");
        }

        if (httpStatus is >= 200 and < 500 && !(httpStatus is >= 300 and < 400))
        {
            if (code is null)
            {
                return Result(InitPayoutOutcome.Unknown, $"HTTP {httpStatus} without a bank error code.");
            }

            return Bank131ErrorCodes.IsTransient(code)
                ? Result(InitPayoutOutcome.Unknown, $"Transient bank error '{code}'; the payout may exist.")
                : Result(InitPayoutOutcome.Rejected);
        }

        return Result(InitPayoutOutcome.Unknown, $"Unexpected HTTP {httpStatus}.");
    }

    private void AddHeaders(HttpRequestMessage request, string signature)
    {
        request.Headers.TryAddWithoutValidation(Bank131Headers.Project, _options.ProjectId);
        request.Headers.TryAddWithoutValidation(Bank131Headers.Sign, signature);
    }

    private async Task<Exchange> SendAsync(HttpRequestMessage request, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.Timeout);
        int? status = null;
        try
        {
            using var response = await _http
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token)
                .ConfigureAwait(false);
            status = (int)response.StatusCode;
            var body = await ReadLimitedAsync(response.Content, timeout.Token).ConfigureAwait(false);
            return body is null
                ? new Exchange(status, null, $"The answer is larger than {_options.MaxResponseBytes} bytes.")
                : new Exchange(status, body, null);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return new Exchange(status, null, "Cancelled by the caller after the request may have been sent.");
        }
        catch (OperationCanceledException)
        {
            return new Exchange(status, null, $"No complete answer within {_options.Timeout.TotalMilliseconds:0} ms.");
        }
        catch (HttpRequestException ex)
        {
            // Messages of HttpRequestException name the endpoint and the socket error, never the content.
            return new Exchange(status, null, $"Connection failed ({ex.HttpRequestError}): {CardNumberMasking.Mask(ex.Message)}");
        }
        catch (Exception ex)
        {
            // Anything else after the send began still leaves the outcome unknown; only the type is reported.
            return new Exchange(status, null, $"Request failed ({ex.GetType().Name}).");
        }
    }

    private async Task<byte[]?> ReadLimitedAsync(HttpContent content, CancellationToken ct)
    {
        var limit = _options.MaxResponseBytes;
        if (content.Headers.ContentLength > limit)
        {
            return null;
        }

        await using var stream = await content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        using var copy = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct).ConfigureAwait(false)) > 0)
        {
            if (copy.Length + read > limit)
            {
                return null;
            }

            copy.Write(chunk, 0, read);
        }

        return copy.ToArray();
    }

    private sealed record Exchange(int? HttpStatus, byte[]? Body, string? FailureReason);
}
