namespace PayoutVault.Bank131.Tests;

/// <summary>Every PEM flavour the bank's SDK accepts, and clear errors for the wrong ones.</summary>
public sealed class PemLoadingTests
{
    private readonly TestKeys _keys = TestKeys.Shared;

    public static TheoryData<string, bool> PartnerKeyFiles => new()
    {
        { "partner.pk8.pem", false },
        { "partner.pk1.pem", false },
        { "partner.pk1.enc.pem", true },
        { "partner.pk8.enc.pem", true },
    };

    [Theory]
    [MemberData(nameof(PartnerKeyFiles))]
    public void Every_form_of_the_same_key_loads_and_signs_identically(string file, bool encrypted)
    {
        var pem = File.ReadAllText(_keys.File(file));
        Assert.Contains(
            file switch
            {
                "partner.pk8.pem" => "BEGIN PRIVATE KEY",
                "partner.pk1.pem" => "BEGIN RSA PRIVATE KEY",
                "partner.pk1.enc.pem" => "Proc-Type: 4,ENCRYPTED",
                _ => "BEGIN ENCRYPTED PRIVATE KEY",
            },
            pem,
            StringComparison.Ordinal);

        var signer = Bank131Signer.FromPem(pem, encrypted ? TestKeys.Passphrase : null);
        Assert.Equal(2048, signer.KeySizeBits);
        Assert.Equal(_keys.PartnerSigner().Sign("{}"u8), signer.Sign("{}"u8));
    }

    [Theory]
    [InlineData("partner.pk1.enc.pem")]
    [InlineData("partner.pk8.enc.pem")]
    public void Wrong_passphrase_gives_a_clear_error_without_key_material(string file)
    {
        var pem = File.ReadAllText(_keys.File(file));
        var ex = Assert.Throws<Bank131KeyException>(() => Bank131Signer.FromPem(pem, "Tr0ub4dor&3-not-it"));
        Assert.Contains("passphrase", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Null(ex.InnerException);
        AssertNoKeyMaterial(ex.ToString(), pem);
        Assert.DoesNotContain("Tr0ub4dor", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("partner.pk1.enc.pem")]
    [InlineData("partner.pk8.enc.pem")]
    public void Missing_passphrase_for_an_encrypted_key_is_a_clear_error(string file)
    {
        var ex = Assert.Throws<Bank131KeyException>(() => Bank131Signer.FromPem(File.ReadAllText(_keys.File(file))));
        Assert.Contains("encrypted", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void An_EC_key_is_refused_as_not_RSA()
    {
        var pem = File.ReadAllText(_keys.EcPrivate);
        var ex = Assert.Throws<Bank131KeyException>(() => Bank131Signer.FromPem(pem));
        Assert.Contains("not an RSA key", ex.Message, StringComparison.Ordinal);
        AssertNoKeyMaterial(ex.ToString(), pem);
    }

    [Fact]
    public void A_1024_bit_RSA_key_is_refused()
    {
        var ex = Assert.Throws<Bank131KeyException>(() => Bank131Signer.FromPem(File.ReadAllText(_keys.SmallRsaPrivate)));
        Assert.Contains("2048", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Public_and_private_keys_cannot_be_swapped()
    {
        Assert.Throws<Bank131KeyException>(() => Bank131Signer.FromPem(File.ReadAllText(_keys.PartnerPublic)));
        Assert.Throws<Bank131KeyException>(() => Bank131SignatureVerifier.FromPem(File.ReadAllText(_keys.PartnerPkcs1)));
    }

    [Theory]
    [InlineData("not a pem")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")]
    public void Garbage_is_a_key_error(string pem)
    {
        Assert.Throws<Bank131KeyException>(() => Bank131Signer.FromPem(pem));
    }

    private static void AssertNoKeyMaterial(string text, string pem)
    {
        // No line of the PEM body (base64 of the key) may appear in the error.
        foreach (var line in pem.Split('\n').Where(l => l.Length > 20 && !l.StartsWith("-----", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain(line.Trim(), text, StringComparison.Ordinal);
        }
    }
}
