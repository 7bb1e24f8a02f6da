using Npgsql;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>Stream test helpers: the event log as stored, and comparisons of what a subscriber received.</summary>
public static class StreamTestKit
{
    public sealed record EventRow(long Seq, string PayoutId, string Kind, string State, bool Changed,
        string? BankSessionId, string? ErrorCode, long AmountMinor, string Currency);

    public static async Task<List<EventRow>> EventRowsAsync(string connectionString)
    {
        await Db.WaitSealedAsync(connectionString, "payout_events");
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT seq, payout_id, kind, state, state_changed, bank_session_id, error_code, amount_minor, currency
            FROM payout_events ORDER BY seq
            """, conn);
        var list = new List<EventRow>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            list.Add(new EventRow(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetBoolean(4),
                r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6), r.GetInt64(7), r.GetString(8)));
        return list;
    }

    public static string ToDb(PayoutState s) => s switch
    {
        PayoutState.Created => "created",
        PayoutState.Submitted => "submitted",
        PayoutState.InProgress => "in_progress",
        PayoutState.Succeeded => "succeeded",
        PayoutState.Failed => "failed",
        PayoutState.Unknown => "unknown",
        _ => "unspecified",
    };

    public static void AssertStrictlyIncreasing(IReadOnlyList<long> cursors, string who)
    {
        for (var i = 1; i < cursors.Count; i++)
            if (cursors[i] <= cursors[i - 1])
                throw new Xunit.Sdk.XunitException(
                    $"{who}: cursor {cursors[i]} at position {i} does not follow {cursors[i - 1]}");
    }

    /// <summary>Exactly the expected cursors, in order; on failure says which are missing, repeated or extra.</summary>
    public static void AssertSameCursors(IReadOnlyList<long> expected, IReadOnlyList<long> received, string who)
    {
        AssertStrictlyIncreasing(received, who);
        if (expected.SequenceEqual(received)) return;
        var missing = expected.Except(received).Take(20).ToList();
        var extra = received.Except(expected).Take(20).ToList();
        throw new Xunit.Sdk.XunitException(
            $"{who}: received {received.Count} events, expected {expected.Count}; "
            + $"missing [{string.Join(",", missing)}], extra [{string.Join(",", extra)}]");
    }

    /// <summary>Each received event carries what the log holds for its cursor.</summary>
    public static void AssertMatchesLog(IReadOnlyList<PayoutEvent> received, IReadOnlyList<EventRow> log)
    {
        var bySeq = log.ToDictionary(r => r.Seq);
        foreach (var e in received)
        {
            Assert.True(bySeq.TryGetValue(e.Cursor, out var row), $"cursor {e.Cursor} is not in the log");
            Assert.Equal(row!.PayoutId, e.PayoutId);
            Assert.Equal(row.Kind, e.Kind);
            Assert.Equal(row.State, ToDb(e.State));
            Assert.Equal(row.Changed, e.StateChanged);
            Assert.Equal(row.BankSessionId ?? "", e.BankSessionId);
            Assert.Equal(row.ErrorCode ?? "", e.ErrorCode);
            Assert.Equal(row.AmountMinor, e.AmountMinor);
            Assert.Equal(row.Currency, e.Currency);
            Assert.NotNull(e.OccurredAt);
        }
    }

    public static PayoutFilter Filter(IEnumerable<string>? payoutIds = null, IEnumerable<PayoutState>? states = null)
    {
        var f = new PayoutFilter();
        if (payoutIds is not null) f.PayoutIds.AddRange(payoutIds);
        if (states is not null) f.States.AddRange(states);
        return f;
    }
}

/// <summary>A quiet environment whose live window is tiny, so replays go through database catch-up in small pages.</summary>
public sealed class StreamSmallWindowFixture : WebhookEnvironmentFixture
{
    protected override IReadOnlyDictionary<string, string>? Settings => new Dictionary<string, string>
    {
        ["Vault:Streaming:LiveBufferSize"] = "8",
        ["Vault:Streaming:CatchUpPageSize"] = "5",
    };
}
