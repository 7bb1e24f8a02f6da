using System.CommandLine;
using System.Runtime.InteropServices;
using PayoutVault.Cli.CommandLine;
using PayoutVault.Cli.Import;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// `vaultctl import --file cards.csv [--mapping FILE] [--cards-per-message N] [--cards-per-call N] [--in-flight N]
/// [--lines N]` plus the connection options of every vault command. Only reads options and signals; the work is
/// <see cref="CardImporter"/>'s.
/// </summary>
public static class ImportCommand
{
    public static Command Create()
    {
        var connection = new VaultConnection();
        var file = CliOptions.ExistingFile("--file", "The file of PAN,expiry rows to tokenize (e.g. an export of another vault).", required: true);
        var mapping = CliOptions.Text("--mapping",
            "Where line,token,outcome rows go; a rerun resumes from it. Default: FILE.tokens.csv next to --file.", "FILE");
        var perMessage = CliOptions.Int("--cards-per-message", "Cards per TokenizeBatch request message (the vault takes at most 1,000).", 500);
        var perCall = CliOptions.Int("--cards-per-call", "Cards per TokenizeBatch call (the vault takes at most 10,000 by default).", 10_000);
        var inFlight = CliOptions.Int("--in-flight", "Messages sent and not yet answered; the sender waits beyond it.", 4);
        var lines = CliOptions.OptionalInt("--lines", "Stop after N lines in this run (import in parts); default: the whole file.");
        var command = new Command("import",
            "Tokenize a file of PAN,expiry rows through TokenizeBatch, writing line -> token to a mapping file; rerun the "
            + "same command to resume. Ctrl+C once stops sending and records what was sent, twice aborts.")
        {
            file, mapping, perMessage, perCall, inFlight, lines,
        };
        connection.AddTo(command);
        // A synchronous action on purpose: System.CommandLine gives an asynchronous one only a short grace period after
        // Ctrl+C before it returns, which could cut off the answers still in flight and the summary. The import handles
        // SIGINT/SIGTERM itself (first: stop sending and record, second: abort).
        command.SetAction(parse =>
        {
            var input = parse.GetValue(file)!;
            var settings = new ImportSettings(input, parse.GetValue(mapping) ?? ImportSettings.DefaultMappingFile(input),
                parse.GetValue(perMessage), parse.GetValue(perCall), parse.GetValue(inFlight), parse.GetValue(lines));
            return RunAsync(settings, () => connection.Open(parse)).GetAwaiter().GetResult();
        });
        return command;
    }

    private static async Task<int> RunAsync(ImportSettings settings, Func<Grpc.Net.Client.GrpcChannel> openChannel)
    {
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

        using var channel = openChannel();
        var importer = new CardImporter(new TokenService.TokenServiceClient(channel), settings, Console.Out);
        return await importer.RunAsync(stop.Token, abort.Token);
    }
}
