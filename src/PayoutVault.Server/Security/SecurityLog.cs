namespace PayoutVault.Server.Security;

/// <summary>Log lines of the mTLS boundary, event ids 1800-1899. No certificate contents, only the CRL's state.</summary>
internal static partial class SecurityLog
{
    [LoggerMessage(1800, LogLevel.Error, "Client certificate revocation list unusable, refusing every client certificate until it is fixed: {Problem}")]
    public static partial void RevocationListUnusable(ILogger logger, string problem);

    [LoggerMessage(1801, LogLevel.Information, "Client certificate revocation list loaded and current")]
    public static partial void RevocationListUsable(ILogger logger);
}
