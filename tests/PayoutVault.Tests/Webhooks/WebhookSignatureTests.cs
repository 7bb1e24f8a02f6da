using System.Net;
using System.Security.Cryptography;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Webhooks;

/// <summary>
/// X-PARTNER-SIGN is checked over the raw bytes before anything else: a webhook that is not signed by the bank's key
/// over exactly these bytes gets 401 and leaves no trace in deliveries, events or payouts.
/// </summary>
public sealed class WebhookSignatureTests(WebhookEnvironmentFixture fx) : IClassFixture<WebhookEnvironmentFixture>
{
    private async Task<(Payout Payout, byte[] Body, WebhookTestKit.StoreSnapshot Before)> ArrangeAsync()
    {
        var payout = await fx.CreatePayoutAsync();
        Assert.Equal(PayoutState.InProgress, payout.State);
        var body = WebhookTestKit.Finished(payout, "succeeded");
        return (payout, body, await WebhookTestKit.SnapshotAsync(fx.ConnectionString));
    }

    private async Task AssertNothingStoredAsync(Payout payout, WebhookTestKit.StoreSnapshot before)
    {
        Assert.Equal(before, await WebhookTestKit.SnapshotAsync(fx.ConnectionString));
        Assert.Equal(PayoutState.InProgress, (await fx.GetAsync(payout.PayoutId)).State);
        // The bank's key still works for the very same body afterwards: the 401 was about the signature alone.
    }

    [Fact]
    public async Task SignedWithAnotherRsaKey_Is401_AndNothingIsStored()
    {
        var (payout, body, before) = await ArrangeAsync();
        using var forger = RSA.Create(2048);
        var forged = Convert.ToBase64String(forger.SignData(body, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        Assert.Equal(HttpStatusCode.Unauthorized, await fx.Poster.StatusAsync(body, signature: forged));
        await AssertNothingStoredAsync(payout, before);

        // Control: the same bytes signed by the bank are applied.
        await fx.Poster.PostOkAsync(body);
        Assert.Equal(PayoutState.Succeeded, (await fx.GetAsync(payout.PayoutId)).State);
    }

    [Fact]
    public async Task MissingSignature_Is401_AndNothingIsStored()
    {
        var (payout, body, before) = await ArrangeAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, await fx.Poster.StatusAsync(body, omitSignature: true));
        Assert.Equal(HttpStatusCode.Unauthorized, await fx.Poster.StatusAsync(body, signature: ""));
        await AssertNothingStoredAsync(payout, before);
    }

    [Fact]
    public async Task ValidSignatureOfAnotherBody_Is401_AndNothingIsStored()
    {
        var (payout, body, before) = await ArrangeAsync();
        // A genuine bank signature, but of a different (in_progress) body: replaying it on a tampered body fails.
        var other = WebhookTestKit.Finished(payout, "in_progress");
        var signatureOfOther = fx.Poster.Sign(other);

        Assert.Equal(HttpStatusCode.Unauthorized, await fx.Poster.StatusAsync(body, signature: signatureOfOther));

        // The genuinely signed body with one byte flipped (in its status) is rejected too.
        var tampered = (byte[])body.Clone();
        var at = System.Text.Encoding.UTF8.GetString(tampered).IndexOf("succeeded", StringComparison.Ordinal);
        Assert.True(at > 0);
        tampered[at] = (byte)'S';
        Assert.Equal(HttpStatusCode.Unauthorized, await fx.Poster.StatusAsync(tampered, signature: fx.Poster.Sign(body)));
        await AssertNothingStoredAsync(payout, before);
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("AAAA")]
    [InlineData("  ")]
    public async Task GarbageSignature_Is401_AndNothingIsStored(string signature)
    {
        var (payout, body, before) = await ArrangeAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, await fx.Poster.StatusAsync(body, signature: signature));
        await AssertNothingStoredAsync(payout, before);
    }

    [Fact]
    public async Task BadSignature_IsCheckedBeforeContentTypeAndJson()
    {
        var (payout, _, before) = await ArrangeAsync();
        var junk = "{not json"u8.ToArray();

        // Unsigned junk with a wrong content type: the signature decides first, so 401 rather than 400.
        Assert.Equal(HttpStatusCode.Unauthorized,
            await fx.Poster.StatusAsync(junk, omitSignature: true, contentType: "text/plain"));
        await AssertNothingStoredAsync(payout, before);
    }
}
