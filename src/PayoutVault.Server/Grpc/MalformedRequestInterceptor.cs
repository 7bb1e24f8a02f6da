using Grpc.Core;
using Grpc.Core.Interceptors;
using PayoutVault.Server.Errors;

namespace PayoutVault.Server.Grpc;

/// <summary>
/// Innermost interceptor: a request that <see cref="GuardedServiceMethodProvider{TService}"/> could not parse
/// arrives marked (<see cref="MalformedRequests"/>), after the caller was authorized, and is refused here as INVALID_ARGUMENT before any handler
/// sees it. The error mapper outside audits it as <c>request.failed</c>.
/// </summary>
public sealed class MalformedRequestInterceptor : Interceptor
{
    public const string Field = "request";

    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context,
        UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ThrowIfMalformed(request);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ThrowIfMalformed(request);
        return continuation(request, responseStream, context);
    }

    private static void ThrowIfMalformed<TRequest>(TRequest request)
    {
        if (MalformedRequests.IsMalformed(request))
            Violations.Throw(Field, "the request is not a valid protobuf encoding of its message type");
    }
}
