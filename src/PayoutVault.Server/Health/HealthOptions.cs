namespace PayoutVault.Server.Health;

/// <summary>Configuration section "Vault:Health": how often and how hard readiness looks at the database.</summary>
public sealed class HealthOptions
{
    public const string Section = "Vault:Health";

    /// <summary>How long a database probe's answer is reused: probes arriving meanwhile cost the database nothing.</summary>
    public TimeSpan DatabaseCacheFor { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>A probe that has no answer from the database by then counts as "unreachable".</summary>
    public TimeSpan DatabaseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How often the checks run for gRPC Health.Watch streams (at least one second).</summary>
    public TimeSpan WatchPeriod { get; set; } = TimeSpan.FromSeconds(5);
}
