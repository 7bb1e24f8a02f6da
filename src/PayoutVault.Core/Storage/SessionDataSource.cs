using Npgsql;

namespace PayoutVault.Core.Storage;

/// <summary>
/// Connections that keep state in their PostgreSQL session for as long as they are open: the event feed's LISTEN,
/// the log sequencer's leader lock and the process lease (session advisory locks). A pooler in transaction mode
/// (PgBouncer's pool_mode=transaction) hands each transaction to whichever server connection is free, so a lock or a
/// LISTEN taken through it lands on a session the vault no longer owns. These connections therefore come from
/// Vault:Database:SessionConnectionString (direct, or a session-mode pool) when it is set, else from the main data
/// source. Everything else uses the main one, which may go through a transaction-mode pooler.
/// </summary>
public sealed class SessionDataSource : IAsyncDisposable
{
    private readonly bool _owned;

    private SessionDataSource(NpgsqlDataSource source, bool owned)
    {
        Source = source;
        _owned = owned;
    }

    public NpgsqlDataSource Source { get; }

    /// <summary>Whether session connections use a connection string of their own (not the main one).</summary>
    public bool IsSeparate => _owned;

    /// <summary>A data source of its own for <paramref name="connectionString"/>, or the main one when it is empty.</summary>
    public static SessionDataSource Create(string? connectionString, NpgsqlDataSource main)
    {
        if (string.IsNullOrWhiteSpace(connectionString)) return new SessionDataSource(main, owned: false);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.ConnectionStringBuilder.ApplicationName ??= "payoutvault-session";
        return new SessionDataSource(builder.Build(), owned: true);
    }

    public ValueTask<NpgsqlConnection> OpenConnectionAsync(CancellationToken ct) => Source.OpenConnectionAsync(ct);

    public ValueTask DisposeAsync() => _owned ? Source.DisposeAsync() : ValueTask.CompletedTask;
}
