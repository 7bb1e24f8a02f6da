namespace PayoutVault.Core.Keys.Hsm;

/// <summary>
/// Log lines of the PKCS#11 master key, event ids 2100-2149. Parameters are key labels, token names, check values
/// (3 bytes of a zero block's encryption, public by design) and PKCS#11 return codes: never a PIN or key material.
/// </summary>
internal static partial class HsmLog
{
    [LoggerMessage(2100, LogLevel.Information, "Master key {KeyLabel} in PKCS#11 {Token} checked: AES-256, sensitive, never extractable, check value {CheckValue}")]
    public static partial void KeyChecked(ILogger logger, string keyLabel, string token, string checkValue);

    [LoggerMessage(2101, LogLevel.Error, "Master key {KeyLabel} in PKCS#11 {Token} is unavailable: {Problem}; new key operations fail UNAVAILABLE, loaded keys keep serving")]
    public static partial void TokenLost(ILogger logger, string keyLabel, string token, string problem);

    [LoggerMessage(2102, LogLevel.Warning, "Master key {KeyLabel} in PKCS#11 {Token} is available again (check value {CheckValue})")]
    public static partial void TokenRecovered(ILogger logger, string keyLabel, string token, string checkValue);
}
