namespace PayoutVault.Server.Hosting;

/// <summary>
/// Configuration section "Vault:Bank131:Resilience": how the bank HTTP client times out, retries and stops calling a
/// failing bank. init/payout is never retried here, whatever these say: only the reconciler resends a payout, with
/// the same idempotency key. The total time of one call is Vault:Bank131:Timeout.
/// </summary>
public sealed class Bank131Resilience
{
    public const string Section = "Vault:Bank131:Resilience";

    /// <summary>Longest wait for the bank's answer headers in one session/status attempt (capped by
    /// Vault:Bank131:Timeout), so a hung attempt leaves time for a retry. init/payout has one attempt, which gets the
    /// whole Vault:Bank131:Timeout.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retries of a session/status call that failed transiently (HTTP 5xx, 408, 429, a broken connection,
    /// an attempt timeout); 0 turns them off. Never applies to init/payout.</summary>
    public int StatusRetries { get; set; } = 2;

    /// <summary>First pause before a session/status retry; grows exponentially, with jitter.</summary>
    public TimeSpan StatusRetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Share of failed calls within <see cref="SamplingDuration"/> that opens the circuit.</summary>
    public double FailureRatio { get; set; } = 0.5;

    /// <summary>Fewest calls within <see cref="SamplingDuration"/> before the ratio counts (at least 2).</summary>
    public int MinimumThroughput { get; set; } = 10;

    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long an open circuit refuses every call (before one byte is sent) until a single probe may pass.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The problems of these settings, each naming its setting; empty when they are usable. The ranges are
    /// the ones the resilience library enforces, checked at start instead of on the first payout.</summary>
    public IEnumerable<string> Problems()
    {
        static bool Within(TimeSpan t, TimeSpan min) => t >= min && t <= TimeSpan.FromDays(1);
        if (!Within(AttemptTimeout, TimeSpan.FromMilliseconds(10)))
            yield return $"{Section}:AttemptTimeout must be between 10 ms and one day.";
        if (StatusRetries is < 0 or > 10)
            yield return $"{Section}:StatusRetries must be between 0 and 10.";
        if (!Within(StatusRetryDelay, TimeSpan.Zero))
            yield return $"{Section}:StatusRetryDelay must be between 0 and one day.";
        if (!(FailureRatio > 0 && FailureRatio <= 1))
            yield return $"{Section}:FailureRatio must be above 0 and at most 1.";
        if (MinimumThroughput < 2)
            yield return $"{Section}:MinimumThroughput must be at least 2.";
        if (!Within(SamplingDuration, TimeSpan.FromMilliseconds(500)))
            yield return $"{Section}:SamplingDuration must be between 500 ms and one day.";
        if (!Within(BreakDuration, TimeSpan.FromMilliseconds(500)))
            yield return $"{Section}:BreakDuration must be between 500 ms and one day.";
    }
}
