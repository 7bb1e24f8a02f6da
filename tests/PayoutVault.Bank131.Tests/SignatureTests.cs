using System.Text;

namespace PayoutVault.Bank131.Tests;

/// <summary>Our RSA-SHA256 against the openssl CLI, over exactly the bytes that are sent.</summary>
public sealed class SignatureTests
{
    private readonly TestKeys _keys = TestKeys.Shared;

    private static byte[] PayoutBytes()
    {
        using var body = TestPayouts.Body("pay_sig", recipient: new PayoutRecipient("Иванов \"Ваня\" \\ Иван", null, null, null));
        return body.Span.ToArray();
    }

    [Fact]
    public void Signature_from_Bank131Signer_verifies_with_openssl_dgst()
    {
        var body = PayoutBytes();
        var signature = _keys.PartnerSigner().Sign(body);

        var bodyFile = _keys.NewFile(".bin");
        var sigFile = _keys.NewFile(".sig");
        File.WriteAllBytes(bodyFile, body);
        File.WriteAllBytes(sigFile, Convert.FromBase64String(signature));

        var result = OpenSsl.Run("dgst", "-sha256", "-verify", _keys.PartnerPublic, "-signature", sigFile, bodyFile);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Verified OK", result.StdOut, StringComparison.Ordinal);
    }

    [Fact]
    public void Signature_from_openssl_dgst_verifies_and_equals_ours_byte_for_byte()
    {
        var body = PayoutBytes();
        var bodyFile = _keys.NewFile(".bin");
        var sigFile = _keys.NewFile(".sig");
        File.WriteAllBytes(bodyFile, body);
        OpenSsl.MustRun("dgst", "-sha256", "-sign", _keys.PartnerPkcs8, "-out", sigFile, bodyFile);
        var opensslSignature = Convert.ToBase64String(File.ReadAllBytes(sigFile));

        Assert.True(Bank131SignatureVerifier.FromPemFile(_keys.PartnerPublic).Verify(body, opensslSignature));
        // PKCS#1 v1.5 is deterministic: the same key and bytes give the same signature in both implementations.
        Assert.Equal(opensslSignature, _keys.PartnerSigner().Sign(body));
    }

    [Fact]
    public void Tampered_body_fails_both_openssl_and_the_verifier()
    {
        var body = PayoutBytes();
        var signature = _keys.PartnerSigner().Sign(body);
        var tampered = (byte[])body.Clone();
        var at = Encoding.UTF8.GetString(tampered).IndexOf("10000", StringComparison.Ordinal);
        tampered[at] = (byte)'9';

        Assert.True(Bank131SignatureVerifier.FromPemFile(_keys.PartnerPublic).Verify(body, signature));
        Assert.False(Bank131SignatureVerifier.FromPemFile(_keys.PartnerPublic).Verify(tampered, signature));

        var bodyFile = _keys.NewFile(".bin");
        var sigFile = _keys.NewFile(".sig");
        File.WriteAllBytes(bodyFile, tampered);
        File.WriteAllBytes(sigFile, Convert.FromBase64String(signature));
        var result = OpenSsl.Run("dgst", "-sha256", "-verify", _keys.PartnerPublic, "-signature", sigFile, bodyFile);
        Assert.NotEqual(0, result.ExitCode);
    }

    [Fact]
    public void Signature_is_standard_padded_base64_of_a_2048_bit_signature()
    {
        var signature = _keys.PartnerSigner().Sign("{}"u8);
        Assert.Equal(344, signature.Length); // 256 bytes -> 344 Base64 characters, one '=' of padding
        Assert.EndsWith("=", signature, StringComparison.Ordinal);
        Assert.DoesNotContain('-', signature);
        Assert.DoesNotContain('_', signature);
        Assert.Equal(256, Convert.FromBase64String(signature).Length);
    }

    [Fact]
    public void Verifier_reads_the_RSA_PUBLIC_KEY_form_too()
    {
        var body = PayoutBytes();
        var signature = _keys.PartnerSigner().Sign(body);
        Assert.True(Bank131SignatureVerifier.FromPemFile(_keys.PartnerRsaPublic).Verify(body, signature));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("not base64 at all!")]
    [InlineData("AAAA")]
    [InlineData("QUJD===")]
    public void Verifier_returns_false_and_never_throws_for_bad_signatures(string? signature)
    {
        var verifier = Bank131SignatureVerifier.FromPemFile(_keys.PartnerPublic);
        Assert.False(verifier.Verify(PayoutBytes(), signature));
    }

    [Fact]
    public void Verifier_rejects_a_signature_made_with_another_key()
    {
        var body = PayoutBytes();
        var other = Bank131Signer.FromPemFile(_keys.OtherPrivate).Sign(body);
        Assert.False(Bank131SignatureVerifier.FromPemFile(_keys.PartnerPublic).Verify(body, other));
    }
}
