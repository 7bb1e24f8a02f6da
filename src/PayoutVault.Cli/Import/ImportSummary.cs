using System.Globalization;

namespace PayoutVault.Cli.Import;

/// <summary>What an import run did, printed at its end: counts per outcome, and every rejected line with its reason.</summary>
internal sealed class ImportSummary(IReadOnlyDictionary<LineOutcome, long> earlier)
{
    private const int RejectionsShown = 200;
    private readonly Dictionary<LineOutcome, long> _counts = [];
    private readonly List<(long Line, string Reason)> _rejected = [];

    public long Lines { get; private set; }

    public long Cards => Lines - Count(LineOutcome.Rejected);

    public void Add(long line, LineOutcome outcome, string reason)
    {
        Lines++;
        _counts[outcome] = Count(outcome) + 1;
        if (outcome == LineOutcome.Rejected) _rejected.Add((line, reason));
    }

    public long Count(LineOutcome outcome) => _counts.GetValueOrDefault(outcome);

    public void Print(TextWriter output, string input, string mappingFile, string ending)
    {
        var earlierLines = earlier.Values.Sum();
        output.WriteLine($"import of {input}: {ending}");
        output.WriteLine($"  this run: {Lines} lines, {Cards} with a token: {Breakdown()}; {Count(LineOutcome.Rejected)} rejected");
        if (earlierLines > 0)
            output.WriteLine($"  earlier runs: {earlierLines} lines ({string.Join(", ", earlier.OrderBy(e => e.Key).Select(e => $"{e.Value} {Name(e.Key)}"))})");
        if (_rejected.Count > 0)
        {
            output.WriteLine("  rejected lines (line: reason):");
            foreach (var (line, reason) in _rejected.OrderBy(r => r.Line).Take(RejectionsShown))
                output.WriteLine($"    {line.ToString(CultureInfo.InvariantCulture)}: {reason}");
            if (_rejected.Count > RejectionsShown)
                output.WriteLine($"    ... and {_rejected.Count - RejectionsShown} more, each in the mapping file");
        }
        output.WriteLine($"  mapping (line -> token): {mappingFile}");
    }

    private string Breakdown()
    {
        var parts = new List<string>();
        if (Count(LineOutcome.Created) + Count(LineOutcome.Existing) > 0)
            parts.Add($"{Count(LineOutcome.Created)} created, {Count(LineOutcome.Existing)} already in the vault");
        if (Count(LineOutcome.Tokenized) > 0)
            parts.Add($"{Count(LineOutcome.Tokenized)} tokenized (new or already held: shown only to callers with tokens.outcome)");
        parts.Add($"{Count(LineOutcome.Repeated)} repeating an earlier line");
        return string.Join(", ", parts);
    }

    private static string Name(LineOutcome outcome) => outcome switch
    {
        LineOutcome.Existing => "already in the vault",
        LineOutcome.Repeated => "repeating an earlier line",
        _ => outcome.ToString().ToLowerInvariant(),
    };
}
