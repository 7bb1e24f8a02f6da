using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace PayoutVault.Bank131.Tests;

/// <summary>
/// A small HTTP server on loopback playing the vault's webhook listener (verifies the bank signature, records every
/// delivery, can refuse the first N deliveries of a payout) and, on another path, a misbehaving fake bank.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    public const string WebhookPath = "/webhooks/bank131";
    public const string FakeBankPrefix = "/fake";

    private readonly WebApplication _app;
    private readonly Bank131SignatureVerifier _verifier;
    private readonly ConcurrentQueue<Delivery> _deliveries = new();
    private readonly ConcurrentDictionary<string, int> _failuresLeft = new();

    private WebhookReceiver(WebApplication app, Bank131SignatureVerifier verifier)
    {
        _app = app;
        _verifier = verifier;
    }

    public sealed record Delivery(byte[] Body, string? Signature, bool SignatureValid, Bank131Webhook? Webhook, int AnsweredStatus)
    {
        public string Text => Encoding.UTF8.GetString(Body);
    }

    public string BaseUrl { get; private set; } = "";

    public string WebhookUrl => BaseUrl + WebhookPath;

    /// <summary>The fake bank's base URL for <see cref="Bank131Options.BaseUrl"/>.</summary>
    public string FakeBankUrl => BaseUrl + FakeBankPrefix;

    /// <summary>How the fake bank answers: (HTTP status, body) from the raw request body.</summary>
    public Func<byte[], (int Status, string Body)> FakeBank { get; set; } = _ => (200, "{}");

    public static async Task<WebhookReceiver> StartAsync(Bank131SignatureVerifier bankVerifier)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, bankVerifier);

        app.MapPost(WebhookPath, async (HttpContext http) =>
        {
            var body = await ReadAsync(http.Request);
            var signature = http.Request.Headers["X-PARTNER-SIGN"].ToString();
            var valid = receiver._verifier.Verify(body, signature);
            Bank131Webhook.TryParse(body, out var webhook);
            var payoutId = webhook?.Payouts.FirstOrDefault()?.PayoutIdFromMetadata;
            var status = 200;
            if (!valid)
            {
                status = 401;
            }
            else if (payoutId is not null && receiver._failuresLeft.TryGetValue(payoutId, out var left) && left > 0)
            {
                receiver._failuresLeft[payoutId] = left - 1;
                status = 503;
            }

            receiver._deliveries.Enqueue(new Delivery(body, signature, valid, webhook, status));
            http.Response.StatusCode = status;
        });

        app.MapPost(FakeBankPrefix + "/{**rest}", async (HttpContext http) =>
        {
            var body = await ReadAsync(http.Request);
            var (status, answer) = receiver.FakeBank(body);
            http.Response.StatusCode = status;
            http.Response.ContentType = "application/json";
            await http.Response.WriteAsync(answer);
        });

        await app.StartAsync();
        receiver.BaseUrl = app.Urls.Single().TrimEnd('/');
        return receiver;
    }

    /// <summary>Answers 503 to the first <paramref name="count"/> deliveries for this vault payout id.</summary>
    public void FailFirstDeliveries(string payoutId, int count) => _failuresLeft[payoutId] = count;

    public IReadOnlyList<Delivery> ForPayout(string payoutId) =>
        [.. _deliveries.Where(d => d.Webhook?.Payouts.FirstOrDefault()?.PayoutIdFromMetadata == payoutId)];

    /// <summary>Waits until at least <paramref name="count"/> deliveries for the payout arrived (answered or not).</summary>
    public async Task<IReadOnlyList<Delivery>> WaitForPayoutAsync(string payoutId, int count = 1, int timeoutMs = 10_000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (true)
        {
            var found = ForPayout(payoutId);
            if (found.Count >= count)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Expected {count} webhook(s) for {payoutId}, got {found.Count}.");
            }

            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task<byte[]> ReadAsync(HttpRequest request)
    {
        using var copy = new MemoryStream();
        await request.Body.CopyToAsync(copy);
        return copy.ToArray();
    }
}
