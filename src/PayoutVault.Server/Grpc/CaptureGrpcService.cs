using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Security;
using PayoutVault.Core.Capture;

namespace PayoutVault.Server.Grpc;

/// <summary>Thin gRPC adapter over <see cref="CaptureSessions"/>: map in, delegate, map out.</summary>
public sealed class CaptureGrpcService(CaptureSessions sessions) : CaptureService.CaptureServiceBase
{
    [RequiresPermission(Permissions.CaptureCreate)]
    public override async Task<CreateCaptureSessionResponse> CreateCaptureSession(CreateCaptureSessionRequest request,
        ServerCallContext context)
    {
        var created = await sessions.CreateAsync(request.AllowedOrigins, request.ExpiresInMinutes, request.Reference,
            AuditContext.From(context), context.CancellationToken);
        return new CreateCaptureSessionResponse { Session = ToProto(created.Session), Url = created.Url };
    }

    [RequiresPermission(Permissions.CaptureRead)]
    public override async Task<GetCaptureSessionResponse> GetCaptureSession(GetCaptureSessionRequest request, ServerCallContext context) =>
        new() { Session = ToProto(await sessions.GetAsync(request.SessionId, AuditContext.From(context), context.CancellationToken)) };

    internal static CaptureSession ToProto(CaptureSessionRecord s)
    {
        var proto = new CaptureSession
        {
            SessionId = s.SessionId,
            State = s.State switch
            {
                CaptureState.Open => CaptureSessionState.Open,
                CaptureState.Completed => CaptureSessionState.Completed,
                CaptureState.Expired => CaptureSessionState.Expired,
                CaptureState.Locked => CaptureSessionState.Locked,
                _ => CaptureSessionState.Unspecified,
            },
            AllowedOrigins = { s.AllowedOrigins },
            Reference = s.Reference,
            CreatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(s.CreatedAt, DateTimeKind.Utc)),
            ExpiresAt = Timestamp.FromDateTime(DateTime.SpecifyKind(s.ExpiresAt, DateTimeKind.Utc)),
        };
        if (s.CompletedAt is { } done) proto.CompletedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(done, DateTimeKind.Utc));
        if (s.Card is { } card)
        {
            // Only what the submitted number and form show: no created_at or last_used_at (the token's history).
            proto.Card = new CardToken
            {
                Token = card.Token, Bin = card.Bin, Last4 = card.Last4, Brand = card.Brand,
                Expiry = new CardExpiry { Month = card.ExpMonth, Year = card.ExpYear },
            };
            proto.CardholderName = card.CardholderName;
        }
        return proto;
    }
}
