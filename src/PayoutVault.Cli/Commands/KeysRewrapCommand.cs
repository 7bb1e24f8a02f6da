using System.CommandLine;
using Npgsql;
using PayoutVault.Cli.CommandLine;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Keys;
using PayoutVault.Core.Rotation;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// `vaultctl keys rewrap --pg CONNSTR --old-key FILE --new-key FILE`: re-wraps every key version from the old master
/// key to the new one in one audited transaction. For zero downtime, first give every replica the new key file with
/// the old one in Vault:Keys:PreviousMasterKeyFiles, run this, then drop the old key from their configuration.
/// </summary>
public static class KeysRewrapCommand
{
    public static Command Create()
    {
        var pg = CliOptions.Text("--pg", "PostgreSQL connection string of the vault's database (an administrator's login).", "CONNSTR", required: true);
        var oldKey = CliOptions.ExistingFile("--old-key", "The active master key file.");
        var newKey = CliOptions.ExistingFile("--new-key", "The new master key file (from vaultctl keygen).");
        var oldShares = CliOptions.ExistingFiles("--old-shares", "At least K share files of the active master key, instead of --old-key.");
        var newShares = CliOptions.ExistingFiles("--new-shares", "At least K share files of the new master key, instead of --new-key.");
        var command = new Command("rewrap", "Re-wrap every key version under a new master key, in one audited transaction.")
        {
            pg, oldKey, newKey, oldShares, newShares,
        };
        command.Validators.Add(r =>
        {
            foreach (var (file, shares, which) in new[] { (oldKey, oldShares, "old"), (newKey, newShares, "new") })
                if ((r.GetResult(file) is null) == (r.GetResult(shares) is null))
                    r.AddError($"give exactly one of --{which}-key FILE or --{which}-shares F1,F2,..");
        });
        command.SetAction(async (parse, ct) =>
        {
            using var oldMaster = LoadKey(parse.GetValue(oldKey), parse.GetValue(oldShares));
            using var newMaster = LoadKey(parse.GetValue(newKey), parse.GetValue(newShares));
            await using var dataSource = NpgsqlDataSource.Create(parse.GetValue(pg)!);
            try
            {
                var who = new AuditContext("operator:" + Environment.UserName, "vaultctl-keys-rewrap");
                var result = await MasterKeyRewrap.RunAsync(dataSource, oldMaster, newMaster,
                    new AuditLog(dataSource, TimeProvider.System), who, ct);
                Console.WriteLine($"re-wrapped {result.KeyVersions} key versions from master key {result.OldKeyId} " +
                    $"to {result.NewKeyId} (check value {result.NewCheckValue}); {result.OldKeyId} is retired");
                return ExitCodes.Ok;
            }
            catch (KeyConfigurationException e)
            {
                Console.Error.WriteLine("vaultctl: " + e.Message + " Nothing was changed.");
                return ExitCodes.CheckFailed;
            }
        });
        return command;
    }

    /// <summary>A key file, or K of its share files; a file that is not a key is refused before anything changes.</summary>
    private static MasterKey LoadKey(string? file, string[]? shares)
    {
        try
        {
            return shares is { Length: > 0 } ? MasterKeyShares.Load(shares) : MasterKeyFile.Load(file!);
        }
        catch (KeyConfigurationException e)
        {
            throw new CliUsageException(e.Message);
        }
    }
}
