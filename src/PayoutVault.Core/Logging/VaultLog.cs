namespace PayoutVault.Core.Logging;

/// <summary>
/// Every log line the vault writes, source-generated with fixed event ids. Parameters are ids, counts and type
/// names only, so this one file can be reviewed to show that no log line can carry card data.
/// </summary>
public static partial class VaultLog
{
    [LoggerMessage(1000, LogLevel.Information, "Vault started: gRPC on {GrpcEndpoint}, Bank 131 webhooks on {WebhookEndpoint}, master key {MasterKeyId} ({CheckValue})")]
    public static partial void Started(ILogger logger, string grpcEndpoint, string webhookEndpoint, string masterKeyId, string checkValue);

    [LoggerMessage(1001, LogLevel.Information, "Applied migration {Migration}")]
    public static partial void MigrationApplied(ILogger logger, string migration);

    [LoggerMessage(1002, LogLevel.Warning, "Development switch: the gRPC listener accepts plaintext HTTP/2 without client certificates")]
    public static partial void InsecureListener(ILogger logger);

    [LoggerMessage(1003, LogLevel.Error, "The refused master key could not be written to the audit trail: {ErrorType}")]
    public static partial void MasterKeyRefusalNotAudited(ILogger logger, string errorType);

    [LoggerMessage(1010, LogLevel.Information, "Commits are synchronously replicated ({Connection}: {Settings})")]
    public static partial void ReplicationVerified(ILogger logger, string connection, string settings);

    [LoggerMessage(1011, LogLevel.Warning, "Development switch Vault:Database:AllowSingleNode: commits are not synchronously replicated ({Connection}: {Problem}); a failover could lose a committed payout")]
    public static partial void SingleNodeAllowed(ILogger logger, string connection, string problem);

    [LoggerMessage(1012, LogLevel.Error, "The refused database could not be written to the audit trail: {ErrorType}")]
    public static partial void ReplicationRefusalNotAudited(ILogger logger, string errorType);

    [LoggerMessage(1100, LogLevel.Information, "Tokenized card into {Token} (created: {Created})")]
    public static partial void Tokenized(ILogger logger, string token, bool created);

    [LoggerMessage(1101, LogLevel.Information, "Deleted token {Token}")]
    public static partial void TokenDeleted(ILogger logger, string token);

    [LoggerMessage(1102, LogLevel.Warning, "Tokenize batch of {Count} failed with {ErrorType}")]
    public static partial void TokenizeBatchFailed(ILogger logger, int count, string errorType);

    [LoggerMessage(1150, LogLevel.Information, "TokenizeBatch call {Outcome}: {Items} cards, {Created} created, {Existing} existing, {Duplicates} repeated within the call, {Rejected} rejected")]
    public static partial void TokenizeBatchEnded(ILogger logger, string outcome, long items, long created, long existing, long duplicates, long rejected);

    [LoggerMessage(1151, LogLevel.Debug, "TokenizeBatch item {Index} tokenized into {Token} (created: {Created})")]
    public static partial void TokenizeBatchItem(ILogger logger, long index, string token, bool created);

    [LoggerMessage(1900, LogLevel.Warning, "Database unavailable in {Method}: {ErrorType}")]
    public static partial void DatabaseUnavailable(ILogger logger, string method, string errorType);

    [LoggerMessage(1901, LogLevel.Error, "Unhandled error in {Method}: {ErrorType}")]
    public static partial void UnhandledError(ILogger logger, string method, string errorType);

    [LoggerMessage(1200, LogLevel.Information, "Payout {PayoutId} created for token {Token} by {Caller}")]
    public static partial void PayoutCreated(ILogger logger, string payoutId, string token, string caller);

    [LoggerMessage(1201, LogLevel.Information, "Payout {PayoutId} sent to the bank: {Outcome} (HTTP {HttpStatus}, error code '{ErrorCode}')")]
    public static partial void PayoutSent(ILogger logger, string payoutId, string outcome, int httpStatus, string errorCode);

    [LoggerMessage(1202, LogLevel.Warning, "Payout {PayoutId} not sent: {Reason}")]
    public static partial void PayoutNotSent(ILogger logger, string payoutId, string reason);

    [LoggerMessage(1206, LogLevel.Error, "Payout {PayoutId} is still unresolved after {Attempts} checks: manual review with Bank 131 needed; it will not be sent again")]
    public static partial void PayoutNeedsReview(ILogger logger, string payoutId, int attempts);

    [LoggerMessage(1210, LogLevel.Warning, "Payout {PayoutId}: Bank 131 answered with session {SessionId}, which another payout already holds; recorded on both, webhooks are matched by the payout id they echo")]
    public static partial void BankSessionShared(ILogger logger, string payoutId, string sessionId);

    [LoggerMessage(1211, LogLevel.Warning, "Took over {Count} in-flight payouts whose sending process has stopped; they are reconciled now with their own idempotency keys")]
    public static partial void DeadLeasesReleased(ILogger logger, int count);

    [LoggerMessage(1212, LogLevel.Warning, "The process lease session was lost ({ErrorType}); holding it again")]
    public static partial void ProcessLeaseLost(ILogger logger, string errorType);

    [LoggerMessage(1203, LogLevel.Information, "Reconciling payout {PayoutId} in state {State}")]
    public static partial void Reconciling(ILogger logger, string payoutId, string state);

    [LoggerMessage(1204, LogLevel.Warning, "Reconciliation pass failed: {ErrorType}")]
    public static partial void ReconcileFailed(ILogger logger, string errorType);

    [LoggerMessage(1250, LogLevel.Error, "Reconciling payout {PayoutId} failed ({ErrorType}); the rest of the batch goes on, and this payout is tried again when its lease ends")]
    public static partial void ReconcilePayoutFailed(ILogger logger, string payoutId, string errorType);

    [LoggerMessage(1205, LogLevel.Information, "Payout {PayoutId} is now {State} ({Kind})")]
    public static partial void PayoutMoved(ILogger logger, string payoutId, string state, string kind);

    [LoggerMessage(1300, LogLevel.Information, "Webhook {Type} for session {SessionId} stored: payout {PayoutId}, {Outcome}")]
    public static partial void WebhookStored(ILogger logger, string type, string sessionId, string payoutId, string outcome);

    [LoggerMessage(1310, LogLevel.Warning, "Webhook for session {SessionId} names no payout of ours and {Holders} payouts hold that session: not applied to any")]
    public static partial void WebhookSessionAmbiguous(ILogger logger, string sessionId, int holders);

    [LoggerMessage(1311, LogLevel.Warning, "Webhook names payout {PayoutId}, recorded with session {RecordedSessionId}, under session {SessionId}: applied to the payout it names")]
    public static partial void WebhookSessionMismatch(ILogger logger, string payoutId, string recordedSessionId, string sessionId);

    [LoggerMessage(1301, LogLevel.Information, "Duplicate webhook delivery for session {SessionId} acknowledged")]
    public static partial void WebhookDuplicate(ILogger logger, string sessionId);

    [LoggerMessage(1302, LogLevel.Warning, "Webhook rejected with HTTP {Status}: {Reason}")]
    public static partial void WebhookRejected(ILogger logger, int status, string reason);

    [LoggerMessage(1303, LogLevel.Error, "Webhook could not be stored: {ErrorType}")]
    public static partial void WebhookFailed(ILogger logger, string errorType);

    [LoggerMessage(1400, LogLevel.Warning, "Payout event feed failed, retrying: {ErrorType}")]
    public static partial void FeedFailed(ILogger logger, string errorType);

    [LoggerMessage(1401, LogLevel.Debug, "Subscriber {Method} from cursor {Cursor} ended after cursor {LastCursor}")]
    public static partial void SubscriberEnded(ILogger logger, string method, long cursor, long lastCursor);

    [LoggerMessage(1600, LogLevel.Warning, "Access denied to {Method} for caller '{Caller}': {Reason}")]
    public static partial void AccessDenied(ILogger logger, string method, string caller, string reason);

    [LoggerMessage(1601, LogLevel.Error, "Audit write for {Action} failed: {ErrorType}; the call fails")]
    public static partial void AuditWriteFailed(ILogger logger, string action, string errorType);

    [LoggerMessage(1602, LogLevel.Information, "Audit checkpoint signed at record {Seq} with key {KeyId}")]
    public static partial void CheckpointSigned(ILogger logger, long seq, string keyId);

    [LoggerMessage(1603, LogLevel.Information, "Audit checkpoint signing key {KeyId}: public key {PublicKey}")]
    public static partial void CheckpointKey(ILogger logger, string keyId, string publicKey);

    [LoggerMessage(1604, LogLevel.Warning, "Audit checkpoint failed: {ErrorType}")]
    public static partial void CheckpointFailed(ILogger logger, string errorType);

    // The log stream is one of the places checkpoint heads are anchored outside the database: a shipped copy of this
    // line is what `vaultctl audit verify --expect-head {Seq}:{RecordHash}` checks against. Hashes and signature only.
    [LoggerMessage(1620, LogLevel.Information, "Audit checkpoint anchor: record {Seq} head {RecordHash} signed at {SignedAt} by {KeyId} signature {Signature}")]
    public static partial void CheckpointAnchor(ILogger logger, long seq, string recordHash, string signedAt, string keyId, string signature);

    [LoggerMessage(1621, LogLevel.Error, "Audit checkpoint at record {Seq} could not be appended to the anchor file: {ErrorType}; the next checkpoint is anchored again")]
    public static partial void AnchorWriteFailed(ILogger logger, long seq, string errorType);

    [LoggerMessage(1640, LogLevel.Warning, "Data key version {Version} has {Reserved} encryptions reserved, past half of its limit {Limit}: a data-key rotation starts")]
    public static partial void DataKeyNearLimit(ILogger logger, int version, long reserved, long limit);

    [LoggerMessage(1641, LogLevel.Error, "Data key version {Version} reached its encryption limit {Limit}: encryptions under it are refused until the data key is rotated")]
    public static partial void DataKeyExhausted(ILogger logger, int version, long limit);

    [LoggerMessage(1642, LogLevel.Warning, "Reserving encryptions for data key version {Version} failed: {ErrorType}")]
    public static partial void DataKeyReservationFailed(ILogger logger, int version, string errorType);

    [LoggerMessage(1630, LogLevel.Information, "This replica is now the log sequencer: it seals the audit chain and the payout event log")]
    public static partial void SequencerLeading(ILogger logger);

    [LoggerMessage(1631, LogLevel.Warning, "Log sequencer pass failed: {ErrorType}; retrying")]
    public static partial void SequencerFailed(ILogger logger, string errorType);

    // Readiness turning: logged once per change, not per probe, so an outage is one line and its end another.
    [LoggerMessage(1040, LogLevel.Warning, "Not ready: {Reason}; readiness probes answer NOT_SERVING / 503 until it passes")]
    public static partial void NotReady(ILogger logger, string reason);

    [LoggerMessage(1041, LogLevel.Information, "Ready again: the database answers and its schema is migrated")]
    public static partial void ReadyAgain(ILogger logger);
}
