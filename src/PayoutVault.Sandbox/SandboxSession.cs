using PayoutVault.Bank131;

namespace PayoutVault.Sandbox;

/// <summary>One accepted payout session and its current state; served by <c>session/status</c> and webhooks.</summary>
internal sealed class SandboxSession
{
    private readonly Lock _gate = new();
    private string _sessionStatus = "in_progress";
    private string _payoutStatus = "in_progress";
    private string? _errorCode;
    private string? _errorDescription;
    private DateTimeOffset? _finishedAt;

    public required string SessionId { get; init; }

    public required string PayoutId { get; init; }

    public required string IdempotencyKey { get; init; }

    public required long Amount { get; init; }

    public required string Currency { get; init; }

    public string? MetadataJson { get; init; }

    public string? CardLast4 { get; init; }

    public required Scenario Scenario { get; init; }

    public DateTimeOffset CreatedAt { get; } = DateTimeOffset.UtcNow;

    private int _statusRequests;

    /// <summary>Counts a session/status request about this session; returns its number, 1 for the first.</summary>
    public int CountStatusRequest() => Interlocked.Increment(ref _statusRequests);

    public bool IsFinished
    {
        get
        {
            lock (_gate)
            {
                return _finishedAt is not null;
            }
        }
    }

    public Bank131SessionSnapshot Snapshot()
    {
        lock (_gate)
        {
            return new Bank131SessionSnapshot(
                SessionId, _sessionStatus, PayoutId, _payoutStatus, Amount, Currency, MetadataJson,
                _errorCode, _errorDescription, CardLast4, CreatedAt, _finishedAt);
        }
    }

    /// <summary>The state before the payout finished, for the late webhook of the <c>out_of_order</c> scenario.</summary>
    public Bank131SessionSnapshot InProgressSnapshot() =>
        new(SessionId, "in_progress", PayoutId, "in_progress", Amount, Currency, MetadataJson, CardLast4: CardLast4, CreatedAt: CreatedAt);

    /// <summary>Moves the session to its final state (once; later calls keep the first result).</summary>
    public Bank131SessionSnapshot Finish(string payoutStatus, string? errorCode, string? errorDescription)
    {
        lock (_gate)
        {
            if (_finishedAt is null)
            {
                _sessionStatus = "accepted";
                _payoutStatus = payoutStatus;
                _errorCode = errorCode;
                _errorDescription = errorDescription;
                _finishedAt = DateTimeOffset.UtcNow;
            }
        }

        return Snapshot();
    }
}
