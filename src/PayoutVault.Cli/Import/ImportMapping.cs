using System.Globalization;
using System.Text;
using PayoutVault.Cli.CommandLine;

namespace PayoutVault.Cli.Import;

/// <summary>How one line of the input ended.</summary>
internal enum LineOutcome { Created, Existing, Tokenized, Repeated, Rejected }

/// <summary>
/// The mapping file, which is also the import's state: one CSV row per finished input line (line, token, outcome,
/// reason), appended and flushed to disk as each answer arrives. A rerun reads it and skips every line it names, so an
/// interrupted import continues where it stopped; a line whose answer was lost with the process is sent again, and
/// the vault's dedupe returns the same token, so no card is stored twice. The first line names the input file and its
/// size, so a rerun against a different file is refused instead of mixing two mappings.
/// </summary>
internal sealed class ImportMapping : IDisposable
{
    private const string Header = "line,token,outcome,reason";
    private readonly FileStream _file;
    private readonly HashSet<long> _done = [];
    private readonly Dictionary<string, long> _firstLineOfToken = new(StringComparer.Ordinal);
    private readonly StringBuilder _pending = new();

    private ImportMapping(FileStream file) => _file = file;

    /// <summary>Lines finished by earlier runs, per outcome.</summary>
    public Dictionary<LineOutcome, long> Earlier { get; } = [];

    public bool IsDone(long line) => _done.Contains(line);

    public static ImportMapping Open(string path, string inputPath)
    {
        var identity = $"# vaultctl import mapping of {Path.GetFileName(inputPath)} ({new FileInfo(inputPath).Length.ToString(CultureInfo.InvariantCulture)} bytes)";
        var exists = File.Exists(path) && new FileInfo(path).Length > 0;
        var file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
        var mapping = new ImportMapping(file);
        try
        {
            if (exists) mapping.Load(identity, path);
            else mapping.Append(identity + "\n" + Header + "\n");
            return mapping;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Records a finished line; a token seen on an earlier line makes it a repeat of that line.</summary>
    public (LineOutcome Outcome, string Reason) Record(long line, string? token, LineOutcome outcome, string reason)
    {
        if (token is not null)
        {
            if (_firstLineOfToken.TryGetValue(token, out var first))
            {
                outcome = LineOutcome.Repeated;
                reason = "same card as line " + first.ToString(CultureInfo.InvariantCulture);
            }
            else _firstLineOfToken[token] = line;
        }
        _done.Add(line);
        _pending.Append(line.ToString(CultureInfo.InvariantCulture)).Append(',').Append(token).Append(',')
            .Append(outcome.ToString().ToLowerInvariant()).Append(',').Append(Quote(reason)).Append('\n');
        return (outcome, reason);
    }

    /// <summary>Writes the recorded lines and waits until they are on disk.</summary>
    public void Flush()
    {
        if (_pending.Length == 0) return;
        Append(_pending.ToString());
        _pending.Clear();
    }

    private void Append(string text)
    {
        _file.Seek(0, SeekOrigin.End);
        _file.Write(Encoding.UTF8.GetBytes(text));
        _file.Flush(flushToDisk: true);
    }

    private void Load(string identity, string path)
    {
        var bytes = new byte[_file.Length];
        _file.ReadExactly(bytes);
        // A line cut short by a killed process is dropped: that input line is simply sent again.
        var complete = bytes.AsSpan().LastIndexOf((byte)'\n') + 1;
        _file.SetLength(complete);
        var lines = Encoding.UTF8.GetString(bytes, 0, complete).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        if (lines.Length < 2 || lines[0] != identity || lines[1] != Header)
            throw new CliUsageException($"{path} is not the mapping of this input file (it names another file or size); "
                + "move it away to start a new import, or pass --mapping FILE");
        foreach (var row in lines.Skip(2))
        {
            var fields = row.Split(',', 4);
            if (fields.Length < 3 || !long.TryParse(fields[0], CultureInfo.InvariantCulture, out var line)
                || !Enum.TryParse<LineOutcome>(fields[2], ignoreCase: true, out var outcome))
                throw new CliUsageException($"{path} has a row that is not line,token,outcome,reason; it was not written by vaultctl import");
            if (!_done.Add(line)) continue;
            if (fields[1].Length > 0) _firstLineOfToken.TryAdd(fields[1], line);
            Earlier[outcome] = Earlier.GetValueOrDefault(outcome) + 1;
        }
    }

    private static string Quote(string text) =>
        text.Length == 0 || text.IndexOfAny([',', '"', '\n', '\r']) < 0 ? text : "\"" + text.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public void Dispose()
    {
        Flush();
        _file.Dispose();
    }
}
