using System.Net;
using System.Text;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Webhooks;

/// <summary>
/// Size limit, content type and JSON shape, each with a correct bank signature so that only the rule under test can
/// reject the request. Every rejection leaves deliveries, events and payouts untouched.
/// </summary>
public sealed class WebhookRequestValidationTests(WebhookEnvironmentFixture fx) : IClassFixture<WebhookEnvironmentFixture>
{
    private const int MaxBodyBytes = 64 * 1024; // Vault:Webhooks:MaxBodyBytes default

    /// <summary>A genuine payment_finished body padded (inside the echoed metadata) to exactly <paramref name="size"/> bytes.</summary>
    private static byte[] PaddedBody(Payout payout, int size)
    {
        var at = new DateTimeOffset(DateTime.UtcNow.Year, 1, 2, 3, 4, 5, TimeSpan.Zero); // fixed width
        byte[] Build(string padding) => Bank131.Bank131Json.Webhook(Bank131.Bank131WebhookTypes.PaymentFinished,
            new Bank131.Bank131SessionSnapshot(payout.BankSessionId, "accepted", payout.BankPayoutId, "succeeded",
                payout.AmountMinor, payout.Currency,
                $$$"""{"payout_id":"{{{payout.PayoutId}}}","reference":{"padding":"{{{padding}}}"}}""",
                CreatedAt: at, FinishedAt: at));
        var pad = size - Build("").Length;
        Assert.True(pad >= 0);
        var body = Build(new string('a', pad));
        Assert.Equal(size, body.Length);
        return body;
    }

    private async Task<(Payout, WebhookTestKit.StoreSnapshot)> ArrangeAsync()
    {
        var payout = await fx.CreatePayoutAsync();
        return (payout, await WebhookTestKit.SnapshotAsync(fx.ConnectionString));
    }

    private async Task AssertUnchangedAsync(Payout payout, WebhookTestKit.StoreSnapshot before)
    {
        Assert.Equal(before, await WebhookTestKit.SnapshotAsync(fx.ConnectionString));
        Assert.Equal(PayoutState.InProgress, (await fx.GetAsync(payout.PayoutId)).State);
    }

    [Fact]
    public async Task OversizedBody_WithContentLength_Is413_AndNothingIsStored()
    {
        var (payout, before) = await ArrangeAsync();
        var body = PaddedBody(payout, MaxBodyBytes + 1);
        Assert.True(body.Length > MaxBodyBytes);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await fx.Poster.StatusAsync(body));
        await AssertUnchangedAsync(payout, before);
    }

    [Fact]
    public async Task OversizedBody_Chunked_Is413_AndNothingIsStored()
    {
        var (payout, before) = await ArrangeAsync();
        var body = PaddedBody(payout, 3 * MaxBodyBytes);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await fx.Poster.StatusAsync(body, chunked: true));
        await AssertUnchangedAsync(payout, before);
    }

    [Fact]
    public async Task BodyOfExactlyTheLimit_IsAccepted()
    {
        var payout = await fx.CreatePayoutAsync();
        var body = PaddedBody(payout, MaxBodyBytes);
        Assert.Equal(MaxBodyBytes, body.Length);

        Assert.Equal(HttpStatusCode.OK, await fx.Poster.StatusAsync(body));
        Assert.Equal(PayoutState.Succeeded, (await fx.GetAsync(payout.PayoutId)).State);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/jsonfoo")]
    [InlineData("application/json-patch+json")]
    [InlineData("application/json; charset=latin1")]
    [InlineData("application/json; boundary=x")]
    [InlineData(null)]
    public async Task WrongContentType_SignedCorrectly_Is415_AndNothingIsStored(string? contentType)
    {
        var (payout, before) = await ArrangeAsync();
        var body = WebhookTestKit.Finished(payout, "succeeded");

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, await fx.Poster.StatusAsync(body, contentType: contentType));
        await AssertUnchangedAsync(payout, before);

        // Control: the same signed bytes as application/json (with a charset) are applied.
        Assert.Equal(HttpStatusCode.OK, await fx.Poster.StatusAsync(body, contentType: "application/json; charset=utf-8"));
        Assert.Equal(PayoutState.Succeeded, (await fx.GetAsync(payout.PayoutId)).State);
    }

    [Theory]
    [InlineData("{\"type\":\"payment_finished\",\"session\":")]
    [InlineData("not json")]
    [InlineData("")]
    [InlineData("[{\"type\":\"payment_finished\"}]")]
    [InlineData("{\"session\":{\"id\":\"ps_abc\"}}")]
    [InlineData("{\"type\":42,\"session\":{}}")]
    [InlineData("{\"type\":\"\"}")]
    public async Task MalformedJson_SignedCorrectly_Is400_AndNothingIsStored(string text)
    {
        var (payout, before) = await ArrangeAsync();
        var body = Encoding.UTF8.GetBytes(text);

        using var response = await fx.Poster.PostAsync(body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertUnchangedAsync(payout, before);
    }

    [Fact]
    public async Task TruncatedGenuineBody_SignedCorrectly_Is400()
    {
        var (payout, before) = await ArrangeAsync();
        var genuine = WebhookTestKit.Finished(payout, "succeeded");
        var truncated = genuine[..(genuine.Length / 2)];

        Assert.Equal(HttpStatusCode.BadRequest, await fx.Poster.StatusAsync(truncated));
        await AssertUnchangedAsync(payout, before);
    }

    [Fact]
    public async Task OtherMethodsAndPaths_AreNotWebhooks()
    {
        var (payout, before) = await ArrangeAsync();
        using var http = new HttpClient();
        using var get = await http.GetAsync(fx.Env.WebhookUrl);
        Assert.NotEqual(HttpStatusCode.OK, get.StatusCode);

        var body = WebhookTestKit.Finished(payout, "succeeded");
        using var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(fx.Env.WebhookUrl, "/webhooks/other")) { Content = content };
        request.Headers.TryAddWithoutValidation(Bank131.Bank131Headers.Sign, fx.Poster.Sign(body));
        using var other = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        await AssertUnchangedAsync(payout, before);
    }
}
