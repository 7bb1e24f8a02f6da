using System.Globalization;
using Npgsql;
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
    public static async Task<int> RunAsync(CliArgs args)
    {
        var sub = args.Positional.FirstOrDefault() ?? throw new CliUsageException("retention needs a subcommand: report");
        if (sub != "report") throw new CliUsageException($"unknown retention subcommand '{sub}'");

        var days = args.Int("unused-for", (int)RetentionOptions.DefaultCardsUnusedFor.TotalDays);
        if (days < 1) throw new CliUsageException("--unused-for must be a whole number of days, at least 1");
        var cutoff = DateTime.UtcNow - TimeSpan.FromDays(days);

        await using var dataSource = NpgsqlDataSource.Create(args.Required("pg"));
        await using var conn = await dataSource.OpenConnectionAsync();
        var report = await RetentionStore.ReportAsync(conn, cutoff, CancellationToken.None);

        Console.WriteLine($"retention period:        {days} days since last activity (cutoff {Format(report.Cutoff)})");
        Console.WriteLine($"live cards:              {report.LiveCards}");
        Console.WriteLine($"overdue:                 {report.Overdue}");
        Console.WriteLine($"held by open payouts:    {report.HeldByOpenPayouts}");
        Console.WriteLine($"oldest last activity:    {Format(report.OldestActivity)}");
        Console.WriteLine($"last purge:              {Format(report.LastPurgeAt)}");
        return report.Overdue == 0 ? 0 : 1;
    }

    private static string Format(DateTime? t) =>
        t is { } v ? v.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "never";
}
