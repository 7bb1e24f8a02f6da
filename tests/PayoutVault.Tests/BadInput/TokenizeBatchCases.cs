using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;
using static PayoutVault.Tests.BadInput.BadInputFixture;

namespace PayoutVault.Tests.BadInput;

/// <summary>
/// TokenizeBatch's bad input. Each bad card of Tokenize, sent alone in a batch, must come back as that card's own
/// INVALID_ARGUMENT result naming the same field (read here as a status, so the suite checks it like any refusal)
/// while the call itself completes: nothing stored, and one token.tokenize_batch record for the call. Refusals of
/// the whole call (an empty message, a message over the limit, a call without any card) are INVALID_ARGUMENT on
/// the call, with request.failed alone.
/// </summary>
public static class TokenizeBatchCases
{
    private const string Surface = "TokenizeBatch";
    private static readonly IReadOnlyList<string> CallRecord = [Core.Audit.AuditActions.TokenizeBatch];

    public static IEnumerable<GrpcCase> All()
    {
        foreach (var (name, bytes) in GrpcFieldCases.BadPans())
            yield return Item("pan " + name, new TokenizeRequest { Pan = ByteString.CopyFrom(bytes) }, "pan");
        foreach (var (name, month, year, field) in GrpcFieldCases.BadExpiries())
            yield return Item("expiry " + name,
                TokenRequests.Tokenize(GrpcFieldCases.BadCardBase, new CardExpiry { Month = month, Year = year }), field);

        yield return new GrpcCase(Surface, "call: an empty message", CardCollector,
            (ch, o) => CallAsync(ch, o, new TokenizeBatchRequest()), StatusCode.InvalidArgument, "items");
        yield return new GrpcCase(Surface, "call: 1,001 cards in one message", CardCollector,
            (ch, o) => CallAsync(ch, o, BatchCalls.Message(Enumerable.Repeat(GrpcFieldCases.BadCardBase, 1001).ToArray())),
            StatusCode.InvalidArgument, "items");
        yield return new GrpcCase(Surface, "call: no message at all", CardCollector,
            (ch, o) => CallAsync(ch, o), StatusCode.InvalidArgument, "items");
    }

    private static GrpcCase Item(string name, TokenizeRequest item, string field) =>
        new(Surface, "card " + name, CardCollector, (ch, o) => ItemAsync(ch, o, item), StatusCode.InvalidArgument, field)
        {
            AuditTrail = CallRecord,
        };

    /// <summary>Runs the call; a failed call throws its status.</summary>
    public static async Task<IReadOnlyList<TokenizeBatchResult>> CallAsync(GrpcChannel channel, CallOptions options,
        params TokenizeBatchRequest[] messages)
    {
        var result = await new TokenService.TokenServiceClient(channel).RunAsync(messages, options);
        if (result.Failure is { } failure) throw failure;
        return result.Results;
    }

    /// <summary>
    /// One card in one message. The call must complete with exactly one result, an error; that error is thrown as
    /// the status it describes (google.rpc.Status with BadRequest field violations), anything else as UNKNOWN.
    /// </summary>
    private static async Task ItemAsync(GrpcChannel channel, CallOptions options, TokenizeRequest item)
    {
        var results = await CallAsync(channel, options, BatchCalls.Message(item));
        if (results is not [{ OutcomeCase: TokenizeBatchResult.OutcomeOneofCase.Error, Index: 0 } only])
            throw new RpcException(new Grpc.Core.Status(StatusCode.Unknown,
                $"expected one per-card error, got {results.Count} results: {string.Join(", ", results.Select(r => r.OutcomeCase))}"));
        var badRequest = new BadRequest();
        foreach (var v in only.Error.Violations)
            badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = v.Field, Description = v.Description });
        throw new Google.Rpc.Status { Code = only.Error.Code, Message = only.Error.Message, Details = { Any.Pack(badRequest) } }
            .ToRpcException();
    }
}
