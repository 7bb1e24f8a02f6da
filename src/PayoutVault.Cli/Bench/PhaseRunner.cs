using System.Diagnostics;

namespace PayoutVault.Cli.Bench;

/// <summary>
/// A closed-loop load phase: N workers each call the operation again as soon as the previous call returns, for the
/// warm-up and then the measured duration. Only calls started after the warm-up count. A failed call is counted as
/// an error (its first message printed once) and the worker carries on, so one refusal does not end a phase.
/// </summary>
internal static class PhaseRunner
{
    public static async Task<PhaseResult> RunAsync(string name, int workers, BenchTiming timing, Func<int, Task> op)
    {
        Console.WriteLine($"running: {name}");
        BenchProgress.Phase(name, timing);
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(timing.Warmup.TotalSeconds * Stopwatch.Frequency);
        var stopAt = measureFrom + (long)(timing.Duration.TotalSeconds * Stopwatch.Frequency);
        var latencies = new List<double>[workers];
        long errors = 0;
        var firstError = 0;
        var tasks = Enumerable.Range(0, workers).Select(w => Task.Run(async () =>
        {
            var mine = latencies[w] = new List<double>(4096);
            while (true)
            {
                var t0 = Stopwatch.GetTimestamp();
                if (t0 >= stopAt) break;
                try
                {
                    await op(w);
                    if (t0 >= measureFrom) mine.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
                catch (Exception e)
                {
                    if (t0 >= measureFrom) Interlocked.Increment(ref errors);
                    if (Interlocked.Exchange(ref firstError, 1) == 0)
                        Console.WriteLine($"  {name}: first error: {e.GetType().Name}: {e.Message}");
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return PhaseResult.FromLatencies(name, all, timing.Duration, errors);
    }
}

/// <summary>How long each phase warms up and then measures.</summary>
internal sealed record BenchTiming(TimeSpan Warmup, TimeSpan Duration);
