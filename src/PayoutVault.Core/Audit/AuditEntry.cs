namespace PayoutVault.Core.Audit;

/// <summary>
/// One audit record before it is chained: who did what to which object, and how it ended. ObjectId is a token,
/// payout id or key id, never card data; Detail is a short fixed text or code.
/// </summary>
public sealed record AuditEntry(
    string Caller, string Action, string? ObjectId, string Outcome, string? RequestId, string? Detail = null);

/// <summary>The audit event catalogue: every action name the vault writes (compliance/logging-and-audit.md).</summary>
public static class AuditActions
{
    public const string Tokenize = "token.tokenize";
    public const string TokenizeBatch = "token.tokenize_batch";
    public const string TokenRead = "token.read";
    public const string TokenDelete = "token.delete";
    public const string TokenPurge = "token.purge";
    public const string PayoutCreate = "payout.create";
    public const string PayoutRead = "payout.read";
    public const string PayoutDetokenize = "payout.detokenize";
    public const string PayoutWatch = "payout.watch";
    public const string WebhookSignatureInvalid = "webhook.signature_invalid";
    public const string WebhookRejected = "webhook.rejected";
    public const string AuthUnauthenticated = "auth.unauthenticated";
    public const string AuthPermissionDenied = "auth.permission_denied";
    public const string KeyRotateData = "key.rotate_data";
    public const string KeyRotateFingerprint = "key.rotate_fingerprint";
    public const string KeyRewrapMaster = "key.rewrap_master";
    public const string KeyMasterRefused = "key.master_refused";
    public const string KeyRotationCompleted = "key.rotation_completed";
    public const string KeyStatusRead = "key.status_read";
    public const string VaultStarted = "vault.started";
    public const string VaultStopped = "vault.stopped";
    public const string VaultReplicationRefused = "vault.replication_refused";
    public const string RequestFailed = "request.failed";
    public const string CaptureCreate = "capture.create";
    public const string CaptureRead = "capture.read";
    public const string CaptureComplete = "capture.complete";
    public const string CaptureRefused = "capture.refused";
    public const string CaptureExpired = "capture.expired";

    public static readonly IReadOnlyList<string> All =
    [
        Tokenize, TokenizeBatch, TokenRead, TokenDelete, TokenPurge, PayoutCreate, PayoutRead, PayoutDetokenize, PayoutWatch,
        WebhookSignatureInvalid, WebhookRejected, AuthUnauthenticated, AuthPermissionDenied, KeyRotateData, KeyRotateFingerprint,
        KeyRewrapMaster, KeyMasterRefused, KeyRotationCompleted, KeyStatusRead, VaultStarted, VaultStopped, VaultReplicationRefused, RequestFailed,
        CaptureCreate, CaptureRead, CaptureComplete, CaptureRefused, CaptureExpired,
    ];
}
