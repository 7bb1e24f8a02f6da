using System.Text.Json;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Payouts;

/// <summary>
/// Names and metadata with JSON-special and non-ASCII characters reach the bank exactly as given: the body the vault
/// writes once is valid JSON that the sandbox (playing the bank) parses back to the same strings.
/// </summary>
public sealed class PayoutJsonEscapingTests(PayoutEnvironmentFixture fixture) : IClassFixture<PayoutEnvironmentFixture>
{
    private PayoutEnvironment Env => fixture.Env;

    private async Task<JsonElement> SentAsync(CreatePayoutRequest request)
    {
        var payout = await Env.Payouts.CreatePayoutAsync(request);
        Assert.Equal(PayoutState.InProgress, payout.State); // the sandbox accepted the body as valid
        var sent = Assert.Single(await Env.Sandbox.InitPayoutRequestsAsync(payout.PayoutId));
        Assert.True(sent.GetProperty("signature_valid").GetBoolean());
        return sent;
    }

    [Fact]
    public async Task FullName_WithQuotesBackslashAndCyrillic_ReachesTheBankIntact()
    {
        const string fullName = "Иванов \"Ivan\" \\ Jr";
        var request = PayoutEnvironment.Request(await Env.TokenizeAsync());
        request.Recipient = new Recipient { FullName = fullName };

        var sent = await SentAsync(request);

        var recipient = sent.GetProperty("recipient");
        Assert.Equal(fullName, recipient.GetProperty("full_name").GetString());
        Assert.False(recipient.TryGetProperty("first_name", out _));
    }

    [Fact]
    public async Task FirstMiddleAndLastName_WithNonAsciiLetters_ReachTheBankIntact()
    {
        var request = PayoutEnvironment.Request(await Env.TokenizeAsync());
        request.Recipient = new Recipient { FirstName = "Jürgen-Ёжик", LastName = "Łukasz Østergård", MiddleName = "Иванович 李" };

        var recipient = (await SentAsync(request)).GetProperty("recipient");

        Assert.Equal("Jürgen-Ёжик", recipient.GetProperty("first_name").GetString());
        Assert.Equal("Łukasz Østergård", recipient.GetProperty("last_name").GetString());
        Assert.Equal("Иванович 李", recipient.GetProperty("middle_name").GetString());
        Assert.False(recipient.TryGetProperty("full_name", out _));
    }

    [Fact]
    public async Task MetadataValues_WithJsonAndHtmlSpecialCharacters_ReachTheBankAndComeBackIntact()
    {
        var request = PayoutEnvironment.Request(await Env.TokenizeAsync());
        request.Metadata["quote"] = "say \"hi\" \\ bye";
        request.Metadata["html"] = "<script>alert('x')</script> & co";
        request.Metadata["ru"] = "Заказ №17 — оплата";
        request.Metadata["json"] = "{\"a\":[1,2]}";

        var sent = await SentAsync(request);

        var metadata = sent.GetProperty("metadata");
        var reference = metadata.GetProperty("reference");
        foreach (var (key, value) in request.Metadata)
            Assert.Equal(value, reference.GetProperty(key).GetString());
        var payoutId = metadata.GetProperty("payout_id").GetString()!;
        var stored = await Env.Payouts.GetPayoutAsync(new GetPayoutRequest { PayoutId = payoutId });
        Assert.Equal(request.Metadata, stored.Metadata);
        var done = await Env.WaitForAsync(payoutId, p => p.State == PayoutState.Succeeded);
        Assert.Equal(PayoutState.Succeeded, done.State); // the echoed metadata found its payout
    }
}
