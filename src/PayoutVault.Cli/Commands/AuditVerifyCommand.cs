using System.CommandLine;
using System.CommandLine.Parsing;
using PayoutVault.Cli.CommandLine;
using PayoutVault.Core.Audit;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// vaultctl audit verify  (--pg CONNSTR | --file EXPORT) [--trusted-key HEX[,HEX...]]
///                        [--anchors ANCHOR_FILE] [--expect-head SEQ:HASH]
/// Verification runs offline against the rows or an export; exit code 0 = intact, 1 = broken (the first broken
/// record is named; a tail cut off behind an anchored head is broken from the first missing record), 2 = usage.
/// Without --anchors or --expect-head, records deleted from the end together with their checkpoints cannot be seen.
/// </summary>
public static class AuditVerifyCommand
{
    public static Command Create()
    {
        var pg = CliOptions.Text("--pg", "PostgreSQL connection string of the vault's database (or --file).", "CONNSTR");
        var file = CliOptions.ExistingFile("--file", "A trail written by audit export (or --pg).");
        var trustedKeys = new Option<HashSet<string>?>("--trusted-key")
        {
            Description = "Hex Ed25519 public keys that may sign checkpoints, comma-separated (the vault logs its key at start); "
                + "without it the keys stored with the trail are believed.",
            HelpName = "HEX[,HEX..]",
            CustomParser = r => r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Select(k => k.ToUpperInvariant()).ToHashSet(StringComparer.Ordinal),
        };
        var anchors = CliOptions.ExistingFile("--anchors",
            "The anchor file (Vault:Audit:AnchorFile) shipped off the box: proves no tail was cut off behind its heads.");
        var expectHead = new Option<ExpectedHead?>("--expect-head")
        {
            Description = "A checkpoint head kept off the box (log event 1620): the trail must still reach it.",
            HelpName = "SEQ:HASH",
            CustomParser = ParseHead,
        };
        var command = new Command("verify", "Verify the hash chain and signed checkpoints; exit code 1 names the first broken record.")
        {
            pg, file, trustedKeys, anchors, expectHead,
        };
        command.Validators.Add(r =>
        {
            if ((r.GetResult(pg) is null) == (r.GetResult(file) is null))
                r.AddError("give exactly one of --pg CONNSTR (the database) or --file EXPORT (an export)");
        });
        command.SetAction(async (parse, ct) =>
        {
            // Heads first: an empty or garbled anchor file is a usage error before any database work.
            var heads = new List<ExpectedHead>();
            if (parse.GetValue(expectHead) is { } head) heads.Add(head);
            if (parse.GetValue(anchors) is { } anchorFile) heads.AddRange(await AnchoredHeadsAsync(anchorFile));

            using var progress = TerminalProgress.OnStandardError("reading audit records", "records");
            var trail = parse.GetValue(file) is { } export
                ? await AuditTrailReader.FromExportAsync(export, ct, progress)
                : await AuditTrailReader.FromDatabaseAsync(parse.GetValue(pg)!, ct, progress);
            var trusted = parse.GetValue(trustedKeys);
            progress.Step("verifying the chain", "records");
            var verdict = AuditHeadCheck.Check(trail,
                AuditVerifier.Verify(trail, trusted, new AuditExportCommand.Progress(progress, trail.Records.Count)), heads, trusted);
            progress.Dispose();

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
            return verdict.Intact ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });
        return command;
    }

    private static ExpectedHead? ParseHead(ArgumentResult r)
    {
        var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
        try { return ExpectedHead.Parse(text); }
        catch (FormatException e) { r.AddError($"--expect-head: {e.Message}"); return null; }
    }

    private static async Task<IEnumerable<ExpectedHead>> AnchoredHeadsAsync(string path)
    {
        IReadOnlyList<AuditCheckpoint> anchors;
        try { anchors = await AuditAnchorFile.ReadAsync(path); }
        catch (FormatException e) { throw new CliUsageException($"--anchors: {e.Message}"); }
        // An empty anchor file proves nothing; saying "intact" against it would be a false assurance.
        if (anchors.Count == 0) throw new CliUsageException($"--anchors: {path} holds no checkpoint lines");
        return anchors.Select(a => ExpectedHead.FromAnchor(a, path));
    }
}
