namespace PayoutVault.Bank131;

/// <summary>
/// A Bank 131 RSA key could not be loaded (wrong passphrase, not RSA, not a key, too short).
/// </summary>
/// <remarks>
/// Messages say what is wrong in general terms only. The underlying parser exception is deliberately not kept as
/// InnerException: its text could quote PEM content, and this exception ends up in logs.
/// </remarks>
public sealed class Bank131KeyException : Exception
{
    public Bank131KeyException(string message)
        : base(message)
    {
    }
}
