using Npgsql;
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
    public static async Task<int> RunAsync(CliArgs args)
    {
        var connectionString = args.Required("pg");
        using var oldKey = LoadKey(args, "old");
        using var newKey = LoadKey(args, "new");
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        try
        {
            var who = new AuditContext("operator:" + Environment.UserName, "vaultctl-keys-rewrap");
            var result = await MasterKeyRewrap.RunAsync(dataSource, oldKey, newKey,
                new AuditLog(dataSource, TimeProvider.System), who, CancellationToken.None);
            Console.WriteLine($"re-wrapped {result.KeyVersions} key versions from master key {result.OldKeyId} " +
                $"to {result.NewKeyId} (check value {result.NewCheckValue}); {result.OldKeyId} is retired");
            return 0;
        }
        catch (KeyConfigurationException e)
        {
            Console.Error.WriteLine("vaultctl: " + e.Message + " Nothing was changed.");
            return 1;
        }
    }

    /// <summary>--old-key FILE or --old-shares F1,F2,... (and the same for new): a key file, or K of its share files.</summary>
    private static MasterKey LoadKey(CliArgs args, string which) =>
        args.Optional(which + "-shares") is { } shares
            ? MasterKeyShares.Load(shares.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            : MasterKeyFile.Load(args.Required(which + "-key"));
}
