namespace PayoutVault.Cli.Import;

/// <summary>What `vaultctl import` was asked to do, already parsed.</summary>
/// <param name="InputFile">The file of PAN,expiry rows.</param>
/// <param name="MappingFile">Where line -> token rows go; also the state a rerun resumes from.</param>
/// <param name="CardsPerMessage">Cards per TokenizeBatch request message (the vault takes at most 1,000).</param>
/// <param name="CardsPerCall">Cards per TokenizeBatch call (the vault takes at most 10,000 by default).</param>
/// <param name="MessagesInFlight">Messages sent and not yet answered; the sender waits beyond it.</param>
/// <param name="LineLimit">Stop after this many lines in this run (import in parts); null: the whole file.</param>
internal sealed record ImportSettings(string InputFile, string MappingFile, int CardsPerMessage = 500,
    int CardsPerCall = 10_000, int MessagesInFlight = 4, long? LineLimit = null)
{
    public static string DefaultMappingFile(string inputFile) => inputFile + ".tokens.csv";
}
