namespace PayoutVault.Core.Rotation;

/// <summary>
/// Every log line of key rotation, source-generated with event ids 1500-1599. Parameters are key ids, versions,
/// counts and type names only: no key material and no card data can reach a log line from here.
/// </summary>
internal static partial class RotationLog
{
    [LoggerMessage(1500, LogLevel.Information, "Key rotation started by {Caller}: {Purpose} key version {FromVersion} -> {NewVersion}, {RowsTotal} cards to move")]
    public static partial void Started(ILogger logger, string caller, string purpose, int fromVersion, int newVersion, long rowsTotal);

    [LoggerMessage(1501, LogLevel.Debug, "Re-encryption batch: {Rows} cards moved to data key version {DataVersion} / fingerprint key version {FingerprintVersion}")]
    public static partial void BatchDone(ILogger logger, int rows, int dataVersion, int fingerprintVersion);

    [LoggerMessage(1502, LogLevel.Information, "Key rotation completed: {Purpose} key version {NewVersion}, {RowsTotal} cards")]
    public static partial void Completed(ILogger logger, string purpose, int newVersion, long rowsTotal);

    [LoggerMessage(1503, LogLevel.Warning, "Re-encryption pass failed, retrying later: {ErrorType}")]
    public static partial void PassFailed(ILogger logger, string errorType);

    [LoggerMessage(1504, LogLevel.Information, "Key ring reloaded: data key version {DataVersion}, fingerprint key version {FingerprintVersion} active")]
    public static partial void RingReloaded(ILogger logger, int dataVersion, int fingerprintVersion);

    [LoggerMessage(1505, LogLevel.Warning, "Key rotation refused: a {Purpose} rotation is still running")]
    public static partial void AlreadyRunning(ILogger logger, string purpose);

    [LoggerMessage(1506, LogLevel.Information, "Master key re-wrap: {Count} key versions moved from master key {OldKeyId} to {NewKeyId} ({CheckValue})")]
    public static partial void Rewrapped(ILogger logger, int count, string oldKeyId, string newKeyId, string checkValue);
}
