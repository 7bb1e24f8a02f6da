using PayoutVault.Cli.CommandLine;

namespace PayoutVault.Cli.Bench;

/// <summary>
/// The bench run's terminal progress line, shared by the phases so each can name itself and its length without
/// every phase class taking one more parameter. Null outside a bench run (a phase then draws nothing).
/// </summary>
internal static class BenchProgress
{
    public static TerminalProgress? Line { get; set; }

    /// <summary>A timed phase: the line shows its name and how far through warm-up plus measurement it is.</summary>
    public static void Phase(string name, BenchTiming timing) => Line?.Step(name, timing.Warmup + timing.Duration);

    /// <summary>A counted step (tokens loaded...).</summary>
    public static void Step(string name, string unit) => Line?.Step(name, unit);

    public static void Report(long done, long total) => Line?.Report(done, total);
}
