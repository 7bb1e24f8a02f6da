using System.Net;
using System.Net.Sockets;
using PayoutVault.Contracts.V1;
using PayoutVault.Sandbox;
using PayoutVault.Server.Hosting;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>How to start a <see cref="PayoutEnvironment"/>.</summary>
public sealed record PayoutEnvironmentOptions
{
    public Action<SandboxOptions>? Sandbox { get; init; }

    /// <summary>Extra vault settings (e.g. Vault:Bank131:Timeout, Vault:Payouts:FirstCheckDelay).</summary>
    public IReadOnlyDictionary<string, string> Settings { get; init; } = new Dictionary<string, string>();

    /// <summary>Run on an existing database (e.g. to share it between two replicas).</summary>
    public TestDatabase? Database { get; init; }

    /// <summary>Extra wiring for the vault (e.g. in-memory telemetry exporters).</summary>
    public Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? Configure { get; init; }
}

/// <summary>
/// A whole payout setup over real boundaries: fresh bank keys, the sandbox on loopback posting signed webhooks to the
/// vault's webhook listener, and the vault (real Kestrel, real PostgreSQL) configured to pay out through the sandbox.
/// Timings are shortened so reconciliation happens within a test.
/// </summary>
public sealed class PayoutEnvironment : IAsyncDisposable
{
    private PayoutEnvironment(BankKeys keys, BankSandbox sandbox, VaultServer vault, int webhookPort)
    {
        Keys = keys;
        Sandbox = sandbox;
        Vault = vault;
        WebhookUrl = new Uri($"http://127.0.0.1:{webhookPort}/webhooks/bank131");
    }

    public BankKeys Keys { get; }
    public BankSandbox Sandbox { get; }
    public VaultServer Vault { get; }
    public Uri WebhookUrl { get; }

    public PayoutService.PayoutServiceClient Payouts => Vault.Client<PayoutService.PayoutServiceClient>();
    public TokenService.TokenServiceClient Tokens => Vault.Tokens;

    public static async Task<PayoutEnvironment> StartAsync(PayoutEnvironmentOptions? options = null)
    {
        options ??= new PayoutEnvironmentOptions();
        var keys = new BankKeys();
        // The sandbox must know the vault's webhook URL before the vault (which must know the sandbox's URL) starts.
        var webhookPort = FreePort();
        var sandbox = await BankSandbox.StartAsync(keys, $"http://127.0.0.1:{webhookPort}/webhooks/bank131", options.Sandbox);
        var settings = VaultSettings(keys, sandbox.Address, webhookPort);
        foreach (var (k, v) in options.Settings) settings[k] = v;
        var vault = await VaultServer.StartAsync(new VaultServerOptions
        {
            Settings = settings, Database = options.Database, Configure = options.Configure,
        });
        return new PayoutEnvironment(keys, sandbox, vault, webhookPort);
    }

    /// <summary>Vault settings for paying out through <paramref name="sandbox"/>, for starting more replicas.</summary>
    public static Dictionary<string, string> VaultSettings(BankKeys keys, Uri sandbox, int webhookPort) => new()
    {
        ["Vault:Bank131:BaseUrl"] = sandbox.ToString().TrimEnd('/'),
        ["Vault:Bank131:ProjectId"] = BankSandbox.ProjectId,
        ["Vault:Bank131:AllowInsecureHttp"] = "true",
        ["Vault:Bank131:PrivateKeyFile"] = keys.PartnerPrivateKeyFile,
        ["Vault:Bank131:Timeout"] = "00:00:01.500",
        ["Vault:Webhooks:Port"] = webhookPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Vault:Webhooks:BankPublicKeyFile"] = keys.BankPublicKeyFile,
        ["Vault:Payouts:InFlightLease"] = "00:00:05",
        ["Vault:Payouts:FirstCheckDelay"] = "00:00:00.200",
        ["Vault:Payouts:MaxCheckDelay"] = "00:00:01",
        ["Vault:Payouts:StatusCheckAfterAccept"] = "00:00:03",
        ["Vault:Payouts:PollInterval"] = "00:00:00.100",
        ["Vault:Streaming:PollInterval"] = "00:00:00.200",
    };

    /// <summary>Tokenizes a test card and returns its token.</summary>
    public async Task<string> TokenizeAsync(string pan = "4242424242424242") =>
        (await Tokens.TokenizeAsync(new TokenizeRequest { Pan = Google.Protobuf.ByteString.CopyFromUtf8(pan) })).Card.Token;

    /// <summary>A valid CreatePayout request for <paramref name="token"/>; scenario goes to the sandbox via metadata.</summary>
    /// <summary>
    /// A fresh idempotency key. Not a hex GUID: 12 or more digits in a row that pass Luhn are refused as a possible
    /// card number, and a random hex string holds such a run about once in three hundred keys.
    /// </summary>
    public static string NewKey(string prefix) => prefix + string.Join("k", Guid.NewGuid().ToString("N").Chunk(8).Select(c => new string(c)));

    public static CreatePayoutRequest Request(string token, string? key = null, string? scenario = null, long amount = 10000)
    {
        var r = new CreatePayoutRequest
        {
            IdempotencyKey = key ?? NewKey("key-"),
            CardToken = token,
            AmountMinor = amount,
            Currency = "rub",
            Recipient = new Recipient { FullName = "Ivanov Ivan" },
        };
        if (scenario is not null) r.Metadata["scenario"] = scenario;
        return r;
    }

    /// <summary>Polls GetPayout until the predicate holds or the timeout passes; returns the last payout seen.</summary>
    public async Task<Payout> WaitForAsync(string payoutId, Func<Payout, bool> until, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var p = await Payouts.GetPayoutAsync(new GetPayoutRequest { PayoutId = payoutId });
            if (until(p) || DateTime.UtcNow > deadline) return p;
            await Task.Delay(100);
        }
    }

    /// <summary>POSTs a webhook body to the vault, signed by the bank key unless a signature is given.</summary>
    public async Task<HttpResponseMessage> PostWebhookAsync(byte[] body, string? signature = null, string contentType = "application/json")
    {
        using var http = new HttpClient();
        var content = new ByteArrayContent(body);
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        var request = new HttpRequestMessage(HttpMethod.Post, WebhookUrl) { Content = content };
        request.Headers.TryAddWithoutValidation(Bank131.Bank131Headers.Sign, signature ?? Keys.SignAsBank(body));
        return await http.SendAsync(request);
    }

    /// <summary>A port for a server that must know its port before it starts; see <see cref="TestPorts"/>.</summary>
    public static int FreePort() => TestPorts.Free();

    public async ValueTask DisposeAsync()
    {
        await Vault.DisposeAsync();
        await Sandbox.DisposeAsync();
        Keys.Dispose();
    }
}
