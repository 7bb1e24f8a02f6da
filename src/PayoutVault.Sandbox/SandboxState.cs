using System.Collections.Concurrent;

namespace PayoutVault.Sandbox;

/// <summary>
/// Everything the sandbox remembers, in memory: idempotency keys, accepted payouts per key (the "at most once"
/// evidence tests read), sessions, and a bounded log of requests and webhook deliveries.
/// </summary>
internal sealed class SandboxState
{
    private const int MaxLogEntries = 5000;

    private readonly ConcurrentDictionary<string, byte> _seenKeys = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _acceptedByKey = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, SandboxSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<ReceivedRequest> _received = new();
    private readonly ConcurrentQueue<WebhookDelivery> _deliveries = new();
    private long _nextId = Random.Shared.NextInt64(1_000_000, 9_000_000);

    /// <summary>Atomically marks a key as used; false if any earlier request already used it.</summary>
    public bool TryClaimKey(string key) => _seenKeys.TryAdd(key, 0);

    /// <summary>Counts one accepted payout; requests without a key are counted under the empty string.</summary>
    public void CountAccepted(string? key) =>
        _acceptedByKey.AddOrUpdate(key ?? "", 1, (_, count) => count + 1);

    public IReadOnlyDictionary<string, int> AcceptedCounts() =>
        new SortedDictionary<string, int>(_acceptedByKey.ToDictionary(), StringComparer.Ordinal);

    public SandboxSession CreateSession(Func<string, string, SandboxSession> create)
    {
        var sessionId = "ps_" + Interlocked.Increment(ref _nextId);
        var payoutId = "po_" + Interlocked.Increment(ref _nextId);
        var session = create(sessionId, payoutId);
        _sessions[sessionId] = session;
        return session;
    }

    public SandboxSession? FindSession(string sessionId) => _sessions.GetValueOrDefault(sessionId);

    public void AddReceived(ReceivedRequest request) => Append(_received, request);

    public IReadOnlyList<ReceivedRequest> Received() => [.. _received];

    public void AddDelivery(WebhookDelivery delivery) => Append(_deliveries, delivery);

    public IReadOnlyList<WebhookDelivery> Deliveries() => [.. _deliveries];

    private static void Append<T>(ConcurrentQueue<T> queue, T item)
    {
        queue.Enqueue(item);
        while (queue.Count > MaxLogEntries && queue.TryDequeue(out _))
        {
        }
    }
}
