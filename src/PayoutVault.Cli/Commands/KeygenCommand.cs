using System.CommandLine;
using PayoutVault.Cli.CommandLine;
using PayoutVault.Core.Keys;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// vaultctl keygen --out FILE [--key-id ID]: a master key file readable by its owner only.
/// vaultctl keygen --shares N --threshold K --out-dir DIR [--key-id ID]: the key split into N share files, any K of
/// which recombine it (one per custodian); the key itself is never written. Prints the key id and check value.
/// </summary>
public static class KeygenCommand
{
    public static Command Create()
    {
        var output = CliOptions.Text("--out", "Write the new master key to FILE (mode 0600); an existing file is never overwritten.", "FILE");
        var keyId = CliOptions.Text("--key-id", "Key id to record (default: generated from the date and random bits).", "ID");
        var shares = CliOptions.OptionalInt("--shares", $"Split the key into N share files instead (2..{ShamirSecretSharing.MaxShares}); needs --threshold and --out-dir.", min: 2);
        var threshold = CliOptions.OptionalInt("--threshold", "Any K of the shares recombine the key (2 <= K <= N).", min: 2);
        var folder = CliOptions.Text("--out-dir", "Folder for the share files (created when missing).", "DIR");

        var command = new Command("keygen", "Create a master key: one key file, or N Shamir shares any K of which recombine it.")
        {
            output, keyId, shares, threshold, folder,
        };
        command.Validators.Add(r =>
        {
            var split = r.GetResult(shares) is not null || r.GetResult(threshold) is not null || r.GetResult(folder) is not null;
            if (split && r.GetResult(output) is not null)
                r.AddError("give either --out FILE or --shares N --threshold K --out-dir DIR, not both");
            else if (split && (r.GetResult(shares) is null || r.GetResult(threshold) is null || r.GetResult(folder) is null))
                r.AddError("a split key needs all of --shares N --threshold K --out-dir DIR");
            else if (!split && r.GetResult(output) is null)
                r.AddError("give --out FILE, or --shares N --threshold K --out-dir DIR");
            else if (split && CliOptions.ValidValue(r, shares) is { } n && CliOptions.ValidValue(r, threshold) is { } k && (k > n || n > ShamirSecretSharing.MaxShares))
                r.AddError($"need 2 <= --threshold <= --shares <= {ShamirSecretSharing.MaxShares}, got --threshold {k} --shares {n}");
        });
        command.SetAction(parse => parse.GetValue(shares) is { } n
            ? Split(parse.GetValue(folder)!, n, parse.GetValue(threshold)!.Value, parse.GetValue(keyId))
            : Single(parse.GetValue(output)!, parse.GetValue(keyId)));
        return command;
    }

    private static int Single(string path, string? keyId)
    {
        if (File.Exists(path))
        {
            Console.Error.WriteLine($"vaultctl: {path} exists; refusing to overwrite a master key");
            return ExitCodes.CheckFailed;
        }
        var info = MasterKeyFile.Generate(path, keyId);
        Console.WriteLine($"master key {info.KeyId} written to {path} (mode 0600), check value {info.CheckValue}");
        return ExitCodes.Ok;
    }

    private static int Split(string folder, int shares, int threshold, string? keyId)
    {
        Directory.CreateDirectory(folder);
        try
        {
            var set = MasterKeyShares.Generate(folder, threshold, shares, keyId);
            Console.WriteLine($"master key {set.KeyId} (check value {set.CheckValue}) split into {shares} shares, any {threshold} of which recombine it:");
            foreach (var file in set.Files) Console.WriteLine("  " + file + " (mode 0600)");
            Console.WriteLine("give each share to a different custodian; the key itself was never written");
            return ExitCodes.Ok;
        }
        catch (KeyConfigurationException e)
        {
            Console.Error.WriteLine("vaultctl: " + e.Message);
            return ExitCodes.CheckFailed;
        }
    }
}
