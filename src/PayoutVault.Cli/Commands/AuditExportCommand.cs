using System.CommandLine;
using PayoutVault.Cli.CommandLine;
using PayoutVault.Core.Audit;

namespace PayoutVault.Cli.Commands;

/// <summary>`vaultctl audit export --pg CONNSTR --out FILE`: the trail (records, checkpoints, keys) as JSON lines.</summary>
public static class AuditExportCommand
{
    public static Command Create()
    {
        var pg = CliOptions.Text("--pg", "PostgreSQL connection string of the vault's database.", "CONNSTR", required: true);
        var output = CliOptions.Text("--out", "The JSON-lines file to write (verifiable offline with audit verify --file).", "FILE", required: true);
        var command = new Command("export", "Export the audit trail as JSON lines: public keys, records, signed checkpoints.") { pg, output };
        command.SetAction(async (parse, ct) =>
        {
            var path = parse.GetValue(output)!;
            using var progress = TerminalProgress.OnStandardError("reading audit records", "records");
            var trail = await AuditTrailReader.FromDatabaseAsync(parse.GetValue(pg)!, ct, progress);
            progress.Step("writing " + path, "records");
            progress.Report(0, trail.Records.Count);
            await AuditTrailReader.ExportAsync(trail, path, ct, new Progress(progress, trail.Records.Count));
            progress.Dispose();
            Console.WriteLine($"exported {trail.Records.Count} records and {trail.Checkpoints.Count} checkpoints to {path}");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Counts against a known total, so the line shows a percentage.</summary>
    internal sealed class Progress(TerminalProgress line, long total) : IProgress<long>
    {
        public void Report(long value) => line.Report(value, total);
    }
}
