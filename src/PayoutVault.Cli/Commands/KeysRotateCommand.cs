using System.CommandLine;
using PayoutVault.Cli.CommandLine;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// `vaultctl keys rotate-data|rotate-fingerprint --vault URL [--wait]`: starts a rotation; the vault moves the cards
/// online. With --wait it polls until every card is done, drawing the count on a terminal, and prints the final state.
/// </summary>
public static class KeysRotateCommand
{
    public static Command Create(string name, bool fingerprint)
    {
        var connection = new VaultConnection();
        var wait = new Option<bool>("--wait") { Description = "Wait until every card has moved to the new version (progress on a terminal)." };
        var command = new Command(name, fingerprint
            ? "Start a new fingerprint key version; every fingerprint is recomputed online."
            : "Start a new data key version; every card is re-encrypted online.")
        {
            wait,
        };
        connection.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            using var channel = connection.Open(parse);
            var client = new KeyService.KeyServiceClient(channel);
            var started = fingerprint
                ? await client.RotateFingerprintKeyAsync(new RotateKeyRequest(), cancellationToken: ct)
                : await client.RotateDataKeyAsync(new RotateKeyRequest(), cancellationToken: ct);
            Console.WriteLine($"rotation started: {KeysCommand.Describe(started)}");
            if (!parse.GetValue(wait)) return ExitCodes.Ok;

            using var progress = TerminalProgress.OnStandardError($"{started.Purpose} -> v{started.NewVersion}", "cards");
            while (true)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
                var status = await client.GetKeyStatusAsync(new GetKeyStatusRequest(), cancellationToken: ct);
                var current = status.Rotations.FirstOrDefault(r => r.Purpose == started.Purpose && r.NewVersion == started.NewVersion);
                if (current is null) continue;
                progress.Report(current.RowsDone, current.RowsTotal);
                if (!current.Complete) continue;
                progress.Dispose();
                Console.WriteLine(KeysCommand.Describe(current));
                return ExitCodes.Ok;
            }
        });
        return command;
    }
}
