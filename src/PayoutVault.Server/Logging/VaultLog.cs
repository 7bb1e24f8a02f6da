namespace PayoutVault.Server.Logging;

/// <summary>
/// Every log line the vault writes, source-generated with fixed event ids. Parameters are ids, counts and type
/// names only, so this one file can be reviewed to show that no log line can carry card data.
/// </summary>
public static partial class VaultLog
{
    [LoggerMessage(1000, LogLevel.Information, "Vault started: gRPC on {GrpcEndpoint}, master key {MasterKeyId} ({CheckValue})")]
    public static partial void Started(ILogger logger, string grpcEndpoint, string masterKeyId, string checkValue);

    [LoggerMessage(1001, LogLevel.Information, "Applied migration {Migration}")]
    public static partial void MigrationApplied(ILogger logger, string migration);

    [LoggerMessage(1002, LogLevel.Warning, "Development switch: the gRPC listener accepts plaintext HTTP/2 without client certificates")]
    public static partial void InsecureListener(ILogger logger);

    [LoggerMessage(1100, LogLevel.Information, "Tokenized card into {Token} (created: {Created})")]
    public static partial void Tokenized(ILogger logger, string token, bool created);

    [LoggerMessage(1101, LogLevel.Information, "Deleted token {Token}")]
    public static partial void TokenDeleted(ILogger logger, string token);

    [LoggerMessage(1102, LogLevel.Warning, "Tokenize batch of {Count} failed with {ErrorType}")]
    public static partial void TokenizeBatchFailed(ILogger logger, int count, string errorType);

    [LoggerMessage(1900, LogLevel.Warning, "Database unavailable in {Method}: {ErrorType}")]
    public static partial void DatabaseUnavailable(ILogger logger, string method, string errorType);

    [LoggerMessage(1901, LogLevel.Error, "Unhandled error in {Method}: {ErrorType}")]
    public static partial void UnhandledError(ILogger logger, string method, string errorType);
}
