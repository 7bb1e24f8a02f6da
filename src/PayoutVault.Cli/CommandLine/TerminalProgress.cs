using System.Diagnostics;
using System.Globalization;

namespace PayoutVault.Cli.CommandLine;

/// <summary>
/// One self-overwriting status line on standard error, for operations that take a while (a key rotation with --wait,
/// reading or verifying a long audit trail, the retention query, bench phases). Drawn only when standard error is a
/// terminal: redirected to a file or a pipe (CI, cron, the tests) it prints nothing, and it never touches standard
/// output, which stays the command's machine-readable result. The line is redrawn four times a second with the
/// elapsed time, so an operation without a count still shows it is alive, and erased when disposed.
/// </summary>
public sealed class TerminalProgress : IProgress<long>, IDisposable
{
    private readonly TextWriter? _terminal;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Timer? _timer;
    private readonly Lock _gate = new();
    private string _label;
    private string _unit;
    private long _done = -1;
    private long? _total;
    private TimeSpan? _expected;
    private int _drawn;
    private bool _disposed;

    /// <param name="terminal">where to draw; null draws nothing (standard error is not a terminal)</param>
    public TerminalProgress(string label, TextWriter? terminal, string unit = "")
    {
        _label = label;
        _unit = unit;
        _terminal = terminal;
        if (_terminal is null) return;
        // The first frame is drawn at once, so even an operation shorter than one tick shows what it did.
        Draw();
        _timer = new Timer(_ => Draw(), null, TimeSpan.FromMilliseconds(250), TimeSpan.FromMilliseconds(250));
    }

    /// <summary>A progress line on standard error when it is a terminal; otherwise one that prints nothing.</summary>
    public static TerminalProgress OnStandardError(string label, string unit = "") =>
        new(label, Console.IsErrorRedirected ? null : Console.Error, unit);

    public bool Visible => _terminal is not null;

    /// <summary>Items done so far (records, cards...).</summary>
    public void Report(long value) => Interlocked.Exchange(ref _done, value);

    /// <summary>Items done out of a known total: the line shows a percentage.</summary>
    public void Report(long done, long total)
    {
        lock (_gate) _total = total;
        Report(done);
    }

    /// <summary>A new step of the same operation (the next bench phase, verifying after reading).</summary>
    public void Step(string label, string unit = "") => Restart(label, unit, null);

    /// <summary>A new step that runs for a known time (a bench phase): the line shows how far through it is.</summary>
    public void Step(string label, TimeSpan expected) => Restart(label, "", expected);

    private void Restart(string label, string unit, TimeSpan? expected)
    {
        lock (_gate)
        {
            _label = label;
            _unit = unit;
            _total = null;
            _expected = expected;
            Interlocked.Exchange(ref _done, -1);
            _clock.Restart();
        }
        Draw();
    }

    /// <summary>The line as it is drawn now, for tests.</summary>
    public string Render()
    {
        lock (_gate)
        {
            var seconds = _clock.Elapsed.TotalSeconds.ToString("F0", CultureInfo.InvariantCulture);
            if (_expected is { } expected && expected > TimeSpan.Zero)
                return string.Create(CultureInfo.InvariantCulture,
                    $"{_label}: {seconds}/{expected.TotalSeconds:F0} s ({Math.Min(100, (int)(_clock.Elapsed / expected * 100))}%)");
            var done = Interlocked.Read(ref _done);
            var count = done < 0 ? "" : _total is { } total && total > 0
                ? string.Create(CultureInfo.InvariantCulture, $" {done:N0}/{total:N0}{Unit()} ({Math.Min(100, done * 100 / total)}%)")
                : string.Create(CultureInfo.InvariantCulture, $" {done:N0}{Unit()}");
            return $"{_label}:{count} [{seconds} s]";
        }
    }

    private string Unit() => _unit.Length == 0 ? "" : " " + _unit;

    private void Draw()
    {
        lock (_gate)
        {
            if (_disposed || _terminal is null) return;
            var line = Render();
            var width = Math.Max(0, (Console.IsErrorRedirected ? 120 : SafeWindowWidth()) - 1);
            if (line.Length > width) line = line[..width];
            _terminal.Write("\r" + line.PadRight(_drawn));
            _terminal.Flush();
            _drawn = line.Length;
        }
    }

    private static int SafeWindowWidth()
    {
        try { return Console.WindowWidth > 0 ? Console.WindowWidth : 120; }
        catch (IOException) { return 120; }
    }

    public void Dispose()
    {
        _timer?.Dispose();
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            if (_terminal is null || _drawn == 0) return;
            _terminal.Write("\r" + new string(' ', _drawn) + "\r");
            _terminal.Flush();
        }
    }
}
