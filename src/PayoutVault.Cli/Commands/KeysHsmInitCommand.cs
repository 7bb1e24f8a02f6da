using PayoutVault.Core.Keys;
using PayoutVault.Core.Keys.Hsm;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// `vaultctl keys hsm-init --hsm-module LIB --hsm-token LABEL --hsm-pin-file FILE [--label LABEL]`: generates the master
/// key inside the token (AES-256, sensitive, never extractable) and prints its label and check value, which the vault
/// registers at its first start on the key and checks at every later one. The logic is <see cref="Pkcs11KeyGenerator"/>.
/// </summary>
public static class KeysHsmInitCommand
{
    public const string Usage = "keys hsm-init " + HsmArgs.Usage + " [--label LABEL]   master key generated inside an HSM";

    public static Task<int> RunAsync(CliArgs args)
    {
        var options = HsmArgs.Parse(args);
        try
        {
            var info = Pkcs11KeyGenerator.Create(options, args.Optional("label"));
            Console.WriteLine($"master key {info.KeyId} generated in the {options.TokenName} (AES-256, sensitive, never extractable), "
                + $"check value {info.CheckValue}");
            Console.WriteLine($"configure Vault:Keys:Pkcs11:KeyLabel={info.KeyId}; the vault refuses any other key under that label");
            return Task.FromResult(0);
        }
        catch (KeyConfigurationException e)
        {
            Console.Error.WriteLine("vaultctl: " + e.Message);
            return Task.FromResult(1);
        }
    }
}
