using System.CommandLine;
using System.Globalization;
using Npgsql;
using PayoutVault.Cli.CommandLine;
using PayoutVault.Core.Retention;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// vaultctl retention report --pg CONNSTR [--unused-for DAYS]
/// The quarterly check of PCI DSS 3.2.1, read straight from the database: live cards, how many are past the retention
/// period (give the vault's Vault:Retention:CardsUnusedFor; the default is the vault's default), how many of those an
/// open payout still holds, and when the purge last ran. Exit code 0 = nothing overdue, 1 = overdue cards, 2 = usage.
/// </summary>
public static class RetentionCommand
{
    public static Command Create() => new("retention", "Card data retention (PCI DSS 3.2.1).") { Report() };

    private static Command Report()
    {
        var pg = CliOptions.Text("--pg", "PostgreSQL connection string of the vault's database.", "CONNSTR", required: true);
        var unusedFor = CliOptions.Int("--unused-for", "The retention period in days since a card's last activity "
            + "(the vault's Vault:Retention:CardsUnusedFor).", (int)RetentionOptions.DefaultCardsUnusedFor.TotalDays);
        unusedFor.HelpName = "DAYS";
        var command = new Command("report", "Live cards, how many are past the retention period, held by open payouts, last purge; "
            + "exit code 1 when any card is overdue.")
        {
            pg, unusedFor,
        };
        command.SetAction(async (parse, ct) =>
        {
            var days = parse.GetValue(unusedFor);
            var cutoff = DateTime.UtcNow - TimeSpan.FromDays(days);
            RetentionReport report;
            using (TerminalProgress.OnStandardError("counting cards past retention"))
            {
                await using var dataSource = NpgsqlDataSource.Create(parse.GetValue(pg)!);
                await using var conn = await dataSource.OpenConnectionAsync(ct);
                report = await RetentionStore.ReportAsync(conn, cutoff, ct);
            }

            Console.WriteLine($"retention period:        {days} days since last activity (cutoff {Format(report.Cutoff)})");
            Console.WriteLine($"live cards:              {report.LiveCards}");
            Console.WriteLine($"overdue:                 {report.Overdue}");
            Console.WriteLine($"held by open payouts:    {report.HeldByOpenPayouts}");
            Console.WriteLine($"oldest last activity:    {Format(report.OldestActivity)}");
            Console.WriteLine($"last purge:              {Format(report.LastPurgeAt)}");
            return report.Overdue == 0 ? ExitCodes.Ok : ExitCodes.CheckFailed;
        });
        return command;
    }

    private static string Format(DateTime? t) =>
        t is { } v ? v.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "never";
}
