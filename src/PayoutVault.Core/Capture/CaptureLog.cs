namespace PayoutVault.Core.Capture;

/// <summary>
/// The capture page's log lines (event ids 2000-2049): session ids, tokens, reason codes, counts and type names
/// only. No request body is ever logged, so no card number or cardholder name can reach the log.
/// </summary>
public static partial class CaptureLog
{
    [LoggerMessage(2000, LogLevel.Information, "Hosted card capture listening; one-time URLs start with {BaseUrl}")]
    public static partial void Listening(ILogger logger, string baseUrl);

    [LoggerMessage(2001, LogLevel.Information, "Capture session {SessionId} created by {Caller}, expires {ExpiresAt}")]
    public static partial void SessionCreated(ILogger logger, string sessionId, string caller, DateTime expiresAt);

    [LoggerMessage(2002, LogLevel.Information, "Capture session {SessionId} completed with token {Token}")]
    public static partial void Completed(ILogger logger, string sessionId, string token);

    [LoggerMessage(2003, LogLevel.Warning, "Capture request refused with HTTP {Status}: {Reason} (session {SessionId})")]
    public static partial void Refused(ILogger logger, int status, string reason, string sessionId);

    [LoggerMessage(2004, LogLevel.Information, "Marked {Count} unused capture sessions expired")]
    public static partial void Expired(ILogger logger, int count);

    [LoggerMessage(2005, LogLevel.Warning, "Capture session expiry sweep failed: {ErrorType}; retrying")]
    public static partial void SweepFailed(ILogger logger, string errorType);

    [LoggerMessage(2006, LogLevel.Warning, "Capture request over the rate limit ({Limit}), answered 429")]
    public static partial void RateLimited(ILogger logger, string limit);

    [LoggerMessage(2007, LogLevel.Error, "Capture submission for session {SessionId} failed: {ErrorType}")]
    public static partial void SubmitFailed(ILogger logger, string sessionId, string errorType);
}
