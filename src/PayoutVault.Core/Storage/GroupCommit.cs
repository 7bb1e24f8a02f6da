using System.Threading.Channels;
using Npgsql;

namespace PayoutVault.Core.Storage;

/// <summary>
/// Group commit: concurrent callers queue their work, and a few writer loops each take whatever has queued up (up to
/// <c>maxBatch</c>) and run it in one transaction, so N callers share one commit and one WAL flush instead of paying
/// N. Each caller's task completes only after the transaction holding its work has committed, and fails if it did
/// not. When a shared transaction fails, every item of it is retried alone, so one bad item fails only its own caller.
/// </summary>
/// <remarks>
/// Two or more loops pipeline: while one waits for its commit the next batch is already forming. A queued item is
/// written even if its caller stops waiting, because the caller may have been told nothing yet either way.
/// </remarks>
public sealed class GroupCommit<TItem, TResult> : IAsyncDisposable
{
    /// <summary>Writes one batch inside the given transaction; returns one result per item, in the same order.</summary>
    public delegate Task<IReadOnlyList<TResult>> BatchWriter(
        NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyList<TItem> items, CancellationToken ct);

    private sealed record Pending(TItem Item, TaskCompletionSource<TResult> Done);

    private readonly Channel<Pending> _queue;
    private readonly NpgsqlDataSource _dataSource;
    private readonly BatchWriter _write;
    private readonly int _maxBatch;
    private readonly Task[] _loops;
    private readonly CancellationTokenSource _stop = new();

    public GroupCommit(NpgsqlDataSource dataSource, BatchWriter write, int maxBatch = 128, int writers = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(writers, 1);
        _dataSource = dataSource;
        _write = write;
        _maxBatch = maxBatch;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(16 * 1024) { SingleWriter = false });
        _loops = Enumerable.Range(0, writers).Select(_ => Task.Run(RunAsync)).ToArray();
    }

    /// <summary>Completes once the item's transaction has committed; throws what the write threw.</summary>
    public async Task<TResult> SubmitAsync(TItem item, CancellationToken ct)
    {
        var done = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _queue.Writer.WriteAsync(new Pending(item, done), ct);
        return await done.Task.WaitAsync(ct);
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(_maxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(_stop.Token))
            {
                batch.Clear();
                while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var item)) batch.Add(item);
                if (batch.Count == 0) continue;
                if (!await TryWriteAsync(batch) && batch.Count > 1)
                    foreach (var one in batch) await TryWriteAsync([one]);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>One transaction for the batch. On failure, a single item's caller gets the exception.</summary>
    private async Task<bool> TryWriteAsync(IReadOnlyList<Pending> batch, int attempt = 1)
    {
        try
        {
            await using var conn = await _dataSource.OpenConnectionAsync(_stop.Token);
            await using var tx = await conn.BeginTransactionAsync(_stop.Token);
            var results = await _write(conn, tx, batch.Select(p => p.Item).ToArray(), _stop.Token);
            await tx.CommitAsync(_stop.Token);
            for (var i = 0; i < batch.Count; i++) batch[i].Done.TrySetResult(results[i]);
            return true;
        }
        catch (Exception e) when (batch.Count == 1 && attempt < MaxConflictAttempts && DatabaseErrors.IsConflict(e)
                                  && !_stop.IsCancellationRequested)
        {
            // Rolled back whole by a deadlock or serialization failure against another group: run it again.
            return await TryWriteAsync(batch, attempt + 1);
        }
        catch (Exception e)
        {
            if (batch.Count == 1 || _stop.IsCancellationRequested)
                foreach (var p in batch) p.Done.TrySetException(e);
            return false;
        }
    }

    private const int MaxConflictAttempts = 3;

    public async ValueTask DisposeAsync()
    {
        // Let queued work drain before stopping the loops; anything still queued after that fails its caller.
        _queue.Writer.TryComplete();
        await Task.WhenAny(Task.WhenAll(_loops), Task.Delay(TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        await _stop.CancelAsync();
        await Task.WhenAll(_loops).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        while (_queue.Reader.TryRead(out var left))
            left.Done.TrySetException(new ObjectDisposedException(nameof(GroupCommit<TItem, TResult>)));
        _stop.Dispose();
    }
}
