using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Grpc.Core.Interceptors;
using PayoutVault.Server.Errors;
using PayoutVault.Server.Logging;
using PayoutVault.Server.Storage;

namespace PayoutVault.Server.Grpc;

/// <summary>
/// The one place where failures become gRPC statuses. Vault exceptions carry caller-safe text; anything else is
/// logged by type only (an exception message could in theory quote input) and answered INTERNAL without detail.
/// </summary>
public sealed class ErrorMappingInterceptor(ILogger<ErrorMappingInterceptor> logger) : Interceptor
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
            throw Map(e, context);
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
            throw Map(e, context);
        }
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
