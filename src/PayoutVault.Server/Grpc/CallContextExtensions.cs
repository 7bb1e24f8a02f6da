using Grpc.Core;
using Microsoft.Extensions.Options;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;

namespace PayoutVault.Server.Grpc;

/// <summary>
/// What the domain needs to know about a gRPC call, read from the call in one place: who is calling, under which
/// request id, and how far the caller may see. The domain types (AuditContext, OwnerScope) stay free of gRPC; these
/// extension members let a service write <c>AuditContext.From(context)</c> as if they were the types' own.
/// </summary>
public static class CallContextExtensions
{
    extension(AuditContext)
    {
        public static AuditContext From(ServerCallContext context) =>
            new(CallerIdentity.Of(context), AuditLog.RequestId(context));
    }

    extension(AuditLog)
    {
        /// <summary>The caller's x-request-id when it is id-shaped, else the server's trace id for the request.</summary>
        public static string RequestId(ServerCallContext context)
        {
            var http = context.GetHttpContext();
            return AuditLog.RequestId(http.Request.Headers["x-request-id"].ToString(), http.TraceIdentifier);
        }
    }

    extension(OwnerScope)
    {
        /// <summary>The scope of the current call: everyone's with <paramref name="widening"/>, else the caller's own.</summary>
        public static OwnerScope Of(ServerCallContext context, string widening)
        {
            var caller = CallerIdentity.Of(context);
            var access = context.GetHttpContext().RequestServices.GetRequiredService<IOptionsMonitor<AccessOptions>>().CurrentValue;
            return OwnerScope.For(caller, access.Holds(caller, widening));
        }
    }
}
