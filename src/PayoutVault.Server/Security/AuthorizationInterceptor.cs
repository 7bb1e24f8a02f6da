using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Errors;
using PayoutVault.Server.Configuration;
using PayoutVault.Core.Logging;

namespace PayoutVault.Server.Security;

/// <summary>
/// Deny by default: every call needs a caller identity (a verified client certificate, or the development switch)
/// that holds the permission its RPC declares; an RPC that declares none is refused to everyone. Refusals are
/// audited before the reply; if the audit write fails, the call fails with UNAVAILABLE instead.
/// </summary>
public sealed class AuthorizationInterceptor(
    RpcPermissionMap permissions, IOptionsMonitor<AccessOptions> access, IOptions<VaultOptions> vault,
    AuditLog audit, ILogger<AuthorizationInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request,
        ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request,
        IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        await continuation(request, responseStream, context);
    }

    // Client- and bidirectional-streaming RPCs (gRPC reflection's ServerReflectionInfo is one) must be authorized too:
    // the Interceptor base class passes them straight to the handler. Refusals become statuses in the outer
    // error-mapping interceptor, as for the other call kinds.
    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context,
        ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        return await continuation(requestStream, context);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context);
        await continuation(requestStream, responseStream, context);
    }

    private async Task AuthorizeAsync(ServerCallContext context)
    {
        var required = permissions.For(context.Method);
        if (required == RpcPermissionMap.Public) return;

        var http = context.GetHttpContext();
        var certificate = http.Connection.ClientCertificate;
        string caller;
        if (certificate is not null)
        {
            // Kestrel has already validated the chain against the configured CA during the handshake.
            caller = CallerIdentity.FromCertificate(certificate) ?? "";
            // "anonymous" names the development switch's caller; a certificate may not claim its grants.
            if (caller == CallerIdentity.Anonymous) caller = "";
        }
        else if (vault.Value.Grpc.AllowInsecure)
        {
            caller = CallerIdentity.Anonymous;
        }
        else
        {
            await DenyAsync(context, "", AuditActions.AuthUnauthenticated, "no client certificate");
            throw new UnauthenticatedException("A client certificate issued by the vault's CA is required.");
        }
        http.Items[CallerIdentity.ItemKey] = caller;

        if (required is null || caller.Length == 0 || !access.CurrentValue.Holds(caller, required))
        {
            await DenyAsync(context, caller, AuditActions.AuthPermissionDenied, required ?? "rpc declares no permission");
            throw new PermissionDeniedException(required is null
                ? $"{context.Method} is not available to any caller."
                : $"Caller '{caller}' lacks permission {required} for {context.Method}.");
        }
    }

    private async Task DenyAsync(ServerCallContext context, string caller, string action, string detail)
    {
        VaultLog.AccessDenied(logger, context.Method, caller, action);
        // The request id as the gRPC services audit it (CallContextExtensions), read here from the HTTP request so
        // that Security does not depend on the Grpc folder, which depends on it.
        var http = context.GetHttpContext();
        var requestId = AuditLog.RequestId(http.Request.Headers["x-request-id"].ToString(), http.TraceIdentifier);
        try
        {
            await audit.AppendAsync(new AuditEntry(caller, action, context.Method, "denied",
                requestId, detail), CancellationToken.None);
        }
        catch (Exception e)
        {
            VaultLog.AuditWriteFailed(logger, action, e.GetType().Name);
            throw new UnavailableException("The audit trail is unavailable; the call was not processed.");
        }
    }
}
