using PayoutVault.Bank131;

namespace PayoutVault.Sandbox;

/// <summary>The two keys the sandbox plays with, loaded once at start so a bad path fails at once, not per request.
/// Disposed with the app's services, which frees the platform key objects and wipes the bank's private key.</summary>
internal sealed class SandboxKeys(Bank131SignatureVerifier partnerVerifier, Bank131Signer bankSigner) : IDisposable
{
    public Bank131SignatureVerifier PartnerVerifier { get; } = partnerVerifier;

    public Bank131Signer BankSigner { get; } = bankSigner;

    public void Dispose()
    {
        PartnerVerifier.Dispose();
        BankSigner.Dispose();
    }

    public static SandboxKeys Load(SandboxOptions options)
    {
        return new SandboxKeys(
            Bank131SignatureVerifier.FromPem(ReadKeyFile(options.PartnerPublicKeyFile, nameof(options.PartnerPublicKeyFile))),
            Bank131Signer.FromPem(
                ReadKeyFile(options.BankPrivateKeyFile, nameof(options.BankPrivateKeyFile)),
                options.BankPrivateKeyPassphrase));
    }

    private static string ReadKeyFile(string path, string setting)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new InvalidOperationException(
                $"{SandboxOptions.SectionName}:{setting} is not set (environment variable {SandboxOptions.SectionName}__{setting}).");
        }

        if (!File.Exists(path))
        {
            throw new InvalidOperationException($"{SandboxOptions.SectionName}:{setting} points to a missing file: {path}");
        }

        return File.ReadAllText(path);
    }
}
