using Grpc.Core;

namespace PayoutVault.Server.Security;

/// <summary>Who is calling. Idempotency keys and audit records are scoped to this name.</summary>
public static class CallerIdentity
{
    /// <summary>The caller name when the development switch allows calls without a client certificate.</summary>
    public const string Anonymous = "anonymous";

    public static string Of(ServerCallContext context) =>
        context.GetHttpContext().Items.TryGetValue(ItemKey, out var name) && name is string s ? s : Anonymous;

    internal const string ItemKey = "payoutvault.caller";
}
