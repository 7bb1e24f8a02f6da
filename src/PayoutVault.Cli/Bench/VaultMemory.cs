using System.Globalization;

namespace PayoutVault.Cli.Bench;

/// <summary>
/// Samples the vault's resident memory (VmRSS in /proc/PID/status) while a phase runs, when the vault is a local
/// process whose id was given with --vault-pid.
/// </summary>
internal sealed class VaultMemory : IAsyncDisposable
{
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;

    private VaultMemory(int pid)
    {
        _pid = pid;
        _sampling = Task.Run(SampleAsync);
    }

    public long MaxKb { get; private set; }

    public static VaultMemory? Watch(int? pid) => pid is { } p ? new VaultMemory(p) : null;

    /// <summary>VmRSS in kB, or null when the process is gone or not readable.</summary>
    public static long? ReadRssKb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmRSS:", StringComparison.Ordinal)) continue;
                var digits = new string(line.AsSpan(6).Trim().ToString().TakeWhile(char.IsAsciiDigit).ToArray());
                return long.Parse(digits, CultureInfo.InvariantCulture);
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return null;
    }

    private async Task SampleAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            if (ReadRssKb(_pid) is { } kb && kb > MaxKb) MaxKb = kb;
            try { await Task.Delay(250, _stop.Token); }
            catch (OperationCanceledException) { }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _sampling;
        _stop.Dispose();
    }
}
