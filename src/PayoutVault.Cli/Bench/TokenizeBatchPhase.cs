using System.Diagnostics;
using System.Threading.Channels;
using Google.Protobuf;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Cli.Bench;

/// <summary>
/// TokenizeBatch throughput in cards per second, comparable with the Tokenize phase's calls per second (each a new
/// card): a few long streams, as an import runs them, each sending messages of new cards with a couple unanswered at a
/// time and starting a new call when the vault's per-call limit would be reached. The latency columns are per
/// message (send -> its answer). A card refused in an answer counts as an error.
/// </summary>
internal static class TokenizeBatchPhase
{
    private const int MessagesInFlight = 2;
    private const int CardsPerCall = 10_000;

    public static async Task<PhaseResult> RunAsync(TokenService.TokenServiceClient tokens, int streams, int cardsPerMessage,
        BenchTiming timing)
    {
        var name = $"TokenizeBatch ({streams} streams, cards)";
        Console.WriteLine($"running: {name}, {cardsPerMessage} cards a message");
        BenchProgress.Phase(name, timing);
        var start = Stopwatch.GetTimestamp();
        var measureFrom = start + (long)(timing.Warmup.TotalSeconds * Stopwatch.Frequency);
        var stopAt = measureFrom + (long)(timing.Duration.TotalSeconds * Stopwatch.Frequency);
        var latencies = new List<double>[streams];
        long cards = 0, errors = 0;
        var firstError = 0;

        await Task.WhenAll(Enumerable.Range(0, streams).Select(s => Task.Run(async () =>
        {
            var mine = latencies[s] = [];
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                try
                {
                    await OneCallAsync(tokens, cardsPerMessage, stopAt, (sentAt, answer) =>
                    {
                        if (sentAt < measureFrom) return;
                        mine.Add(Stopwatch.GetElapsedTime(sentAt).TotalMilliseconds);
                        var refused = answer.Results.Count(r => r.OutcomeCase != TokenizeBatchResult.OutcomeOneofCase.Tokenized);
                        Interlocked.Add(ref cards, answer.Results.Count - refused);
                        Interlocked.Add(ref errors, refused);
                    });
                }
                catch (Exception e)
                {
                    Interlocked.Increment(ref errors);
                    if (Interlocked.Exchange(ref firstError, 1) == 0) Console.WriteLine($"  {name}: first error: {e.GetType().Name}: {e.Message}");
                }
            }
        })));

        var sorted = latencies.SelectMany(l => l).Order().ToArray();
        return new PhaseResult(name, cards, cards / timing.Duration.TotalSeconds,
            PhaseResult.Percentile(sorted, 0.50), PhaseResult.Percentile(sorted, 0.99), errors);
    }

    private static async Task OneCallAsync(TokenService.TokenServiceClient tokens, int cardsPerMessage, long stopAt,
        Action<long, TokenizeBatchResponse> answered)
    {
        using var call = tokens.TokenizeBatch();
        var sent = Channel.CreateBounded<long>(MessagesInFlight);
        var reading = Task.Run(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None))
                answered(await sent.Reader.ReadAsync(), call.ResponseStream.Current);
        });
        for (var inCall = 0; inCall + cardsPerMessage <= CardsPerCall && Stopwatch.GetTimestamp() < stopAt; inCall += cardsPerMessage)
        {
            var message = new TokenizeBatchRequest();
            for (var i = 0; i < cardsPerMessage; i++) message.Items.Add(new TokenizeRequest { Pan = ByteString.CopyFrom(SyntheticCards.Pan()) });
            await sent.Writer.WriteAsync(Stopwatch.GetTimestamp());
            await call.RequestStream.WriteAsync(message);
        }
        await call.RequestStream.CompleteAsync();
        await reading;
    }
}
