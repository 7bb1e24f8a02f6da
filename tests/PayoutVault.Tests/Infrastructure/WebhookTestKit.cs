using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using PayoutVault.Bank131;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>
/// Helpers for webhook and stream tests: a "quiet" payout environment where the test is the only source of webhooks,
/// bank-signed webhook bodies for a payout, and a reusable HTTP poster.
/// </summary>
public static class WebhookTestKit
{
    /// <summary>
    /// Settings that keep the vault from settling payouts by itself: the reconciler only looks again after ten
    /// minutes, so every state change after CreatePayout comes from a webhook the test posts.
    /// </summary>
    public static Dictionary<string, string> QuietSettings(IReadOnlyDictionary<string, string>? extra = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Vault:Payouts:StatusCheckAfterAccept"] = "00:10:00",
            ["Vault:Payouts:FirstCheckDelay"] = "00:10:00",
            ["Vault:Payouts:MaxCheckDelay"] = "00:10:00",
            ["Vault:Payouts:InFlightLease"] = "00:10:00",
        };
        if (extra is not null)
            foreach (var (k, v) in extra) settings[k] = v;
        return settings;
    }

    /// <summary>
    /// A payout environment whose sandbox sends no webhooks (sessions still finish at the bank) and whose vault does
    /// not reconcile within a test. Payouts created here stop at IN_PROGRESS with a bank session id.
    /// </summary>
    public static Task<PayoutEnvironment> StartQuietAsync(IReadOnlyDictionary<string, string>? settings = null,
        TestDatabase? database = null) =>
        PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions
        {
            Sandbox = o => o.WebhookUrl = "",
            Settings = QuietSettings(settings),
            Database = database,
        });

    /// <summary>Lower-case letters only: random ids that can never look like a card number.</summary>
    public static string RandomLetters(int length)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz";
        return string.Create(length, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++) span[i] = alphabet[RandomNumberGenerator.GetInt32(alphabet.Length)];
        });
    }

    /// <summary>A well-formed payout id that no payout has.</summary>
    public static string UnknownPayoutId() => "pay_" + RandomLetters(26);

    /// <summary>The metadata the bank echoes: what the vault sent, <c>{"payout_id":..., "reference":{...}}</c>.</summary>
    public static string EchoedMetadata(string payoutId, IReadOnlyDictionary<string, string>? reference = null,
        string? nonce = null)
    {
        var r = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (reference is not null)
            foreach (var (k, v) in reference) r[k] = v;
        // The bank's body differs per delivery (timestamps); a nonce makes that explicit so bodies never collide.
        if (nonce is not null) r["delivery"] = nonce;
        return JsonSerializer.Serialize(new Dictionary<string, object> { ["payout_id"] = payoutId, ["reference"] = r });
    }

    /// <summary>A payment_finished body for <paramref name="payout"/> as the bank would send it.</summary>
    public static byte[] Finished(Payout payout, string status, string? nonce = null, bool v2 = false,
        string? errorCode = null, string? sessionId = null, string? metadataJson = null) =>
        Bank131Json.PaymentFinished(
            sessionId ?? payout.BankSessionId,
            string.IsNullOrEmpty(payout.BankPayoutId) ? "po_" + RandomLetters(20) : payout.BankPayoutId,
            status,
            payout.AmountMinor,
            payout.Currency,
            metadataJson ?? EchoedMetadata(payout.PayoutId, payout.Metadata, nonce ?? RandomLetters(12)),
            errorCode,
            v2: v2);

    /// <summary>A webhook of any type (e.g. payment_refunded) about <paramref name="payout"/>'s session.</summary>
    public static byte[] OfType(string type, Payout payout, string payoutStatus = "succeeded") =>
        Bank131Json.Webhook(type, new Bank131SessionSnapshot(
            payout.BankSessionId, "accepted", payout.BankPayoutId, payoutStatus, payout.AmountMinor, payout.Currency,
            EchoedMetadata(payout.PayoutId, payout.Metadata, RandomLetters(12)),
            CreatedAt: DateTimeOffset.UtcNow, FinishedAt: DateTimeOffset.UtcNow));

    /// <summary>Creates a payout on <paramref name="client"/> (quiet sandbox: it stops at IN_PROGRESS).</summary>
    public static async Task<Payout> CreatePayoutAsync(PayoutService.PayoutServiceClient client, string token,
        string? scenario = null, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var request = PayoutEnvironment.Request(token, scenario: scenario);
        if (metadata is not null)
            foreach (var (k, v) in metadata) request.Metadata[k] = v;
        return await client.CreatePayoutAsync(request);
    }

    // --- database views -------------------------------------------------------------------------------------------

    /// <summary>Every event cursor in the database, ascending, optionally filtered by a WHERE clause.</summary>
    public static async Task<List<long>> SeqsAsync(string connectionString, string? where = null,
        params (string Name, object? Value)[] parameters)
    {
        await Db.WaitSealedAsync(connectionString, "payout_events");
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT seq FROM payout_events" + (where is null ? "" : " WHERE " + where) + " ORDER BY seq", conn);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        var list = new List<long>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) list.Add(r.GetInt64(0));
        return list;
    }

    /// <summary>One payout's events: (seq, kind, state, state_changed), ascending.</summary>
    public static async Task<List<(long Seq, string Kind, string State, bool Changed)>> EventsOfAsync(
        string connectionString, string payoutId)
    {
        await Db.WaitSealedAsync(connectionString, "payout_events");
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT seq, kind, state, state_changed FROM payout_events WHERE payout_id = @p ORDER BY seq", conn);
        cmd.Parameters.AddWithValue("p", payoutId);
        var list = new List<(long, string, string, bool)>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) list.Add((r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetBoolean(3)));
        return list;
    }

    /// <summary>What a rejected webhook must leave untouched.</summary>
    public sealed record StoreSnapshot(long Deliveries, long Events, string PayoutsDigest);

    public static async Task<StoreSnapshot> SnapshotAsync(string connectionString) => new(
        await Db.CountAsync(connectionString, "webhook_deliveries"),
        await Db.CountAsync(connectionString, "payout_events"),
        await Db.ScalarAsync<string>(connectionString,
            "SELECT COALESCE(string_agg(payout_id || ':' || state || ':' || COALESCE(bank_session_id, '') || ':' "
            + "|| COALESCE(error_code, '') || ':' || updated_at::text, ',' ORDER BY payout_id), '') FROM payouts") ?? "");
}

/// <summary>Posts webhooks to one vault over real HTTP/1.1, signing them as the bank (RSA-SHA256, Base64).</summary>
public sealed class WebhookPoster : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = TimeSpan.FromSeconds(60),
    };
    private readonly string _bankPrivateKeyPem;
    private readonly ThreadLocal<RSA> _rsa;

    public WebhookPoster(BankKeys keys, Uri url)
    {
        Url = url;
        _bankPrivateKeyPem = File.ReadAllText(keys.BankPrivateKeyFile);
        _rsa = new ThreadLocal<RSA>(() =>
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(_bankPrivateKeyPem);
            return rsa;
        }, trackAllValues: true);
    }

    public WebhookPoster(PayoutEnvironment env) : this(env.Keys, env.WebhookUrl) { }

    public Uri Url { get; }

    /// <summary>The bank's signature of <paramref name="body"/> (same scheme as Bank131Signer, cached key).</summary>
    public string Sign(byte[] body) =>
        Convert.ToBase64String(_rsa.Value!.SignData(body, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

    /// <summary>POSTs the body; signed by the bank unless <paramref name="signature"/> is given; no header when
    /// <paramref name="omitSignature"/>; no Content-Type when <paramref name="contentType"/> is null.</summary>
    public async Task<HttpResponseMessage> PostAsync(byte[] body, string? signature = null, bool omitSignature = false,
        string? contentType = "application/json", bool chunked = false)
    {
        HttpContent content = chunked ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
        if (contentType is not null) content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, Url) { Content = content };
        if (chunked) request.Headers.TransferEncodingChunked = true;
        if (!omitSignature) request.Headers.TryAddWithoutValidation(Bank131Headers.Sign, signature ?? Sign(body));
        return await _http.SendAsync(request);
    }

    public async Task<HttpStatusCode> StatusAsync(byte[] body, string? signature = null, bool omitSignature = false,
        string? contentType = "application/json", bool chunked = false)
    {
        using var response = await PostAsync(body, signature, omitSignature, contentType, chunked);
        return response.StatusCode;
    }

    /// <summary>POSTs a correctly signed webhook and requires 200.</summary>
    public async Task PostOkAsync(byte[] body)
    {
        using var response = await PostAsync(body);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new Xunit.Sdk.XunitException(
                $"webhook answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Re-sends like the bank does until 200 or the deadline; returns every status seen, in order.</summary>
    public async Task<List<HttpStatusCode>> PostUntilOkAsync(byte[] body, TimeSpan deadline)
    {
        var statuses = new List<HttpStatusCode>();
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            try
            {
                statuses.Add(await StatusAsync(body));
            }
            catch (HttpRequestException)
            {
                statuses.Add(0);
            }
            if (statuses[^1] == HttpStatusCode.OK || DateTime.UtcNow > until) return statuses;
            await Task.Delay(200);
        }
    }

    public void Dispose()
    {
        _http.Dispose();
        foreach (var rsa in _rsa.Values) rsa.Dispose();
        _rsa.Dispose();
    }
}

/// <summary>One quiet environment per test class, with a tokenized card.</summary>
public class WebhookEnvironmentFixture : IAsyncLifetime
{
    /// <summary>Extra vault settings for subclasses (e.g. a small streaming window).</summary>
    protected virtual IReadOnlyDictionary<string, string>? Settings => null;

    /// <summary>
    /// Commit without waiting for the WAL flush (synchronous_commit = off on this test database only). For tests
    /// that need thousands of events quickly: ordering and visibility are unchanged, only crash durability differs.
    /// </summary>
    protected virtual bool FastCommits => false;

    private TestDatabase? _database;

    private PayoutEnvironment? _env;

    public PayoutEnvironment Env => _env ?? throw new InvalidOperationException("The fixture is not initialised.");

    public WebhookPoster Poster { get; private set; } = null!;

    public string Token { get; private set; } = "";

    public string ConnectionString => Env.Vault.ConnectionString;

    public async Task InitializeAsync()
    {
        if (FastCommits)
        {
            _database = await TestDatabase.CreateAsync();
            await Db.ExecuteAsync(_database.ServerConnectionString,
                $"ALTER DATABASE {Db.Quote(_database.Name)} SET synchronous_commit = off");
        }
        _env = await WebhookTestKit.StartQuietAsync(Settings, _database);
        Poster = new WebhookPoster(_env);
        Token = await _env.TokenizeAsync();
    }

    public Task<Payout> CreatePayoutAsync(string? scenario = null, IReadOnlyDictionary<string, string>? metadata = null) =>
        WebhookTestKit.CreatePayoutAsync(Env.Payouts, Token, scenario, metadata);

    public async Task<Payout> GetAsync(string payoutId) =>
        await Env.Payouts.GetPayoutAsync(new GetPayoutRequest { PayoutId = payoutId });

    public async Task DisposeAsync()
    {
        Poster?.Dispose();
        if (_env is not null) await _env.DisposeAsync();
        if (_database is not null) await _database.DisposeAsync();
    }
}
