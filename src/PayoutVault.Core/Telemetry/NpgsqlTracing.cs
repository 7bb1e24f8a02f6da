using System.Diagnostics;
using Npgsql;

namespace PayoutVault.Core.Telemetry;

/// <summary>How the vault's PostgreSQL data sources are traced.</summary>
public static class NpgsqlTracing
{
    /// <summary>
    /// Npgsql spans named for what they do ("postgresql SELECT", "postgresql batch") rather than for the database,
    /// without the first-response event, and only inside a trace: the sequencer, the event feed and the reconciler
    /// poll many times a second, and a root span per poll would bury every payout's trace. Physical connection opens
    /// are not traced: Npgsql offers no filter for them, and the pool opens connections for background loops too
    /// (connection counts and create times are in Npgsql's metrics). Npgsql records the command
    /// text, never parameter values; every value the vault sends is a parameter, so the text holds no card data
    /// (the host's SpanRedaction masks it if it ever did).
    /// </summary>
    public static NpgsqlDataSourceBuilder WithVaultTracing(this NpgsqlDataSourceBuilder builder) =>
        builder.ConfigureTracing(t => t
            .EnableFirstResponseEvent(false)
            .EnablePhysicalOpenTracing(false)
            .ConfigureCommandFilter(_ => Activity.Current is not null)
            .ConfigureBatchFilter(_ => Activity.Current is not null)
            .ConfigureCommandSpanNameProvider(c => "postgresql " + FirstKeyword(c.CommandText))
            .ConfigureBatchSpanNameProvider(b => $"postgresql batch of {b.BatchCommands.Count}"));

    private static string FirstKeyword(string sql)
    {
        var text = sql.AsSpan().TrimStart();
        var end = text.IndexOfAny(' ', '\n', '(');
        var word = (end < 0 ? text : text[..end]).ToString().ToUpperInvariant();
        return word.Length is > 0 and <= 16 && word.All(char.IsAsciiLetter) ? word : "command";
    }
}
