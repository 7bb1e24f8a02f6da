using System.CommandLine;
using Npgsql;
using PayoutVault.Cli.CommandLine;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Keys;
using PayoutVault.Core.Keys.Hsm;
using PayoutVault.Core.Rotation;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// `vaultctl keys rewrap --pg CONNSTR --old-key FILE --new-key FILE`: re-wraps every key version from the old master
/// key to the new one in one audited transaction. Either side may be a share set (--old-/--new-shares) or a key in an
/// HSM (--old-/--new-hsm-key LABEL with --hsm-module, --hsm-token and --hsm-pin-file). For zero downtime, first give every replica the new key file with
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
        var oldHsmKey = CliOptions.Text("--old-hsm-key", "Label of the active master key in the HSM (with the --hsm-* options), instead of --old-key.", "LABEL");
        var newHsmKey = CliOptions.Text("--new-hsm-key", "Label of the new master key in the HSM (from vaultctl keys hsm-init), instead of --new-key.", "LABEL");
        var hsm = new HsmOptions();
        var command = new Command("rewrap", "Re-wrap every key version under a new master key, in one audited transaction; "
            + "key files, share sets and HSM keys in any direction (file to HSM, and back for disaster recovery).")
        {
            pg, oldKey, newKey, oldShares, newShares, oldHsmKey, newHsmKey,
        };
        hsm.AddTo(command, r => r.GetResult(oldHsmKey) is not null || r.GetResult(newHsmKey) is not null);
        command.Validators.Add(r =>
        {
            foreach (var (file, shares, label, which) in new[] { (oldKey, oldShares, oldHsmKey, "old"), (newKey, newShares, newHsmKey, "new") })
                if ((r.GetResult(file) is null ? 0 : 1) + (r.GetResult(shares) is null ? 0 : 1) + (r.GetResult(label) is null ? 0 : 1) != 1)
                    r.AddError($"give exactly one of --{which}-key FILE, --{which}-shares F1,F2,.. or --{which}-hsm-key LABEL");
        });
        command.SetAction(async (parse, ct) =>
        {
            using var oldMaster = LoadKey(parse.GetValue(oldKey), parse.GetValue(oldShares), HsmKey(parse, hsm, parse.GetValue(oldHsmKey)), "--old-hsm-key");
            using var newMaster = LoadKey(parse.GetValue(newKey), parse.GetValue(newShares), HsmKey(parse, hsm, parse.GetValue(newHsmKey)), "--new-hsm-key");
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

    private static Pkcs11Options? HsmKey(ParseResult parse, HsmOptions hsm, string? label) =>
        label is null ? null : hsm.Read(parse, label);

    /// <summary>
    /// A key file, K of its share files, or a key in the HSM; a key that cannot be used (not a key, wrong PIN, an
    /// extractable HSM key...) is refused before anything changes.
    /// </summary>
    private static IMasterKey LoadKey(string? file, string[]? shares, Pkcs11Options? hsmKey, string hsmSetting)
    {
        try
        {
            if (hsmKey is not null) return Pkcs11MasterKey.Open(hsmKey, hsmSetting);
            return shares is { Length: > 0 } ? MasterKeyShares.Load(shares) : MasterKeyFile.Load(file!);
        }
        catch (KeyConfigurationException e)
        {
            throw new CliUsageException(e.Message);
        }
    }
}
