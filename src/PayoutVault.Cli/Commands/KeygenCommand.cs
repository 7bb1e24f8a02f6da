using PayoutVault.Core.Keys;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// vaultctl keygen --out FILE [--key-id ID]: a master key file readable by its owner only.
/// vaultctl keygen --shares N --threshold K --out-dir DIR [--key-id ID]: the key split into N share files, any K of
/// which recombine it (one per custodian); the key itself is never written. Prints the key id and check value.
/// </summary>
public static class KeygenCommand
{
    public static Task<int> RunAsync(CliArgs args)
    {
        if (args.Optional("shares") is not null) return Task.FromResult(Split(args));

        var path = args.Required("out");
        if (File.Exists(path))
        {
            Console.Error.WriteLine($"vaultctl: {path} exists; refusing to overwrite a master key");
            return Task.FromResult(1);
        }
        var info = MasterKeyFile.Generate(path, args.Optional("key-id"));
        Console.WriteLine($"master key {info.KeyId} written to {path} (mode 0600), check value {info.CheckValue}");
        return Task.FromResult(0);
    }

    private static int Split(CliArgs args)
    {
        var shares = args.Int("shares", 0);
        var threshold = args.Int("threshold", 0);
        if (threshold < 2 || shares < threshold || shares > ShamirSecretSharing.MaxShares)
            throw new CliUsageException($"need 2 <= --threshold <= --shares <= {ShamirSecretSharing.MaxShares}");
        var folder = args.Required("out-dir");
        Directory.CreateDirectory(folder);
        try
        {
            var set = MasterKeyShares.Generate(folder, threshold, shares, args.Optional("key-id"));
            Console.WriteLine($"master key {set.KeyId} (check value {set.CheckValue}) split into {shares} shares, any {threshold} of which recombine it:");
            foreach (var file in set.Files) Console.WriteLine("  " + file + " (mode 0600)");
            Console.WriteLine("give each share to a different custodian; the key itself was never written");
            return 0;
        }
        catch (KeyConfigurationException e)
        {
            Console.Error.WriteLine("vaultctl: " + e.Message);
            return 1;
        }
    }
}
