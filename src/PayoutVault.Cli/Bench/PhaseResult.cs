namespace PayoutVault.Cli.Bench;

/// <summary>One row of the benchmark table. Latencies in milliseconds; ops counted after the warm-up only.</summary>
internal sealed record PhaseResult(string Name, long Ops, double OpsPerSecond, double P50Ms, double P99Ms, long Errors = 0)
{
    public const string Header = "phase                                        ops      ops/s   p50 ms   p99 ms  errors";

    public static PhaseResult FromLatencies(string name, double[] sortedMs, TimeSpan duration, long errors) =>
        new(name, sortedMs.Length, sortedMs.Length / duration.TotalSeconds,
            Percentile(sortedMs, 0.50), Percentile(sortedMs, 0.99), errors);

    /// <summary>Nearest-rank percentile of an ascending array; 0 when empty.</summary>
    public static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

    public override string ToString() =>
        $"{Name,-40} {Ops,9} {OpsPerSecond,10:F0} {P50Ms,8:F2} {P99Ms,8:F2} {Errors,7}";
}
