using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Threading.Channels;
using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Errors;
using PayoutVault.Core.Security;
using PayoutVault.Core.Tokens;
using PayoutVault.Server.Security;

namespace PayoutVault.Server.Grpc;

/// <summary>
/// TokenizeBatch: a bidirectional stream, chosen over client streaming with one reply at the end because a migration
/// of many cards needs its results as they commit (a caller that is cut off knows exactly which cards it has
/// tokens for) and over unary batches because one call keeps one dedupe scope and one audit record. A reader loop
/// takes request messages and submits them; a writer loop answers them in order. Between the two sits a bounded
/// channel of messages in flight: when it is full the reader stops reading and HTTP/2 flow control holds the caller.
/// </summary>
public sealed partial class TokenGrpcService
{
    [RequiresPermission(Permissions.TokensWrite)]
    public override async Task TokenizeBatch(IAsyncStreamReader<TokenizeBatchRequest> requests,
        IServerStreamWriter<TokenizeBatchResponse> responses, ServerCallContext context)
    {
        var batches = context.GetHttpContext().RequestServices.GetRequiredService<TokenizeBatches>();
        var seesHistory = history.SeesHistory(context);
        var call = batches.Start(AuditContext.From(context));
        var inFlight = Channel.CreateBounded<Task<BatchItemResult[]>>(
            new BoundedChannelOptions(batches.Limits.MessagesInFlight) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        var answering = AnswerAsync(inFlight.Reader, responses, seesHistory, stop);

        Exception? refused = null;
        try
        {
            while (await ReadAsync(requests, stop.Token))
            {
                var request = requests.Current;
                Task<BatchItemResult[]> results;
                try
                {
                    results = await call.SubmitAsync(request.Items.Select(i =>
                        new BatchCard(i.Pan.Memory, i.Expiry?.Month, i.Expiry?.Year)).ToArray(), context.CancellationToken);
                }
                finally
                {
                    // The request message is ours once parsed: wipe its copies of the card numbers.
                    foreach (var item in request.Items) MemoryMarshal.AsMemory(item.Pan.Memory).Span.Clear();
                }
                await inFlight.Writer.WriteAsync(results, stop.Token);
            }
            call.EnsureAnyCard();
        }
        catch (Exception e)
        {
            refused = e;
        }
        // Messages accepted before a refusal are still answered, so the caller learns every token that was stored.
        inFlight.Writer.TryComplete();
        Exception? failure = null;
        try
        {
            await answering;
        }
        catch (Exception e)
        {
            failure = e;
        }
        // A failed answer stopped the reader too: report the cause, not the reader's cancellation.
        failure ??= refused;
        await call.EndAsync(failure);
        if (failure is not null) ExceptionDispatchInfo.Throw(failure);
    }

    private static async Task AnswerAsync(ChannelReader<Task<BatchItemResult[]>> inFlight,
        IServerStreamWriter<TokenizeBatchResponse> responses, bool seesHistory, CancellationTokenSource stop)
    {
        try
        {
            await foreach (var pending in inFlight.ReadAllAsync(stop.Token))
            {
                var response = new TokenizeBatchResponse();
                foreach (var r in await pending) response.Results.Add(ToProto(r, seesHistory));
                await responses.WriteAsync(response, stop.Token);
            }
        }
        catch
        {
            await stop.CancelAsync();
            throw;
        }
    }

    /// <summary>
    /// The next request message. A stream broken below protobuf (a cut-short frame, a bad compressed flag) is the
    /// caller's error like a malformed message: INVALID_ARGUMENT with a request.failed record, not the framework's
    /// INTERNAL. Statuses the framework chose on purpose (RESOURCE_EXHAUSTED, UNIMPLEMENTED) pass through.
    /// </summary>
    private static async Task<bool> ReadAsync(IAsyncStreamReader<TokenizeBatchRequest> requests, CancellationToken ct)
    {
        try
        {
            return await requests.MoveNext(ct);
        }
        catch (Exception e) when (e is not (VaultException or OperationCanceledException) && !ct.IsCancellationRequested
                                  && (e is not RpcException rpc || rpc.StatusCode is StatusCode.Internal or StatusCode.Unknown))
        {
            throw new InvalidArgumentException([new FieldViolation("request", "the request stream is not well-formed gRPC framing")]);
        }
    }

    private static TokenizeBatchResult ToProto(BatchItemResult r, bool seesHistory)
    {
        var result = new TokenizeBatchResult { Index = r.Index };
        if (r.DuplicateOf is { } first) result.DuplicateOf = first;
        if (r.Outcome is { } outcome)
        {
            result.Tokenized = Answer(outcome, seesHistory);
            return result;
        }
        var error = new TokenizeBatchError
        {
            Code = (int)StatusCode.InvalidArgument,
            Message = "The card has invalid fields: " + string.Join(", ", r.Problems.Select(p => p.Field)),
        };
        foreach (var p in r.Problems) error.Violations.Add(new TokenizeBatchFieldViolation { Field = p.Field, Description = p.Description });
        result.Error = error;
        return result;
    }
}
