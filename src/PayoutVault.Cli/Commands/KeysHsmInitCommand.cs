using System.CommandLine;
using PayoutVault.Cli.CommandLine;
using PayoutVault.Core.Keys;
using PayoutVault.Core.Keys.Hsm;

namespace PayoutVault.Cli.Commands;

/// <summary>
/// `vaultctl keys hsm-init --hsm-module LIB --hsm-token LABEL --hsm-pin-file FILE [--label LABEL]`: generates the master
/// key inside the token (AES-256, sensitive, never extractable) and prints its label and check value, which the vault
/// registers at its first start on the key and checks at every later one. The logic is <see cref="Pkcs11KeyGenerator"/>;
/// this file only reads the command line.
/// </summary>
public static class KeysHsmInitCommand
{
    public static Command Create()
    {
        var hsm = new HsmOptions();
        var label = CliOptions.Text("--label", "The new key's label, which is the master key id (default: mk-YYYYMMDD-xxxxxxxx).", "LABEL");
        var command = new Command("hsm-init", "Generate the master key inside a PKCS#11 token (HSM); prints its label and check value.")
        {
            label,
        };
        hsm.AddTo(command, _ => true);
        command.SetAction(parse =>
        {
            var options = hsm.Read(parse);
            try
            {
                var info = Pkcs11KeyGenerator.Create(options, parse.GetValue(label));
                Console.WriteLine($"master key {info.KeyId} generated in the {options.TokenName} (AES-256, sensitive, never extractable), "
                    + $"check value {info.CheckValue}");
                Console.WriteLine($"configure Vault:Keys:Pkcs11:KeyLabel={info.KeyId}; the vault refuses any other key under that label");
                return ExitCodes.Ok;
            }
            catch (KeyConfigurationException e)
            {
                Console.Error.WriteLine("vaultctl: " + e.Message);
                return ExitCodes.CheckFailed;
            }
        });
        return command;
    }
}
