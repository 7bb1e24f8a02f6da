using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Payouts;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;

namespace PayoutVault.Server.Grpc;

/// <summary>Thin gRPC adapter for payouts. Streams live in the Streaming folder.</summary>
public sealed partial class PayoutGrpcService(PayoutOperations payouts) : PayoutService.PayoutServiceBase
{
    [RequiresPermission(Permissions.PayoutsCreate)]
    public override async Task<Payout> CreatePayout(CreatePayoutRequest request, ServerCallContext context) =>
        ToProto(await payouts.CreateAsync(AuditContext.From(context), ToSubmission(request), context.CancellationToken));

    [RequiresPermission(Permissions.PayoutsRead)]
    public override async Task<Payout> GetPayout(GetPayoutRequest request, ServerCallContext context) =>
        ToProto(await payouts.GetAsync(request.PayoutId, AuditContext.From(context), AuditActions.PayoutRead,
            OwnerScope.Of(context, Permissions.PayoutsReadAll), context.CancellationToken));

    /// <summary>The request as sent, field for field: every rule runs in the domain's validator.</summary>
    internal static PayoutSubmission ToSubmission(CreatePayoutRequest r) => new(
        r.IdempotencyKey, r.CardToken, r.AmountMinor, r.Currency,
        r.Recipient is { } x ? new RecipientSubmission(x.FullName, x.FirstName, x.LastName, x.MiddleName) : null,
        r.Metadata);

    internal static Payout ToProto(PayoutRecord p)
    {
        var proto = new Payout
        {
            PayoutId = p.PayoutId,
            IdempotencyKey = p.IdempotencyKey,
            State = p.State.ToProto(),
            CardToken = p.CardToken,
            Card = new MaskedCard { Bin = p.Bin, Last4 = p.Last4, Brand = p.Brand },
            AmountMinor = p.AmountMinor,
            Currency = p.Currency,
            BankSessionId = p.BankSessionId ?? "",
            BankPayoutId = p.BankPayoutId ?? "",
            ErrorCode = p.ErrorCode ?? "",
            ErrorDescription = p.ErrorDescription ?? "",
            CreatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(p.CreatedAt, DateTimeKind.Utc)),
            UpdatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(p.UpdatedAt, DateTimeKind.Utc)),
        };
        foreach (var (key, value) in p.Metadata) proto.Metadata[key] = value;
        return proto;
    }
}
