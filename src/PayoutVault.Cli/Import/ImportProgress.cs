using System.Diagnostics;

namespace PayoutVault.Cli.Import;

/// <summary>
/// A one-line progress bar on standard error, drawn only when standard error is a terminal (never into a log file or
/// a pipe), at most a few times a second. It shows counts only, never input.
/// </summary>
internal sealed class ImportProgress(long totalLines, bool enabled)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _lastDrawnMs = -1000;
    private bool _drawn;

    public static ImportProgress ForTerminal(long totalLines) => new(totalLines, !Console.IsErrorRedirected);

    public void Update(long linesDone, long cardsThisRun, bool force = false)
    {
        if (!enabled) return;
        var now = _clock.ElapsedMilliseconds;
        if (!force && now - _lastDrawnMs < 200) return;
        _lastDrawnMs = now;
        const int width = 30;
        var fraction = totalLines == 0 ? 1 : Math.Clamp((double)linesDone / totalLines, 0, 1);
        var filled = (int)(fraction * width);
        var rate = cardsThisRun / Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
        Console.Error.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {fraction * 100,5:F1}%  "
            + $"{linesDone}/{totalLines} lines  {rate:F0} cards/s ");
        _drawn = true;
    }

    /// <summary>Ends the bar's line so the summary starts on a fresh one.</summary>
    public void Finish()
    {
        if (_drawn) Console.Error.WriteLine();
    }
}
