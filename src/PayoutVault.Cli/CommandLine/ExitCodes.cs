namespace PayoutVault.Cli.CommandLine;

/// <summary>
/// vaultctl's exit codes. Scripts and monitoring act on them (a daily `audit verify`, a quarterly `retention report`),
/// so a code keeps its meaning for every command; the table is printed by `vaultctl --help` and in the README.
/// </summary>
public static class ExitCodes
{
    /// <summary>Done: the command did what was asked, a check found nothing wrong.</summary>
    public const int Ok = 0;

    /// <summary>
    /// The command ran and the answer is "no": the audit trail is broken, cards are past retention, a key operation
    /// was refused (nothing changed), the demo payout did not succeed, the vault refused an import.
    /// </summary>
    public const int CheckFailed = 1;

    /// <summary>The command line is wrong (unknown command or option, a bad or missing value); nothing was done.</summary>
    public const int Usage = 2;

    /// <summary>The vault or the database could not be reached or answered with an error; the outcome is unknown.</summary>
    public const int Unavailable = 3;

    /// <summary>Interrupted by Ctrl+C or SIGTERM (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;

    public const string Table = """
        Exit codes:
          0    done; a check found nothing wrong
          1    the check failed or the operation was refused: audit trail broken, cards past retention, key change
               refused (nothing changed), demo payout not succeeded, key file already exists, import refused
               by the vault (the mapping file keeps what was stored; rerun to continue)
          2    usage error: unknown command or option, a missing or invalid value; nothing was done
          3    the vault or the database could not be reached or answered with an error
          130  interrupted (Ctrl+C, SIGTERM); an interrupted import has recorded what was sent, rerun to continue
        """;
}
