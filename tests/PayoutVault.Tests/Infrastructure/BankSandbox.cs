using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using PayoutVault.Sandbox;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>The Bank 131 sandbox, in-process on a free loopback port, reached over real HTTP.</summary>
public sealed class BankSandbox : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly HttpClient _http;

    private BankSandbox(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
        _http = new HttpClient { BaseAddress = address };
    }

    public Uri Address { get; }

    public const string ProjectId = "test-project";

    public static async Task<BankSandbox> StartAsync(BankKeys keys, string webhookUrl, Action<SandboxOptions>? configure = null)
    {
        var app = SandboxApp.Build(["--urls=http://127.0.0.1:0"], o =>
        {
            o.PartnerPublicKeyFile = keys.PartnerPublicKeyFile;
            o.BankPrivateKeyFile = keys.BankPrivateKeyFile;
            o.ProjectId = ProjectId;
            o.WebhookUrl = webhookUrl;
            o.WebhookDelay = TimeSpan.FromMilliseconds(200);
            o.WebhookRetryDelay = TimeSpan.FromMilliseconds(100);
            o.WebhookMaxRetryDelay = TimeSpan.FromSeconds(1);
            o.WebhookMaxAttempts = 30;
            o.SlowDelay = TimeSpan.FromSeconds(3);
            configure?.Invoke(o);
        });
        await app.StartAsync();
        return new BankSandbox(app, new Uri(app.Urls.First()));
    }

    /// <summary>How many payouts the sandbox accepted per idempotency key (the vault's payout id).</summary>
    public async Task<IReadOnlyDictionary<string, int>> PayoutCountsAsync() =>
        await _http.GetFromJsonAsync<Dictionary<string, int>>("/sandbox/payouts") ?? [];

    public async Task<int> PayoutCountAsync(string idempotencyKey) =>
        (await PayoutCountsAsync()).GetValueOrDefault(idempotencyKey);

    /// <summary>Every init/payout request the sandbox received (no card numbers: last 4 only).</summary>
    public async Task<JsonElement> ReceivedAsync() => await _http.GetFromJsonAsync<JsonElement>("/sandbox/received");

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
