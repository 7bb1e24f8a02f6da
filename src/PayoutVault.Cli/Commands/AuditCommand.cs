using PayoutVault.Server.Audit;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// vaultctl audit verify  (--pg CONNSTR | --file EXPORT) [--trusted-key HEX[,HEX...]]
/// vaultctl audit export  --pg CONNSTR --out FILE
/// Verification runs offline against the rows or an export; exit code 0 = intact, 1 = broken (the first broken
/// record is named), 2 = usage.
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
                var trail = args.Optional("file") is { } file
                    ? await AuditTrailReader.FromExportAsync(file)
                    : await AuditTrailReader.FromDatabaseAsync(args.Required("pg"));
                var trusted = args.Optional("trusted-key")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(k => k.ToUpperInvariant()).ToHashSet(StringComparer.Ordinal);
                var verdict = AuditVerifier.Verify(trail, trusted);
                Console.WriteLine(verdict);
                if (trusted is null && verdict.Intact)
                    Console.WriteLine("note: signing keys were taken from the trail itself; pass --trusted-key to pin them");
                return verdict.Intact ? 0 : 1;
            }
            default:
                throw new CliUsageException($"unknown audit subcommand '{sub}'");
        }
    }
}
