namespace PayoutVault.Bank131.Tests;

/// <summary>
/// RSA keys made once per test run with the openssl CLI into a temporary folder, in every PEM flavour the
/// bank's SDK accepts. The same partner key is written as PKCS#8, PKCS#1 and both encrypted forms.
/// </summary>
internal sealed class TestKeys
{
    public const string Passphrase = "correct horse battery staple";

    private static readonly Lazy<TestKeys> Instance = new(() => new TestKeys());

    private TestKeys()
    {
        Dir = Path.Combine(Path.GetTempPath(), "payoutvault-bank131-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(Dir, recursive: true);
            }
            catch (IOException)
            {
            }
        };

        PartnerPkcs8 = File("partner.pk8.pem");
        OpenSsl.MustRun("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", PartnerPkcs8);
        PartnerPkcs1 = File("partner.pk1.pem");
        OpenSsl.MustRun("rsa", "-in", PartnerPkcs8, "-traditional", "-out", PartnerPkcs1);
        PartnerPkcs1Encrypted = File("partner.pk1.enc.pem");
        OpenSsl.MustRun("rsa", "-in", PartnerPkcs8, "-traditional", "-aes256", "-passout", "pass:" + Passphrase, "-out", PartnerPkcs1Encrypted);
        PartnerPkcs8Encrypted = File("partner.pk8.enc.pem");
        OpenSsl.MustRun("pkcs8", "-topk8", "-v2", "aes256", "-in", PartnerPkcs8, "-passout", "pass:" + Passphrase, "-out", PartnerPkcs8Encrypted);
        PartnerPublic = File("partner.pub.pem");
        OpenSsl.MustRun("rsa", "-in", PartnerPkcs8, "-pubout", "-out", PartnerPublic);
        PartnerRsaPublic = File("partner.rsapub.pem");
        OpenSsl.MustRun("rsa", "-in", PartnerPkcs8, "-RSAPublicKey_out", "-out", PartnerRsaPublic);

        BankPrivateEncrypted = File("bank.pk8.enc.pem");
        var bankPlain = File("bank.pk8.pem");
        OpenSsl.MustRun("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", bankPlain);
        OpenSsl.MustRun("pkcs8", "-topk8", "-v2", "aes256", "-in", bankPlain, "-passout", "pass:" + Passphrase, "-out", BankPrivateEncrypted);
        BankPublic = File("bank.pub.pem");
        OpenSsl.MustRun("rsa", "-in", bankPlain, "-pubout", "-out", BankPublic);

        OtherPrivate = File("other.pk8.pem");
        OpenSsl.MustRun("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", OtherPrivate);
        EcPrivate = File("ec.pem");
        OpenSsl.MustRun("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", EcPrivate);
        SmallRsaPrivate = File("small.pem");
        OpenSsl.MustRun("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", SmallRsaPrivate);
    }

    public static TestKeys Shared => Instance.Value;

    public string Dir { get; }

    public string PartnerPkcs8 { get; }

    public string PartnerPkcs1 { get; }

    public string PartnerPkcs1Encrypted { get; }

    public string PartnerPkcs8Encrypted { get; }

    public string PartnerPublic { get; }

    public string PartnerRsaPublic { get; }

    public string BankPrivateEncrypted { get; }

    public string BankPublic { get; }

    public string OtherPrivate { get; }

    public string EcPrivate { get; }

    public string SmallRsaPrivate { get; }

    public Bank131Signer PartnerSigner() => Bank131Signer.FromPemFile(PartnerPkcs8);

    public Bank131SignatureVerifier BankVerifier() => Bank131SignatureVerifier.FromPemFile(BankPublic);

    public string File(string name) => Path.Combine(Dir, name);

    public string NewFile(string extension) => Path.Combine(Dir, Guid.NewGuid().ToString("N") + extension);
}
