using System.Security.Authentication;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using PayoutVault.Bank131;
using PayoutVault.Core.Payouts;
using Polly;
using Polly.Timeout;

namespace PayoutVault.Server.Hosting;

/// <summary>
/// The named HttpClient that carries payouts to Bank 131, from IHttpClientFactory, with the resilience pipeline
/// (outermost first): the total timeout, retries of session/status only, the circuit breaker, the per-attempt timeout.
/// </summary>
/// <remarks>
/// <para>init/payout is never retried automatically: a second request with the same idempotency key is answered
/// idempotency_key_already_exists and loses the first answer, so only the reconciler resends, recording each
/// attempt. session/status reads and changes nothing, so it may be retried (bounded, with backoff).</para>
/// <para>An open circuit refuses a call before one byte is sent; Bank131Client reports that as an unknown outcome,
/// which the reconciler resends with the same idempotency key once the circuit lets calls through again.</para>
/// </remarks>
public static class Bank131HttpClient
{
    public const string Name = Bank131Settings.HttpClientName;

    public static IServiceCollection AddBank131HttpClient(this IServiceCollection services)
    {
        services.AddOptions<Bank131Resilience>().BindConfiguration(Bank131Resilience.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Bank131Resilience>, Bank131ResilienceValidator>();
        services.AddHttpClient(Name)
            .ConfigurePrimaryHttpMessageHandler(sp => CreateHandler(sp.GetRequiredService<IOptions<Bank131Settings>>().Value))
            // One handler for the life of the process: its warm connection pool is the point, and connections are
            // still recycled (PooledConnectionLifetime) so DNS changes are seen. The circuit's state lives in the
            // pipeline, not in the handler.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // Bank131Client applies Vault:Bank131:Timeout itself, covering the answer's body too.
            .ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .AddResilienceHandler(Name, (pipeline, context) => Configure(pipeline,
                context.ServiceProvider.GetRequiredService<IOptions<Bank131Settings>>().Value,
                context.ServiceProvider.GetRequiredService<IOptions<Bank131Resilience>>().Value));
        return services;
    }

    private static SocketsHttpHandler CreateHandler(Bank131Settings s) => new()
    {
        // PCI DSS 4.2.1: strong TLS only, with the platform's default certificate validation (never overridden:
        // no validation callback anywhere), and the chain's revocation status checked.
        SslOptions =
        {
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = s.RevocationCheck,
        },
        // A warm pool sized for the concurrency: HTTP/1.1 (the request default) keep-alive connections (no
        // Connection: close is ever sent), reused across payouts so a payout does not pay a TCP and TLS handshake;
        // recycled every few minutes so DNS changes are seen.
        MaxConnectionsPerServer = s.MaxConnections,
        PooledConnectionIdleTimeout = Bank131Settings.ConnectionIdleTimeout,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    };

    private static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, Bank131Settings bank, Bank131Resilience r)
    {
        pipeline.AddTimeout(bank.Timeout);
        if (r.StatusRetries > 0)
        {
            pipeline.AddRetry(new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = r.StatusRetries,
                Delay = r.StatusRetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                // An allow-list of one path: a new endpoint is not retried until someone decides it may be.
                ShouldHandle = args => ValueTask.FromResult(IsSessionStatus(args.Context)
                    && HttpClientResiliencePredicates.IsTransient(args.Outcome)),
            });
        }

        // Counts HTTP 5xx, 408, 429, broken connections and attempt timeouts, of every call, as failures.
        pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
        {
            FailureRatio = r.FailureRatio,
            MinimumThroughput = r.MinimumThroughput,
            SamplingDuration = r.SamplingDuration,
            BreakDuration = r.BreakDuration,
        });
        // A session/status attempt gets AttemptTimeout, leaving time for a retry within the total; init/payout has
        // one attempt only, and it gets the whole Vault:Bank131:Timeout.
        var statusAttempt = r.AttemptTimeout < bank.Timeout ? r.AttemptTimeout : bank.Timeout;
        pipeline.AddTimeout(new TimeoutStrategyOptions
        {
            TimeoutGenerator = args => ValueTask.FromResult(IsSessionStatus(args.Context) ? statusAttempt : bank.Timeout),
        });
    }

    private static bool IsSessionStatus(ResilienceContext context) =>
        context.GetRequestMessage()?.RequestUri?.AbsolutePath.EndsWith(Bank131Client.SessionStatusPath, StringComparison.Ordinal) == true;

    private sealed class Bank131ResilienceValidator : IValidateOptions<Bank131Resilience>
    {
        public ValidateOptionsResult Validate(string? name, Bank131Resilience options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
