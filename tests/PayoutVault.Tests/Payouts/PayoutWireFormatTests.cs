using System.Diagnostics;
using System.Text.Json.Nodes;
using PayoutVault.Bank131;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Payouts;

/// <summary>
/// Flow 2 on the wire: the exact bytes the vault sends to the bank are the bytes it signed (checked with openssl,
/// independently of the vault's own crypto), with the bank's headers and the body shape of FACTS.md section 3.
/// The captured body holds the test card number, so it is written only into a private temp folder and assertion
/// messages never print it.
/// </summary>
public sealed class PayoutWireFormatTests : IAsyncLifetime
{
    private PayoutCaptureBank _bank = null!;
    private PayoutEnvironment _env = null!;
    private readonly TempDirectory _temp = new("pv-wire-");

    public async Task InitializeAsync()
    {
        _bank = await PayoutCaptureBank.StartAsync();
        _env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions
        {
            Settings = new Dictionary<string, string> { ["Vault:Bank131:BaseUrl"] = _bank.Address.ToString().TrimEnd('/') },
        });
    }

    public async Task DisposeAsync()
    {
        await _env.DisposeAsync();
        await _bank.DisposeAsync();
        _temp.Dispose();
    }

    private async Task<(Payout Payout, CapturedBankRequest Request)> PayOutAsync(CreatePayoutRequest request)
    {
        var payout = await _env.Payouts.CreatePayoutAsync(request);
        var sent = _bank.Requests.Where(r => r.Path == Bank131Client.InitPayoutPath
            && r.Header(Bank131Headers.IdempotencyKey) == payout.PayoutId).ToList();
        Assert.Single(sent);
        return (payout, sent[0]);
    }

    [Fact]
    public async Task InitPayout_SignatureOverTheExactBodyBytes_VerifiesWithOpenssl_AndATamperedBodyFails()
    {
        var token = await _env.TokenizeAsync(TestCards.Visa);
        var (payout, sent) = await PayOutAsync(PayoutEnvironment.Request(token));
        Assert.Equal(PayoutState.InProgress, payout.State);

        var signature = sent.Header(Bank131Headers.Sign);
        Assert.False(string.IsNullOrWhiteSpace(signature));
        var sigBytes = Convert.FromBase64String(signature!); // standard Base64 with padding
        Assert.Equal(256, sigBytes.Length); // RSA-2048
        var body = _temp.File("body.bin");
        var sig = _temp.File("sig.bin");
        await File.WriteAllBytesAsync(body, sent.Body);
        await File.WriteAllBytesAsync(sig, sigBytes);

        var (ok, okOutput) = await OpensslVerifyAsync(_env.Keys.PartnerPublicKeyFile, sig, body);
        Assert.True(ok, "openssl rejected the vault's signature: " + okOutput);

        // One byte changed (a digit of the amount): the same signature must no longer verify.
        var tampered = sent.Body.ToArray();
        var at = System.Text.Encoding.ASCII.GetString(tampered).IndexOf("\"amount\":10000", StringComparison.Ordinal);
        Assert.True(at > 0, "the body carries amount 10000");
        tampered[at + "\"amount\":".Length] = (byte)'2';
        var tamperedFile = _temp.File("tampered.bin");
        await File.WriteAllBytesAsync(tamperedFile, tampered);
        var (tamperedOk, _) = await OpensslVerifyAsync(_env.Keys.PartnerPublicKeyFile, sig, tamperedFile);
        Assert.False(tamperedOk, "openssl accepted the signature over a tampered body");

        // The vault's own verifier agrees with openssl (same scheme the sandbox uses).
        var verifier = Bank131SignatureVerifier.FromPemFile(_env.Keys.PartnerPublicKeyFile);
        Assert.True(verifier.Verify(sent.Body, signature));
        Assert.False(verifier.Verify(tampered, signature));
    }

    [Fact]
    public async Task InitPayout_Headers_CarryProjectSignatureAndThePayoutIdAsIdempotencyKey()
    {
        var token = await _env.TokenizeAsync(TestCards.Visa);
        var (payout, sent) = await PayOutAsync(PayoutEnvironment.Request(token));

        Assert.Equal(BankSandbox.ProjectId, sent.Header(Bank131Headers.Project));
        Assert.Equal(payout.PayoutId, sent.Header(Bank131Headers.IdempotencyKey));
        Assert.NotEqual(payout.IdempotencyKey, sent.Header(Bank131Headers.IdempotencyKey));
        Assert.False(string.IsNullOrEmpty(sent.Header(Bank131Headers.Sign)));
        Assert.StartsWith("application/json", sent.Header("Content-Type"), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task InitPayout_Body_HasTheShapeOfFactsSection3_WithLowercaseCurrencyAndPayoutIdInMetadata()
    {
        var token = await _env.TokenizeAsync(TestCards.Mastercard);
        var request = PayoutEnvironment.Request(token, amount: 12345);
        request.Currency = "RUB";
        request.Recipient = new Recipient { FullName = "Ivanov Ivan" };
        request.Metadata["order"] = "A-17";
        request.Metadata["batch"] = "2026-11";
        var (payout, sent) = await PayOutAsync(request);

        var expected = new JsonObject
        {
            ["payment_method"] = new JsonObject
            {
                ["type"] = "card",
                ["card"] = new JsonObject
                {
                    ["type"] = "bank_card",
                    ["bank_card"] = new JsonObject { ["number"] = TestCards.Mastercard },
                },
            },
            ["participant_details"] = new JsonObject { ["recipient"] = new JsonObject { ["full_name"] = "Ivanov Ivan" } },
            ["amount_details"] = new JsonObject { ["amount"] = 12345, ["currency"] = "rub" },
            ["metadata"] = new JsonObject
            {
                ["payout_id"] = payout.PayoutId,
                ["reference"] = new JsonObject { ["batch"] = "2026-11", ["order"] = "A-17" },
            },
        };
        var actual = JsonNode.Parse(sent.Body)!;
        // Never print the body: it holds the card number. On a mismatch, show it with the number masked.
        Assert.True(JsonNode.DeepEquals(expected, actual),
            "init/payout body differs from FACTS.md section 3: " + Masked(sent.Body, TestCards.Mastercard));
        Assert.Equal(TestCards.Mastercard[..6], payout.Card.Bin);
        Assert.Equal(TestCards.Mastercard[^4..], payout.Card.Last4);
    }

    [Fact]
    public async Task InitPayout_FirstAndLastName_AreSentAsSeparateRecipientFields_WithoutFullName()
    {
        var token = await _env.TokenizeAsync(TestCards.Mir);
        var request = PayoutEnvironment.Request(token);
        request.Recipient = new Recipient { FirstName = "Иван", LastName = "Иванов", MiddleName = "Иванович" };
        var (_, sent) = await PayOutAsync(request);

        var recipient = JsonNode.Parse(sent.Body)!["participant_details"]!["recipient"]!;
        var expected = new JsonObject { ["first_name"] = "Иван", ["last_name"] = "Иванов", ["middle_name"] = "Иванович" };
        Assert.True(JsonNode.DeepEquals(expected, recipient), "recipient: " + recipient.ToJsonString());
        // Cyrillic goes out as UTF-8 letters, not \u escapes, as the bank's SDK writes it.
        Assert.True(sent.Body.AsSpan().IndexOf("Иванович"u8) >= 0, "middle name is written as raw UTF-8");
    }

    private static string Masked(byte[] body, string pan) =>
        System.Text.Encoding.UTF8.GetString(body).Replace(pan, "<card number>", StringComparison.Ordinal);

    private static async Task<(bool Ok, string Output)> OpensslVerifyAsync(string publicKey, string signature, string body)
    {
        var psi = new ProcessStartInfo("openssl", ["dgst", "-sha256", "-verify", publicKey, "-signature", signature, body])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("cannot run openssl");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var output = (await stdout + " " + await stderr).Trim();
        return (process.ExitCode == 0 && output.Contains("Verified OK", StringComparison.Ordinal), output);
    }
}
