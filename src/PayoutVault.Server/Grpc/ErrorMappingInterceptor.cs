using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Errors;
using PayoutVault.Core.Logging;
using PayoutVault.Core.Storage;

namespace PayoutVault.Server.Grpc;

/// <summary>
/// The one place where failures become gRPC statuses. Vault exceptions carry caller-safe text; anything else is
/// logged by type only (an exception message could in theory quote input) and answered INTERNAL without detail.
/// </summary>
public sealed class ErrorMappingInterceptor(AuditLog audit, ILogger<ErrorMappingInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw await MapAndAuditAsync(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw await MapAndAuditAsync(e, context);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw await MapAndAuditAsync(e, context);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception e) when (e is not RpcException)
        {
            throw await MapAndAuditAsync(e, context);
        }
    }

    /// <summary>
    /// Failed calls are security-relevant (probing with bad tokens, replays): each gets an audit record before the
    /// reply. Refusals were audited by the authorizer already. If this record cannot be written, the caller gets
    /// UNAVAILABLE rather than an answer that left no trace.
    /// </summary>
    private async Task<RpcException> MapAndAuditAsync(Exception e, ServerCallContext context)
    {
        var mapped = Map(e, context);
        if (e is PermissionDeniedException or UnauthenticatedException || mapped.StatusCode == StatusCode.Cancelled) return mapped;
        try
        {
            await audit.AppendAsync(AuditContext.From(context).Entry(AuditActions.RequestFailed, context.Method,
                mapped.StatusCode.ToString(), e is VaultException ? e.GetType().Name : "internal"), CancellationToken.None);
        }
        catch (Exception auditFailure)
        {
            VaultLog.AuditWriteFailed(logger, AuditActions.RequestFailed, auditFailure.GetType().Name);
            return new RpcException(new global::Grpc.Core.Status(StatusCode.Unavailable, "The audit trail is unavailable; retry later."));
        }
        return mapped;
    }

    private RpcException Map(Exception e, ServerCallContext context)
    {
        switch (e)
        {
            case InvalidArgumentException invalid:
                var badRequest = new BadRequest();
                foreach (var v in invalid.Violations)
                    badRequest.FieldViolations.Add(new BadRequest.Types.FieldViolation { Field = v.Field, Description = v.Description });
                return new Google.Rpc.Status
                {
                    Code = (int)Code.InvalidArgument,
                    Message = invalid.Message,
                    Details = { Any.Pack(badRequest) },
                }.ToRpcException();
            case NotFoundException: return new RpcException(new global::Grpc.Core.Status(StatusCode.NotFound, e.Message));
            case AlreadyExistsException: return new RpcException(new global::Grpc.Core.Status(StatusCode.AlreadyExists, e.Message));
            case FailedPreconditionException: return new RpcException(new global::Grpc.Core.Status(StatusCode.FailedPrecondition, e.Message));
            case PermissionDeniedException: return new RpcException(new global::Grpc.Core.Status(StatusCode.PermissionDenied, e.Message));
            case UnauthenticatedException: return new RpcException(new global::Grpc.Core.Status(StatusCode.Unauthenticated, e.Message));
            case DataLossException: return new RpcException(new global::Grpc.Core.Status(StatusCode.DataLoss, e.Message));
            case UnavailableException: return new RpcException(new global::Grpc.Core.Status(StatusCode.Unavailable, e.Message));
            case OperationCanceledException when context.CancellationToken.IsCancellationRequested:
                return new RpcException(new global::Grpc.Core.Status(StatusCode.Cancelled, "The call was cancelled."));
            case var _ when DatabaseErrors.IsUnavailable(e):
                VaultLog.DatabaseUnavailable(logger, context.Method, e.GetType().Name);
                return new RpcException(new global::Grpc.Core.Status(StatusCode.Unavailable, "The vault database is unavailable; retry later."));
            default:
                VaultLog.UnhandledError(logger, context.Method, e.GetType().FullName ?? "unknown");
                return new RpcException(new global::Grpc.Core.Status(StatusCode.Internal, "Internal error."));
        }
    }
}
