using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using PayoutVault.Bank131;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>One request as it reached <see cref="PayoutCaptureBank"/>: the raw body bytes and every header.</summary>
public sealed record CapturedBankRequest(string Path, byte[] Body, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) =>
        Headers.FirstOrDefault(h => string.Equals(h.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
}

/// <summary>
/// A minimal stand-in for Bank 131 on loopback that keeps the exact bytes and headers of every request and answers
/// init/payout and session/status with an "ok, in progress" session. Unlike the sandbox it keeps raw bodies, which
/// hold the card number: tests may write them only into a private temp folder and must never print them.
/// </summary>
public sealed class PayoutCaptureBank : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<CapturedBankRequest> _requests = new();
    private long _nextId = 4_100_000;

    private PayoutCaptureBank(WebApplication app) => _app = app;

    public Uri Address { get; private set; } = new("http://127.0.0.1");

    public IReadOnlyList<CapturedBankRequest> Requests => [.. _requests];

    /// <summary>When set, every answer names this session id: a bank that repeats a session id across payouts.</summary>
    public string? FixedSessionId { get; set; }

    public static async Task<PayoutCaptureBank> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--urls=http://127.0.0.1:0"] });
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var bank = new PayoutCaptureBank(app);
        app.MapPost(Bank131Client.InitPayoutPath, bank.HandleAsync);
        app.MapPost(Bank131Client.SessionStatusPath, bank.HandleAsync);
        await app.StartAsync();
        bank.Address = new Uri(app.Urls.First());
        return bank;
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var copy = new MemoryStream();
        await http.Request.Body.CopyToAsync(copy);
        var body = copy.ToArray();
        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        _requests.Enqueue(new CapturedBankRequest(http.Request.Path, body, headers));

        long amount = 1;
        var currency = "rub";
        string? metadata = null;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("amount_details", out var a))
            {
                amount = a.GetProperty("amount").GetInt64();
                currency = a.GetProperty("currency").GetString() ?? "rub";
            }
            if (doc.RootElement.TryGetProperty("metadata", out var m)) metadata = m.GetRawText();
        }
        catch (JsonException)
        {
        }

        var id = Interlocked.Add(ref _nextId, 2);
        var answer = Bank131Json.SessionResponse(new Bank131SessionSnapshot(
            FixedSessionId ?? "ps_" + id, "in_progress", "po_" + (id + 1), "in_progress", amount, currency, metadata, CardLast4: "4242"));
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        await http.Response.Body.WriteAsync(answer);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
