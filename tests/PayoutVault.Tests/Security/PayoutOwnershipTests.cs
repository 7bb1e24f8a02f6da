using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Security;

/// <summary>
/// A mutual-TLS vault with the bank sandbox and two payout callers that hold the same permissions (create, read,
/// watch), plus an overseer holding read_all and watch_all. The live window is tiny, so streams from an old cursor
/// go through database catch-up and the in-memory window both.
/// </summary>
public sealed class PayoutOwnershipFixture : IAsyncLifetime
{
    public const string A = "merchant-a";
    public const string B = "merchant-b";
    public const string Overseer = "overseer";

    private CertVault? _vault;

    public CertVault Vault => _vault ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync()
    {
        string[] own = [Permissions.PayoutsCreate, Permissions.PayoutsRead, Permissions.PayoutsWatch];
        var callers = new Dictionary<string, string[]>(CertVault.StandardCallers)
        {
            [A] = own,
            [B] = own,
            [Overseer] = [Permissions.PayoutsRead, Permissions.PayoutsReadAll, Permissions.PayoutsWatch, Permissions.PayoutsWatchAll],
            // The widening permissions alone open nothing.
            ["only-widening"] = [Permissions.PayoutsReadAll, Permissions.PayoutsWatchAll],
        };
        _vault = await CertVault.StartAsync(callers, payouts: true, settings: new Dictionary<string, string>
        {
            ["Vault:Streaming:LiveBufferSize"] = "4",
            ["Vault:Streaming:CatchUpPageSize"] = "2",
        });
    }

    public async Task DisposeAsync()
    {
        if (_vault is not null) await _vault.DisposeAsync();
    }
}

/// <summary>
/// Issue 9 item 8: a payout belongs to the caller that created it. Over the real TLS listener with two caller
/// certificates: caller B cannot read or watch A's payouts (they look exactly like payouts that do not exist, and the
/// attempt is audited like any failed call), WatchPayouts shows each subscriber only its own payouts' events with
/// consistent cursors, and a caller holding payouts.read_all / payouts.watch_all sees everyone's. PCI DSS 7.2.1,
/// 7.2.2 (least privilege), 10.2.1.
/// </summary>
public sealed class PayoutOwnershipTests(PayoutOwnershipFixture fx) : IClassFixture<PayoutOwnershipFixture>
{
    private const string A = PayoutOwnershipFixture.A;
    private const string B = PayoutOwnershipFixture.B;
    private const string Overseer = PayoutOwnershipFixture.Overseer;

    private CertVault V => fx.Vault;

    /// <summary>A payout created by <paramref name="caller"/> that the bank refuses at once: final, no later events.</summary>
    private async Task<Payout> CreateSettledAsync(string caller)
    {
        var token = (await V.Tokens("card-collector").TokenizeAsync(TestCards.Visa)).Card.Token;
        var payout = await V.PayoutClient(caller).CreatePayoutAsync(PayoutEnvironment.Request(token, scenario: "reject:card_blocked"));
        Assert.Equal(PayoutState.Failed, payout.State);
        return payout;
    }

    private static string NewPayoutId() => "pay_" + new string('q', 26);

    [Fact]
    public async Task GetPayout_OfAnotherCaller_IsNotFound_LikeAMissingOne_AndAuditedAsAFailedCall()
    {
        var mine = await CreateSettledAsync(A);

        Assert.Equal(mine.PayoutId, (await V.PayoutClient(A).GetPayoutAsync(new GetPayoutRequest { PayoutId = mine.PayoutId })).PayoutId);
        var foreign = await RpcErrors.ExpectAsync(StatusCode.NotFound,
            () => V.PayoutClient(B).GetPayoutAsync(new GetPayoutRequest { PayoutId = mine.PayoutId }).ResponseAsync);
        var missingId = NewPayoutId();
        var missing = await RpcErrors.ExpectAsync(StatusCode.NotFound,
            () => V.PayoutClient(B).GetPayoutAsync(new GetPayoutRequest { PayoutId = missingId }).ResponseAsync);

        // Same status, same words: nothing tells B that A's id exists.
        Assert.Equal(missing.Status.Detail.Replace(missingId, "ID", StringComparison.Ordinal),
            foreign.Status.Detail.Replace(mine.PayoutId, "ID", StringComparison.Ordinal));
        Assert.DoesNotContain(foreign.Trailers, t => t.Key.EndsWith("-bin", StringComparison.Ordinal));
        // Audited as today: a successful read is payout.read, a refused one request.failed; B has no successful read.
        Assert.Empty(await AuditRows.ForAsync(V.ConnectionString, AuditActions.PayoutRead, B, mine.PayoutId));
        var failed = await AuditRows.ForAsync(V.ConnectionString, AuditActions.RequestFailed, B, "/payoutvault.v1.PayoutService/GetPayout");
        Assert.Equal(2, failed.Count);
        Assert.All(failed, r => Assert.Equal((nameof(StatusCode.NotFound), "NotFoundException"), (r.Outcome, r.Detail)));
        Assert.Single(await AuditRows.ForAsync(V.ConnectionString, AuditActions.PayoutRead, A, mine.PayoutId));
    }

    [Fact]
    public async Task GetPayout_WithReadAll_ReadsEveryCallersPayout_AndIsAudited()
    {
        var ofA = await CreateSettledAsync(A);
        var ofB = await CreateSettledAsync(B);

        foreach (var p in new[] { ofA, ofB })
        {
            var read = await V.PayoutClient(Overseer).GetPayoutAsync(new GetPayoutRequest { PayoutId = p.PayoutId });
            Assert.Equal((p.PayoutId, p.IdempotencyKey, p.Card.Last4), (read.PayoutId, read.IdempotencyKey, read.Card.Last4));
            Assert.Single(await AuditRows.ForAsync(V.ConnectionString, AuditActions.PayoutRead, Overseer, p.PayoutId));
        }
        // The standard auditor identity holds read_all too.
        Assert.Equal(ofB.PayoutId, (await V.PayoutClient("auditor").GetPayoutAsync(new GetPayoutRequest { PayoutId = ofB.PayoutId })).PayoutId);
    }

    [Fact]
    public async Task WideningPermissions_Alone_OpenNoRpc()
    {
        var ofA = await CreateSettledAsync(A);

        await RpcErrors.ExpectAsync(StatusCode.PermissionDenied,
            () => V.PayoutClient("only-widening").GetPayoutAsync(new GetPayoutRequest { PayoutId = ofA.PayoutId }).ResponseAsync);
        var watch = V.PayoutClient("only-widening").WatchPayout(new WatchPayoutRequest { PayoutId = ofA.PayoutId });
        await RpcErrors.ExpectAsync(StatusCode.PermissionDenied, () => watch.ResponseStream.MoveNext(CancellationToken.None));
    }

    [Fact]
    public async Task WatchPayout_OfAnotherCaller_IsNotFound_ButWatchAllStreamsIt()
    {
        var ofA = await CreateSettledAsync(A);

        using (var call = V.PayoutClient(B).WatchPayout(new WatchPayoutRequest { PayoutId = ofA.PayoutId }))
        {
            var ex = await RpcErrors.ExpectAsync(StatusCode.NotFound, () => call.ResponseStream.MoveNext(CancellationToken.None));
            Assert.Contains("does not exist", ex.Status.Detail, StringComparison.Ordinal);
        }
        Assert.Empty(await AuditRows.ForAsync(V.ConnectionString, AuditActions.PayoutWatch, B, ofA.PayoutId));
        Assert.NotEmpty(await AuditRows.ForAsync(V.ConnectionString, AuditActions.RequestFailed, B, "/payoutvault.v1.PayoutService/WatchPayout"));

        var expected = await SeqsAsync("e.payout_id = @p", ("p", ofA.PayoutId));
        await using (var own = StreamRecorder.WatchOne(V.PayoutClient(A), ofA.PayoutId))
        {
            await own.WaitForCompletionAsync();
            StreamTestKit.AssertSameCursors(expected, own.Cursors, own.Name);
        }
        await using (var all = StreamRecorder.WatchOne(V.PayoutClient(Overseer), ofA.PayoutId))
        {
            await all.WaitForCompletionAsync();
            StreamTestKit.AssertSameCursors(expected, all.Cursors, all.Name);
        }
        Assert.Single(await AuditRows.ForAsync(V.ConnectionString, AuditActions.PayoutWatch, Overseer, ofA.PayoutId));
    }

    [Fact]
    public async Task WatchPayouts_EachSubscriberSeesOnlyItsOwnEvents_WatchAllSeesEveryone_AndResumingStaysExact()
    {
        // History before the subscriptions (served from the database: the live window holds 4 events) ...
        var before = new[] { await CreateSettledAsync(A), await CreateSettledAsync(B), await CreateSettledAsync(A) };
        await using var ofA = StreamRecorder.Watch(V.PayoutClient(A), name: "A from 0");
        await using var ofB = StreamRecorder.Watch(V.PayoutClient(B), name: "B from 0");
        await using var all = StreamRecorder.Watch(V.PayoutClient(Overseer), name: "overseer from 0");
        // ... and live events after them, interleaved.
        var after = new[] { await CreateSettledAsync(B), await CreateSettledAsync(A), await CreateSettledAsync(B) };
        Assert.Equal(6, before.Concat(after).Select(p => p.PayoutId).Distinct().Count());

        var expectedA = await SeqsAsync("p.caller = @c", ("c", A));
        var expectedB = await SeqsAsync("p.caller = @c", ("c", B));
        var expectedAll = await SeqsAsync(null);
        await all.WaitForCursorAsync(expectedAll[^1]);
        await ofA.WaitForCursorAsync(expectedA[^1]);
        await ofB.WaitForCursorAsync(expectedB[^1]);

        StreamTestKit.AssertSameCursors(expectedA, ofA.Cursors, ofA.Name);
        StreamTestKit.AssertSameCursors(expectedB, ofB.Cursors, ofB.Name);
        StreamTestKit.AssertSameCursors(expectedAll, all.Cursors, all.Name);
        Assert.Empty(expectedA.Intersect(expectedB));
        StreamTestKit.AssertMatchesLog(ofB.Events, await StreamTestKit.EventRowsAsync(V.ConnectionString));

        // Resuming from a cursor B received continues with exactly B's later events, none of A's.
        var resumeFrom = ofB.Cursors[ofB.Count / 2];
        await using var resumed = StreamRecorder.Watch(V.PayoutClient(B), resumeFrom, name: $"B from {resumeFrom}");
        await resumed.WaitForCursorAsync(expectedB[^1]);
        StreamTestKit.AssertSameCursors(expectedB.Where(s => s > resumeFrom).ToList(), resumed.Cursors, resumed.Name);

        // Naming A's payout in a filter does not reach it either: B gets its own payout's events only.
        var mixed = StreamTestKit.Filter([before[0].PayoutId, after[0].PayoutId]);
        await using var filtered = StreamRecorder.Watch(V.PayoutClient(B), filter: mixed, name: "B filtered on A's and B's ids");
        var expectedFiltered = await SeqsAsync("e.payout_id = @p", ("p", after[0].PayoutId));
        await filtered.WaitForCursorAsync(expectedFiltered[^1]);
        StreamTestKit.AssertSameCursors(expectedFiltered, filtered.Cursors, filtered.Name);

        var subscriptions = await AuditRows.ForAsync(V.ConnectionString, AuditActions.PayoutWatch, Overseer);
        Assert.Contains(subscriptions, r => r.Outcome == "subscribed" && r.Detail == "from 0, every caller");
        Assert.Contains(await AuditRows.ForAsync(V.ConnectionString, AuditActions.PayoutWatch, B),
            r => r.Outcome == "subscribed" && r.Detail == "from 0");
    }

    /// <summary>Sealed event positions, joined with their payout's owner (p.caller), in order.</summary>
    private async Task<List<long>> SeqsAsync(string? where, params (string Name, object? Value)[] parameters)
    {
        await Db.WaitSealedAsync(V.ConnectionString, "payout_events");
        await using var conn = new Npgsql.NpgsqlConnection(V.ConnectionString);
        await conn.OpenAsync();
        await using var cmd = new Npgsql.NpgsqlCommand(
            "SELECT e.seq FROM payout_events e JOIN payouts p ON p.payout_id = e.payout_id WHERE e.seq IS NOT NULL"
            + (where is null ? "" : " AND " + where) + " ORDER BY e.seq", conn);
        foreach (var (name, value) in parameters) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        var seqs = new List<long>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) seqs.Add(r.GetInt64(0));
        return seqs;
    }
}
