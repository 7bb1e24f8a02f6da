using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using PayoutVault.Sandbox;

namespace PayoutVault.Bank131.Tests;

/// <summary>
/// The sandbox hosted in-process on 127.0.0.1 (a free port chosen by the OS), with a webhook receiver. Tests share
/// it per class and keep apart by using fresh idempotency keys and payout ids.
/// </summary>
public sealed class SandboxFixture : IAsyncLifetime
{
    public const string ProjectId = "test-project";

    private WebApplication? _sandbox;
    private WebhookReceiver? _receiver;

    public static readonly TimeSpan SlowDelay = TimeSpan.FromSeconds(3);

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string BaseUrl { get; private set; } = "";

    internal WebhookReceiver Receiver => _receiver!;

    public async Task InitializeAsync()
    {
        var keys = TestKeys.Shared;
        _receiver = await WebhookReceiver.StartAsync(keys.BankVerifier());
        _sandbox = SandboxApp.Build(
            ["--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"],
            options =>
            {
                options.PartnerPublicKeyFile = keys.PartnerPublic;
                options.BankPrivateKeyFile = keys.BankPrivateEncrypted;
                options.BankPrivateKeyPassphrase = TestKeys.Passphrase;
                options.ProjectId = ProjectId;
                options.WebhookUrl = _receiver.WebhookUrl;
                options.WebhookDelay = TimeSpan.FromMilliseconds(50);
                options.WebhookRetryDelay = TimeSpan.FromMilliseconds(50);
                options.SlowDelay = SlowDelay;
            });
        await _sandbox.StartAsync();
        BaseUrl = _sandbox.Urls.Single().TrimEnd('/');
        Assert.StartsWith("http://127.0.0.1:", BaseUrl, StringComparison.Ordinal);
        Assert.DoesNotContain(":0", BaseUrl[^2..], StringComparison.Ordinal);
    }

    public async Task DisposeAsync()
    {
        if (_sandbox is not null)
        {
            await _sandbox.StopAsync();
            await _sandbox.DisposeAsync();
        }

        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }

        Http.Dispose();
    }

    internal Bank131Client Client(TimeSpan? timeout = null, Bank131Signer? signer = null, string projectId = ProjectId) =>
        new(Http, new Bank131Options { BaseUrl = BaseUrl, ProjectId = projectId, Timeout = timeout ?? TimeSpan.FromSeconds(10) },
            signer ?? TestKeys.Shared.PartnerSigner());

    public async Task<int> AcceptedCountAsync(string idempotencyKey)
    {
        using var doc = await GetJsonAsync("/sandbox/payouts");
        return doc.RootElement.TryGetProperty(idempotencyKey, out var count) ? count.GetInt32() : 0;
    }

    public async Task<string> GetTextAsync(string path) => await Http.GetStringAsync(BaseUrl + path);

    public async Task<JsonDocument> GetJsonAsync(string path) => JsonDocument.Parse(await GetTextAsync(path));

    /// <summary>The /sandbox/received entries for an idempotency key, cloned out of the document.</summary>
    public async Task<JsonElement[]> ReceivedAsync(string idempotencyKey)
    {
        using var doc = await GetJsonAsync("/sandbox/received");
        return [.. doc.RootElement.EnumerateArray()
            .Where(e => e.GetProperty("idempotency_key").ValueKind == JsonValueKind.String
                && e.GetProperty("idempotency_key").GetString() == idempotencyKey)
            .Select(e => e.Clone())];
    }

    /// <summary>POSTs raw bytes to a bank path with the given headers (null leaves a header out).</summary>
    public async Task<(int Status, JsonElement Body)> PostRawAsync(
        string path, byte[] body, string? signature, string? projectId = ProjectId, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, BaseUrl + path);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (signature is not null)
        {
            request.Headers.TryAddWithoutValidation("X-PARTNER-SIGN", signature);
        }

        if (projectId is not null)
        {
            request.Headers.TryAddWithoutValidation("X-PARTNER-PROJECT", projectId);
        }

        if (idempotencyKey is not null)
        {
            request.Headers.TryAddWithoutValidation("x-partner-idempotency-key", idempotencyKey);
        }

        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var doc = JsonDocument.Parse(text);
        return ((int)response.StatusCode, doc.RootElement.Clone());
    }

    /// <summary>A signed raw POST: signature by the partner key over exactly <paramref name="body"/>.</summary>
    public Task<(int Status, JsonElement Body)> PostSignedAsync(string path, string body, string? idempotencyKey = null)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        return PostRawAsync(path, bytes, TestKeys.Shared.PartnerSigner().Sign(bytes), ProjectId, idempotencyKey);
    }
}
