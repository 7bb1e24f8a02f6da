using System.Threading.Channels;
using Npgsql;
using PayoutVault.Server.Logging;

namespace PayoutVault.Server.Tokens;

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

    private sealed record Pending(NewCard Card, TaskCompletionSource<TokenizeOutcome> Done);

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(
        new BoundedChannelOptions(8192) { SingleWriter = false, SingleReader = false });
    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<TokenizeWriter> _logger;
    private readonly Task[] _loops;
    private readonly CancellationTokenSource _stop = new();

    /// <summary>Runs inside each batch's transaction after the cards are stored (e.g. audit records).</summary>
    internal Func<NpgsqlConnection, NpgsqlTransaction, IReadOnlyList<(NewCard Card, TokenizeOutcome Outcome)>, CancellationToken, Task>? InTransaction { get; set; }

    public TokenizeWriter(NpgsqlDataSource dataSource, ILogger<TokenizeWriter> logger)
    {
        _dataSource = dataSource;
        _logger = logger;
        _loops = Enumerable.Range(0, Writers).Select(_ => Task.Run(RunAsync)).ToArray();
    }

    internal async Task<TokenizeOutcome> WriteAsync(NewCard card, CancellationToken ct)
    {
        var done = new TaskCompletionSource<TokenizeOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(new Pending(card, done), ct);
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
                if (batch.Count > 0) await WriteBatchAsync(batch);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private async Task WriteBatchAsync(List<Pending> batch)
    {
        batch.Sort((a, b) => a.Card.Fingerprint.AsSpan().SequenceCompareTo(b.Card.Fingerprint));
        try
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
            if (InTransaction is { } hook) await hook(conn, tx, outcomes, _stop.Token);
            await tx.CommitAsync(_stop.Token);
            for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(outcomes[i].Item2);
        }
        catch (Exception e)
        {
            VaultLog.TokenizeBatchFailed(_logger, batch.Count, e.GetType().Name);
            foreach (var p in batch) p.Done.TrySetException(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).ConfigureAwait(false);
        _stop.Dispose();
    }
}
