using Grpc.Core;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>
/// Reads one WatchPayouts / WatchPayout stream in the background and records every event. Tests wait on it with
/// generous deadlines (never timed assertions) and then compare the recorded cursors with the database.
/// </summary>
public sealed class StreamRecorder : IAsyncDisposable
{
    private readonly AsyncServerStreamingCall<PayoutEvent> _call;
    private readonly CancellationTokenSource _cts = new();
    private readonly List<PayoutEvent> _events = [];
    private readonly Func<PayoutEvent, Task>? _onEvent;
    private readonly Task _reader;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private StreamRecorder(AsyncServerStreamingCall<PayoutEvent> call, Func<PayoutEvent, Task>? onEvent, string name)
    {
        _call = call;
        _onEvent = onEvent;
        Name = name;
        _reader = Task.Run(ReadAsync);
    }

    public string Name { get; }

    /// <summary>WatchPayouts(from_cursor, filter). <paramref name="onEvent"/> runs before the next read (a slow
    /// reader awaits in it).</summary>
    public static StreamRecorder Watch(PayoutService.PayoutServiceClient client, long fromCursor = 0,
        PayoutFilter? filter = null, Func<PayoutEvent, Task>? onEvent = null, string? name = null)
    {
        var request = new WatchPayoutsRequest { FromCursor = fromCursor };
        if (filter is not null) request.Filter = filter;
        return new StreamRecorder(client.WatchPayouts(request), onEvent, name ?? $"WatchPayouts(from {fromCursor})");
    }

    public static StreamRecorder WatchOne(PayoutService.PayoutServiceClient client, string payoutId) =>
        new(client.WatchPayout(new WatchPayoutRequest { PayoutId = payoutId }), null, $"WatchPayout({payoutId})");

    /// <summary>Completes when the server ends the stream; faults with its RpcException.</summary>
    public Task Completion => _reader;

    public bool Completed => _reader.IsCompletedSuccessfully;

    public IReadOnlyList<PayoutEvent> Events
    {
        get { lock (_events) return _events.ToArray(); }
    }

    public List<long> Cursors
    {
        get { lock (_events) return _events.Select(e => e.Cursor).ToList(); }
    }

    public int Count
    {
        get { lock (_events) return _events.Count; }
    }

    public long LastCursor
    {
        get { lock (_events) return _events.Count == 0 ? 0 : _events[^1].Cursor; }
    }

    /// <summary>Waits until an event with cursor &gt;= <paramref name="cursor"/> arrived (or the stream ended).</summary>
    public Task WaitForCursorAsync(long cursor, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => LastCursor >= cursor, $"cursor {cursor}", timeout);

    public Task WaitForCountAsync(int count, TimeSpan? timeout = null) =>
        WaitUntilAsync(() => Count >= count, $"{count} events", timeout);

    /// <summary>Waits until the server completed the stream.</summary>
    public async Task WaitForCompletionAsync(TimeSpan? timeout = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var finished = await Task.WhenAny(_reader, Task.Delay(limit));
        if (finished != _reader)
            throw new Xunit.Sdk.XunitException($"{Name}: the stream did not complete within {limit} ({Describe()})");
        await _reader;
    }

    private async Task WaitUntilAsync(Func<bool> done, string what, TimeSpan? timeout)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(60);
        var deadline = DateTime.UtcNow + limit;
        while (true)
        {
            var signal = Volatile.Read(ref _changed);
            if (done()) return;
            if (_reader.IsCompleted)
            {
                if (done()) return;
                await _reader; // surfaces a stream error
                throw new Xunit.Sdk.XunitException($"{Name}: the stream ended before {what} ({Describe()})");
            }
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new Xunit.Sdk.XunitException($"{Name}: no {what} within {limit} ({Describe()})");
            await Task.WhenAny(signal.Task, _reader, Task.Delay(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1)));
        }
    }

    public string Describe()
    {
        lock (_events)
            return $"{_events.Count} events, last cursor {(_events.Count == 0 ? 0 : _events[^1].Cursor)}, "
                + $"stream {(_reader.IsCompleted ? _reader.Status.ToString() : "open")}";
    }

    /// <summary>Cancels the call, as a client going away does.</summary>
    public async Task CancelAsync()
    {
        await _cts.CancelAsync();
        try { await _reader; }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled) { }
        catch (OperationCanceledException) { }
    }

    private async Task ReadAsync()
    {
        try
        {
            while (await _call.ResponseStream.MoveNext(_cts.Token))
            {
                var e = _call.ResponseStream.Current;
                lock (_events) _events.Add(e);
                Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))
                    .TrySetResult();
                if (_onEvent is not null) await _onEvent(e);
            }
        }
        finally
        {
            Volatile.Read(ref _changed).TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_reader.IsCompleted) await CancelAsync();
        else
        {
            try { await _reader; }
            catch (Exception) { /* already observed by the test, or irrelevant at teardown */ }
        }
        _call.Dispose();
        _cts.Dispose();
    }
}
