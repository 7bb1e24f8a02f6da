using System.Threading.Channels;
using Npgsql;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Logging;

namespace PayoutVault.Core.Tokens;

/// <summary>
/// Group commit for tokenization. Callers encrypt on their own threads and queue the sealed card; a writer loop takes
/// whatever has queued up (up to MaxBatch) and stores it in one transaction, so N concurrent callers share one
/// commit and one WAL flush instead of paying N. Batches are sorted by fingerprint so two writers never deadlock.
/// Work items that must commit with the card (audit records) join the same transaction through the hook.
/// </summary>
public sealed class TokenizeWriter : IAsyncDisposable
{
    private const int MaxBatch = 256;
    private const int Writers = 2;

    private sealed record Pending(NewCard Card, AuditContext Who, string? AuditDetail, TaskCompletionSource<TokenizeOutcome> Done,
        System.Diagnostics.ActivityContext Caller);

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(
        new BoundedChannelOptions(8192) { SingleWriter = false, SingleReader = false });
    private readonly NpgsqlDataSource _dataSource;
    private readonly CardCrypto _crypto;
    private readonly AuditLog _audit;
    private readonly ILogger<TokenizeWriter> _logger;
    private readonly Task[] _loops;
    private readonly CancellationTokenSource _stop = new();

    public TokenizeWriter(NpgsqlDataSource dataSource, CardCrypto crypto, AuditLog audit, ILogger<TokenizeWriter> logger)
    {
        _dataSource = dataSource;
        _crypto = crypto;
        _audit = audit;
        _logger = logger;
        _loops = Telemetry.GroupCommitTracing.StartLoops(Writers, RunAsync);
    }

    /// <param name="auditDetail">Detail of the card's token.tokenize record (a batch names the item's index).</param>
    internal async Task<TokenizeOutcome> WriteAsync(NewCard card, AuditContext who, CancellationToken ct, string? auditDetail = null)
    {
        var done = new TaskCompletionSource<TokenizeOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(new Pending(card, who, auditDetail, done, Telemetry.GroupCommitTracing.Capture()), ct);
        // The caller may give up waiting, but a queued card is still written: the next call finds it by fingerprint.
        return await done.Task.WaitAsync(ct);
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stop.Token))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var item)) batch.Add(item);
                if (batch.Count == 0) continue;
                using var group = Telemetry.VaultTelemetry.Source.HasListeners()
                    ? Telemetry.GroupCommitTracing.Start("tokenize", batch.Select(p => p.Caller).ToArray())
                    : null;
                await WriteBatchAsync(batch);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                // Cards sealed before this replica saw a key rotation are re-sealed under the active versions.
                var stale = batch.Count(p => !_crypto.IsCurrent(p.Card));
                if (stale > 0)
                {
                    var version = await _crypto.ReserveAsync(stale, _stop.Token);
                    for (var i = 0; i < batch.Count; i++)
                        if (!_crypto.IsCurrent(batch[i].Card)) batch[i] = batch[i] with { Card = _crypto.Reseal(batch[i].Card, version) };
                }
                batch.Sort((a, b) => a.Card.Fingerprint.AsSpan().SequenceCompareTo(b.Card.Fingerprint));
                try
                {
                    var outcomes = await StoreAsync(batch);
                    for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(outcomes[i].Item2);
                    return;
                }
                catch (PostgresException e) when (e.SqlState == StaleKeyVersionSqlState && attempt < 3)
                {
                    // The database refused a retired key version (another replica rotated): reload the ring, retry.
                    await _crypto.RefreshKeysAsync(_stop.Token);
                }
            }
        }
        catch (Exception e)
        {
            VaultLog.TokenizeBatchFailed(_logger, batch.Count, e.GetType().Name);
            foreach (var p in batch) p.Done.TrySetException(e);
        }
    }

    /// <summary>Raised by the cards INSERT trigger (migration 005) for a row not under the active key versions.</summary>
    internal const string StaleKeyVersionSqlState = "PVK01";

    private async Task<List<(NewCard, TokenizeOutcome)>> StoreAsync(List<Pending> batch)
    {
        await using var conn = await _dataSource.OpenConnectionAsync(_stop.Token);
        await using var tx = await conn.BeginTransactionAsync(_stop.Token);
        var owners = await CardStore.InsertBatchAsync(conn, tx, batch.Select(p => p.Card).ToArray(), _stop.Token);
        var outcomes = new List<(NewCard, TokenizeOutcome)>(batch.Count);
        foreach (var p in batch)
        {
            if (!owners.TryGetValue(Convert.ToHexString(p.Card.Fingerprint), out var owner))
                throw new InvalidOperationException("A tokenized card has no owning row after insert.");
            outcomes.Add((p.Card, new TokenizeOutcome(owner.Card, owner.Created && owner.Card.Token == p.Card.Token)));
        }
        // One tokenize audit record per caller, committed with the cards it describes.
        await _audit.AppendAsync(conn, tx, batch.Select((p, i) => p.Who.Entry(AuditActions.Tokenize,
            outcomes[i].Item2.Card.Token, outcomes[i].Item2.Created ? "created" : "existing", p.AuditDetail)).ToArray(), _stop.Token);
        await tx.CommitAsync(_stop.Token);
        return outcomes;
    }

    public async ValueTask DisposeAsync()
    {
        // Let queued cards drain before stopping the loops; anything still queued after that fails its caller.
        _queue.Writer.TryComplete();
        await Task.WhenAny(Task.WhenAll(_loops), Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
