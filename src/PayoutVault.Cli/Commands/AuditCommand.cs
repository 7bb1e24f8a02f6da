using PayoutVault.Core.Audit;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// vaultctl audit verify  (--pg CONNSTR | --file EXPORT) [--trusted-key HEX[,HEX...]]
///                        [--anchors ANCHOR_FILE] [--expect-head SEQ:HASH]
/// vaultctl audit export  --pg CONNSTR --out FILE
/// Verification runs offline against the rows or an export; exit code 0 = intact, 1 = broken (the first broken
/// record is named; a tail cut off behind an anchored head is broken from the first missing record), 2 = usage.
/// Without --anchors or --expect-head, records deleted from the end together with their checkpoints cannot be seen.
/// </summary>
public static class AuditCommand
{
    public static async Task<int> RunAsync(CliArgs args)
    {
        var sub = args.Positional.FirstOrDefault() ?? throw new CliUsageException("audit needs a subcommand: verify or export");
        switch (sub)
        {
            case "export":
            {
                var trail = await AuditTrailReader.FromDatabaseAsync(args.Required("pg"));
                var path = args.Required("out");
                await AuditTrailReader.ExportAsync(trail, path);
                Console.WriteLine($"exported {trail.Records.Count} records and {trail.Checkpoints.Count} checkpoints to {path}");
                return 0;
            }
            case "verify":
            {
                // Heads first: a malformed --expect-head or anchor file is a usage error before any database work.
                var heads = await ExpectedHeadsAsync(args);
                var trail = args.Optional("file") is { } file
                    ? await AuditTrailReader.FromExportAsync(file)
                    : await AuditTrailReader.FromDatabaseAsync(args.Required("pg"));
                var trusted = args.Optional("trusted-key")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(k => k.ToUpperInvariant()).ToHashSet(StringComparer.Ordinal);
                var verdict = AuditHeadCheck.Check(trail, AuditVerifier.Verify(trail, trusted), heads, trusted);
                Console.WriteLine(verdict);
                if (trail.Unsealed is { } unsealed)
                    Console.WriteLine(unsealed == 0
                        ? "unsealed tail: none (every committed record has its place in the chain)"
                        : $"unsealed tail: {unsealed} committed records not sealed yet, not covered by this verification "
                          + "(the sequencer seals within milliseconds; a count that stays above zero means no replica is sequencing)");
                if (trusted is null && verdict.Intact)
                    Console.WriteLine("note: signing keys were taken from the trail itself; pass --trusted-key to pin them");
                if (heads.Count == 0 && verdict.Intact)
                    Console.WriteLine("note: without --anchors or --expect-head, records deleted from the end together with their "
                        + "checkpoints cannot be detected");
                return verdict.Intact ? 0 : 1;
            }
            default:
                throw new CliUsageException($"unknown audit subcommand '{sub}'");
        }
    }

    private static async Task<IReadOnlyList<ExpectedHead>> ExpectedHeadsAsync(CliArgs args)
    {
        var heads = new List<ExpectedHead>();
        if (args.Optional("expect-head") is { } expected)
        {
            try { heads.Add(ExpectedHead.Parse(expected)); }
            catch (FormatException e) { throw new CliUsageException($"--expect-head: {e.Message}"); }
        }
        if (args.Flag("expect-head")) throw new CliUsageException("--expect-head needs SEQ:HASH");
        if (args.Flag("anchors")) throw new CliUsageException("--anchors needs a file");
        if (args.Optional("anchors") is { } path)
        {
            if (!File.Exists(path)) throw new CliUsageException($"--anchors: {path} does not exist");
            IReadOnlyList<AuditCheckpoint> anchors;
            try { anchors = await AuditAnchorFile.ReadAsync(path); }
            catch (FormatException e) { throw new CliUsageException($"--anchors: {e.Message}"); }
            // An empty anchor file proves nothing; saying "intact" against it would be a false assurance.
            if (anchors.Count == 0) throw new CliUsageException($"--anchors: {path} holds no checkpoint lines");
            heads.AddRange(anchors.Select(a => ExpectedHead.FromAnchor(a, path)));
        }
        return heads;
    }
}
