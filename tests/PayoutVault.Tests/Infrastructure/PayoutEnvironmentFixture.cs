using System.Text.Json;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>One <see cref="PayoutEnvironment"/> shared by the tests of a class (xunit class fixture).</summary>
public class PayoutEnvironmentFixture : IAsyncLifetime
{
    private PayoutEnvironment? _env;

    public PayoutEnvironment Env => _env ?? throw new InvalidOperationException("The fixture is not initialised.");

    protected virtual PayoutEnvironmentOptions Options => new();

    public virtual async Task InitializeAsync() => _env = await PayoutEnvironment.StartAsync(Options);

    public async Task DisposeAsync()
    {
        if (_env is not null) await _env.DisposeAsync();
    }
}

/// <summary>Reads the sandbox's request log (<c>GET /sandbox/received</c>).</summary>
public static class PayoutSandboxLog
{
    /// <summary>Every init/payout request the sandbox received.</summary>
    public static async Task<IReadOnlyList<JsonElement>> InitPayoutRequestsAsync(this BankSandbox sandbox) =>
        (await sandbox.ReceivedAsync()).EnumerateArray()
            .Where(r => r.GetProperty("path").GetString() == Bank131.Bank131Client.InitPayoutPath)
            .ToArray();

    /// <summary>The init/payout requests sent with <paramref name="idempotencyKey"/> (the vault's payout id).</summary>
    public static async Task<IReadOnlyList<JsonElement>> InitPayoutRequestsAsync(this BankSandbox sandbox, string idempotencyKey) =>
        (await sandbox.InitPayoutRequestsAsync())
            .Where(r => r.TryGetProperty("idempotency_key", out var k) && k.GetString() == idempotencyKey)
            .ToArray();

    /// <summary>Whether the sandbox delivered (HTTP 200) the webhook of <paramref name="sessionId"/> with this label.</summary>
    public static async Task<bool> WebhookDeliveredAsync(this BankSandbox sandbox, string sessionId, string label)
    {
        using var http = new HttpClient { BaseAddress = sandbox.Address };
        var deliveries = await System.Net.Http.Json.HttpClientJsonExtensions.GetFromJsonAsync<JsonElement>(http, "/sandbox/webhooks");
        return deliveries.EnumerateArray().Any(d => d.GetProperty("session_id").GetString() == sessionId
            && d.GetProperty("label").GetString() == label && d.GetProperty("delivered").GetBoolean());
    }

    public static async Task<int> ReceivedCountAsync(this BankSandbox sandbox) =>
        (await sandbox.ReceivedAsync()).GetArrayLength();
}
