using System.Security.Cryptography;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>
/// Fresh RSA-2048 key pairs for one test environment: the partner pair (the vault signs requests, the sandbox
/// verifies) and the bank pair (the sandbox signs webhooks, the vault verifies). PEM files in a private folder.
/// </summary>
public sealed class BankKeys : IDisposable
{
    private readonly TempDirectory _dir = new("pv-bankkeys-");

    public BankKeys()
    {
        using var partner = RSA.Create(2048);
        using var bank = RSA.Create(2048);
        File.WriteAllText(PartnerPrivateKeyFile, partner.ExportRSAPrivateKeyPem());
        File.WriteAllText(PartnerPublicKeyFile, partner.ExportSubjectPublicKeyInfoPem());
        File.WriteAllText(BankPrivateKeyFile, bank.ExportRSAPrivateKeyPem());
        File.WriteAllText(BankPublicKeyFile, bank.ExportSubjectPublicKeyInfoPem());
    }

    public string PartnerPrivateKeyFile => _dir.File("partner.pem");
    public string PartnerPublicKeyFile => _dir.File("partner.pub.pem");
    public string BankPrivateKeyFile => _dir.File("bank.pem");
    public string BankPublicKeyFile => _dir.File("bank.pub.pem");

    /// <summary>Signs a webhook body as the bank would (RSA-SHA256, Base64).</summary>
    public string SignAsBank(byte[] body)
    {
        using var signer = Bank131.Bank131Signer.FromPemFile(BankPrivateKeyFile);
        return signer.Sign(body);
    }

    public void Dispose() => _dir.Dispose();
}
