using System.Net;
using Grpc.Core;
using Grpc.Net.Client;

namespace PayoutVault.Tests.BadInput;

/// <summary>
/// One generated gRPC bad input: who calls, the call, and the precise refusal expected. <paramref name="Field"/>,
/// when given, must be among the field violations of an INVALID_ARGUMENT.
/// </summary>
public sealed record GrpcCase(string Surface, string Name, string Caller, Func<GrpcChannel, CallOptions, Task> Call,
    StatusCode Expected, string? Field = null)
{
    /// <summary>The audit record a refusal leaves: the authorizer's for refusals, the error mapper's after it.</summary>
    public string? ExpectedAudit => Expected switch
    {
        StatusCode.PermissionDenied => Core.Audit.AuditActions.AuthPermissionDenied,
        StatusCode.Unauthenticated => Core.Audit.AuditActions.AuthUnauthenticated,
        StatusCode.InvalidArgument or StatusCode.NotFound => Core.Audit.AuditActions.RequestFailed,
        _ => null, // RESOURCE_EXHAUSTED: the gRPC layer refuses an oversized message before any vault code runs
    };

    /// <summary>The audit records the case must leave, when not the one its status implies.</summary>
    public IReadOnlyList<string>? AuditTrail { get; init; }

    public override string ToString() => $"{Surface}: {Name} (as {Caller})";
}

/// <summary>
/// One generated webhook POST (or other method) and its precise answer: status, the reason code the answer names,
/// the audit record it leaves (null: none) and how many webhook_deliveries rows it adds (0 for every refusal; 1
/// for a verified body the vault accepts and keeps, with anything card-like masked).
/// </summary>
public sealed record WebhookCase(string Surface, string Name, byte[] Body, HttpStatusCode Expected)
{
    public string? Reason { get; init; }
    public string? Signature { get; init; }
    public bool OmitSignature { get; init; }
    public string? ContentType { get; init; } = "application/json";
    public HttpMethod Method { get; init; } = HttpMethod.Post;
    public string? Path { get; init; }
    public string? ExpectedAudit { get; init; }
    public int NewDeliveries { get; init; }

    public override string ToString() => $"{Surface}: {Name}";
}
