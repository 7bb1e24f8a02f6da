using PayoutVault.Server.Keys;

namespace PayoutVault.Cli.Commands;

/// <summary>Creates a master key file readable by its owner only, and prints its id and check value.</summary>
public static class KeygenCommand
{
    public static Task<int> RunAsync(CliArgs args)
    {
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
}
