using System.Security.Cryptography;
using PayoutVault.Bank131;
using PayoutVault.Core.Keys;

namespace PayoutVault.Core.Payouts;

/// <summary>
/// Loads the bank keys at start. A file that is missing, unreadable or not the right key refuses start with a message
/// naming the setting, instead of failing every payout (or every webhook) until someone restarts the vault.
/// </summary>
public static class Bank131KeyFiles
{
    public static Bank131Signer LoadSigner(string path, string? passphrase) =>
        Load("Vault:Bank131:PrivateKeyFile", "the partner private key that signs requests to the bank",
            () => Bank131Signer.FromPemFile(path, passphrase));

    public static Bank131SignatureVerifier LoadVerifier(string path) =>
        Load("Vault:Webhooks:BankPublicKeyFile", "the bank public key that verifies webhooks",
            () => Bank131SignatureVerifier.FromPemFile(path));

    private static T Load<T>(string setting, string what, Func<T> load)
    {
        try
        {
            return load();
        }
        catch (Exception e) when (e is Bank131KeyException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            // These messages name a file or a rule, never key material.
            throw new KeyConfigurationException($"{setting}: cannot load {what}: {e.Message}");
        }
        catch (CryptographicException e)
        {
            throw new KeyConfigurationException($"{setting}: cannot load {what} ({e.GetType().Name}).");
        }
    }
}
