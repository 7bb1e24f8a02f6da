using System.Runtime.InteropServices;
using PayoutVault.Cli.Import;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// `vaultctl import --file cards.csv [--mapping FILE] [--cards-per-message N] [--cards-per-call N] [--in-flight N]
/// [--lines N]` plus the connection options of every vault command. Only parses arguments and signals; the work is
/// <see cref="CardImporter"/>'s.
/// </summary>
public static class ImportCommand
{
    public static async Task<int> RunAsync(CliArgs args)
    {
        var input = args.Required("file");
        if (!File.Exists(input)) throw new CliUsageException($"--file {input}: no such file");
        var settings = new ImportSettings(input, args.Optional("mapping") ?? ImportSettings.DefaultMappingFile(input),
            Positive(args, "cards-per-message", 500), Positive(args, "cards-per-call", 10_000), Positive(args, "in-flight", 4),
            args.Optional("lines") is null ? null : Positive(args, "lines", 1));

        // First Ctrl+C (or SIGTERM): stop sending, record what was sent, print the summary. Second: abort.
        using var stop = new CancellationTokenSource();
        using var abort = new CancellationTokenSource();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            if (stop.IsCancellationRequested) abort.Cancel();
            else stop.Cancel();
        }
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);

        using var channel = VaultChannel.Open(args);
        var importer = new CardImporter(new TokenService.TokenServiceClient(channel), settings, Console.Out);
        return await importer.RunAsync(stop.Token, abort.Token);
    }

    private static int Positive(CliArgs args, string name, int fallback) =>
        args.Int(name, fallback) is > 0 and var n ? n : throw new CliUsageException($"--{name} must be a positive number");
}
