namespace PayoutVault.Core.Audit;

/// <summary>Who asked, and under which request id: carried from the RPC into the transaction that audits it.</summary>
public sealed record AuditContext(string Caller, string? RequestId)
{
    /// <summary>Work the vault starts on its own (reconciliation, key jobs).</summary>
    public static readonly AuditContext Vault = new("vault", null);

    public AuditEntry Entry(string action, string? objectId, string outcome, string? detail = null) =>
        new(Caller, action, objectId, outcome, RequestId, detail);
}
