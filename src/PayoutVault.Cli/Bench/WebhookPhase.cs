using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using PayoutVault.Bank131;

namespace PayoutVault.Cli.Bench;

/// <summary>
/// Signed <c>payment_finished</c> webhooks POSTed straight to the vault's webhook listener, new bytes each (a unique
/// delivery id in the echoed metadata, so none is deduplicated), signed with the bank key the vault trusts. They name
/// payouts the bench created, so each one takes the full path: verify, record the delivery, lock the payout, record
/// the (already final, so ignored) state change and its event. The signing happens before the phase on a pool of
/// bodies, so the load client's own RSA work does not take CPU from the vault while it is measured.
/// </summary>
internal sealed class WebhookPhase : IDisposable
{
    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly RSA _bankKey;

    public WebhookPhase(Uri url, string bankPrivateKeyPem, int concurrency)
    {
        _url = url;
        _bankKey = RSA.Create();
        _bankKey.ImportFromPem(bankPrivateKeyPem);
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            DefaultRequestVersion = HttpVersion.Version11,
            Timeout = TimeSpan.FromSeconds(30),
        };
    }

    public async Task<PhaseResult> RunAsync(string name, int concurrency, BenchTiming timing,
        IReadOnlyList<CreatedPayout> payouts, int presign)
    {
        var targets = payouts.Count > 0 ? payouts : [new CreatedPayout("", "", "", 0)];
        Console.WriteLine(payouts.Count > 0
            ? $"  webhooks name {payouts.Count} payouts created earlier in this run"
            : "  no payouts were created in this run: webhooks name unknown sessions");
        var next = -1L;
        Signed Make()
        {
            var n = Interlocked.Increment(ref next);
            return Sign(targets[(int)(n % targets.Count)], n);
        }

        var pool = new ConcurrentQueue<Signed>();
        var presigned = Math.Max(0, presign);
        Console.WriteLine($"  signing {presigned} webhook bodies before the phase");
        Parallel.For(0, presigned, _ => pool.Enqueue(Make()));
        long signedDuring = 0;

        var result = await PhaseRunner.RunAsync(name, concurrency, timing, async _ =>
        {
            if (!pool.TryDequeue(out var hook))
            {
                hook = Make();
                Interlocked.Increment(ref signedDuring);
            }
            using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(hook.Body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.TryAddWithoutValidation(Bank131Headers.Sign, hook.Signature);
            using var response = await _http.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.OK)
                throw new HttpRequestException($"webhook answered HTTP {(int)response.StatusCode}");
        });
        if (signedDuring > 0) Console.WriteLine($"  the pre-signed pool ran out: {signedDuring} bodies signed during the phase");
        return result;
    }

    private sealed record Signed(byte[] Body, string Signature);

    private Signed Sign(CreatedPayout target, long n)
    {
        // Letters then the counter: the vault refuses bank ids holding twelve or more digits in a row (a hex GUID
        // sometimes has them), and a letter keeps the counter from joining any other digits.
        var delivery = string.Concat(Guid.NewGuid().ToByteArray().Select(b => (char)('a' + b % 26))) + "x" + n;
        var session = target.BankSessionId.Length > 0 ? target.BankSessionId : "ps_bench_" + delivery;
        var bankPayout = target.BankPayoutId.Length > 0 ? target.BankPayoutId : "po_bench_" + delivery;
        var metadata = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["payout_id"] = target.PayoutId, ["bench_delivery"] = delivery,
        });
        var body = Bank131Json.PaymentFinished(session, bankPayout, "succeeded", 10000, "rub", metadata);
        return new Signed(body, Convert.ToBase64String(_bankKey.SignData(body, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)));
    }

    public void Dispose()
    {
        _http.Dispose();
        _bankKey.Dispose();
    }
}
