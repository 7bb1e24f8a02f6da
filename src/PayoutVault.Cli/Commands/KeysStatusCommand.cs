using System.CommandLine;
using System.Globalization;
using PayoutVault.Cli.CommandLine;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Commands;

/// <summary>`vaultctl keys status --vault URL`: key versions, rotation progress, master key id and check value.</summary>
public static class KeysStatusCommand
{
    public static Command Create()
    {
        var connection = new VaultConnection();
        var command = new Command("status", "Key versions, rotation progress, the master key's id and check value.");
        connection.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            using var channel = connection.Open(parse);
            var status = await new KeyService.KeyServiceClient(channel).GetKeyStatusAsync(new GetKeyStatusRequest(), cancellationToken: ct);
            Console.WriteLine($"master key {status.MasterKeyId} (check value {status.MasterKeyCheckValue})");
            foreach (var v in status.Versions)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{v.Purpose,-12} v{v.Version,-4} {v.State,-8} wrapped by {v.MasterKeyId}, created {v.CreatedAt.ToDateTime():u}"));
            if (status.Rotations.Count == 0) Console.WriteLine("no rotation yet");
            foreach (var r in status.Rotations) Console.WriteLine("rotation " + KeysCommand.Describe(r));
            return ExitCodes.Ok;
        });
        return command;
    }
}
