namespace PayoutVault.Cli.CommandLine;

/// <summary>
/// A usage error found only once a command runs (an anchor file that holds no checkpoint, threshold above the share
/// count...): reported like a parse error, with exit code 2 and nothing done.
/// </summary>
public sealed class CliUsageException(string message) : Exception(message);
