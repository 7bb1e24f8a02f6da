using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Keys;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;

using PayoutVault.Core.Rotation;

namespace PayoutVault.Server.Grpc;

/// <summary>Thin gRPC adapter for key administration. No response carries key material, only ids and versions.</summary>
public sealed class KeyGrpcService(KeyRotator rotator, KeyStatusReader status) : KeyService.KeyServiceBase
{
    [RequiresPermission(Permissions.KeysAdmin)]
    public override async Task<KeyRotation> RotateDataKey(RotateKeyRequest request, ServerCallContext context) =>
        ToProto(await rotator.StartAsync(KeyPurpose.Data, AuditContext.From(context), context.CancellationToken));

    [RequiresPermission(Permissions.KeysAdmin)]
    public override async Task<KeyRotation> RotateFingerprintKey(RotateKeyRequest request, ServerCallContext context) =>
        ToProto(await rotator.StartAsync(KeyPurpose.Fingerprint, AuditContext.From(context), context.CancellationToken));

    [RequiresPermission(Permissions.KeysAdmin)]
    public override async Task<KeyStatus> GetKeyStatus(GetKeyStatusRequest request, ServerCallContext context)
    {
        var report = await status.ReadAsync(AuditContext.From(context), context.CancellationToken);
        var proto = new KeyStatus { MasterKeyId = report.MasterKeyId, MasterKeyCheckValue = report.MasterKeyCheckValue };
        foreach (var v in report.Versions)
            proto.Versions.Add(new KeyVersion
            {
                Purpose = v.Purpose.ToDb(),
                Version = v.Number,
                State = v.State,
                MasterKeyId = v.MasterKeyId,
                CreatedAt = Timestamp.FromDateTime(DateTime.SpecifyKind(v.CreatedAt, DateTimeKind.Utc)),
            });
        foreach (var r in report.Rotations) proto.Rotations.Add(ToProto(r));
        return proto;
    }

    internal static KeyRotation ToProto(RotationProgress p) => new()
    {
        Purpose = p.Purpose.ToDb(),
        NewVersion = p.NewVersion,
        RowsTotal = p.RowsTotal,
        RowsDone = p.RowsDone,
        Complete = p.Complete,
    };
}
