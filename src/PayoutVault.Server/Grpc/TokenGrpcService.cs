using System.Runtime.InteropServices;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;

using PayoutVault.Core.Tokens;

namespace PayoutVault.Server.Grpc;

/// <summary>Thin gRPC adapter: map in, delegate to TokenVault, map out. Errors are mapped in one interceptor.</summary>
public sealed partial class TokenGrpcService(TokenVault vault, TokenDeleter deleter, TokenHistoryVisibility history)
    : TokenService.TokenServiceBase
{
    [RequiresPermission(Permissions.TokensWrite)]
    public override async Task<TokenizeResponse> Tokenize(TokenizeRequest request, ServerCallContext context)
    {
        try
        {
            var outcome = await vault.TokenizeAsync(request.Pan.Memory,
                request.Expiry?.Month, request.Expiry?.Year, AuditContext.From(context), context.CancellationToken);
            return Answer(outcome, history.SeesHistory(context));
        }
        finally
        {
            // The request message is ours once parsed: wipe its copy of the card number.
            MemoryMarshal.AsMemory(request.Pan.Memory).Span.Clear();
        }
    }

    [RequiresPermission(Permissions.TokensRead)]
    public override async Task<CardToken> GetToken(GetTokenRequest request, ServerCallContext context)
    {
        var card = ToProto(await vault.GetAsync(request.Token, AuditContext.From(context), context.CancellationToken));
        return history.SeesHistory(context) ? card : TokenHistoryVisibility.WithoutHistory(card);
    }

    [RequiresPermission(Permissions.TokensDelete)]
    public override async Task<DeleteTokenResponse> DeleteToken(DeleteTokenRequest request, ServerCallContext context)
    {
        var deletedAt = await deleter.DeleteAsync(request.Token, AuditContext.From(context), context.CancellationToken);
        return new DeleteTokenResponse { Token = request.Token, DeletedAt = Timestamp.FromDateTime(deletedAt) };
    }

    /// <summary>Tokenize's reply; created and the history fields only for a caller that may see them.</summary>
    internal static TokenizeResponse Answer(TokenizeOutcome outcome, bool seesHistory) => seesHistory
        ? new TokenizeResponse { Card = ToProto(outcome.Card), Created = outcome.Created }
        : new TokenizeResponse { Card = TokenHistoryVisibility.WithoutHistory(ToProto(outcome.Card)), Created = false };

    internal static CardToken ToProto(CardRecord card)
    {
        var proto = new CardToken
        {
            Token = card.Token,
            Bin = card.Bin,
            Last4 = card.Last4,
            Brand = card.Brand,
            CreatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(card.CreatedAt, DateTimeKind.Utc)),
        };
        if (card.ExpMonth is { } m && card.ExpYear is { } y) proto.Expiry = new CardExpiry { Month = m, Year = y };
        if (card.LastUsedAt is { } used) proto.LastUsedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(used, DateTimeKind.Utc));
        return proto;
    }
}
