using Grpc.Core;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>Runs TokenizeBatch calls: sends every message, then reads every answer.</summary>
public static class BatchCalls
{
    /// <summary>The answers received before the call ended, and the status it ended with (null: OK).</summary>
    public sealed record BatchCallResult(IReadOnlyList<TokenizeBatchResponse> Responses, RpcException? Failure)
    {
        public IReadOnlyList<TokenizeBatchResult> Results => Responses.SelectMany(r => r.Results).ToArray();
    }

    public static TokenizeBatchRequest Message(params TokenizeRequest[] items)
    {
        var message = new TokenizeBatchRequest();
        message.Items.Add(items);
        return message;
    }

    public static TokenizeBatchRequest Message(params string[] digits) =>
        Message(digits.Select(d => TokenRequests.Tokenize(d)).ToArray());

    /// <summary>Sends the messages (a refused message may end the call early), then collects the answers.</summary>
    public static async Task<BatchCallResult> RunAsync(this TokenService.TokenServiceClient client,
        IEnumerable<TokenizeBatchRequest> messages, CallOptions? options = null)
    {
        using var call = client.TokenizeBatch(options ?? new CallOptions(deadline: DateTime.UtcNow.AddSeconds(60)));
        var responses = new List<TokenizeBatchResponse>();
        var reading = Task.Run(async () =>
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None)) responses.Add(call.ResponseStream.Current);
        });
        try
        {
            foreach (var m in messages) await call.RequestStream.WriteAsync(m);
            await call.RequestStream.CompleteAsync();
        }
        catch (RpcException)
        {
            // The server ended the call while we were still sending: its status arrives on the response stream.
        }
        catch (InvalidOperationException)
        {
            // Same, reported by the client library as "the call is complete".
        }
        try
        {
            await reading;
            return new BatchCallResult(responses, null);
        }
        catch (RpcException e)
        {
            return new BatchCallResult(responses, e);
        }
    }

    public static Task<BatchCallResult> RunAsync(this TokenService.TokenServiceClient client, params TokenizeBatchRequest[] messages) =>
        client.RunAsync(messages, null);
}
