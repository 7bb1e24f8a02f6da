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
public sealed class TokenGrpcService(TokenVault vault, TokenDeleter deleter, TokenHistoryVisibility history)
    : TokenService.TokenServiceBase
{
    [RequiresPermission(Permissions.TokensWrite)]
    public override async Task<TokenizeResponse> Tokenize(TokenizeRequest request, ServerCallContext context)
    {
        try
        {
            var outcome = await vault.TokenizeAsync(request.Pan.Memory,
                request.Expiry?.Month, request.Expiry?.Year, AuditContext.From(context), context.CancellationToken);
            if (history.SeesHistory(context))
                return new TokenizeResponse { Card = ToProto(outcome.Card), Created = outcome.Created };
            return new TokenizeResponse { Card = TokenHistoryVisibility.WithoutHistory(ToProto(outcome.Card)), Created = false };
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
