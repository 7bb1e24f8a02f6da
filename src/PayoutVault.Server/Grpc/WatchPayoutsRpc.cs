using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Errors;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;
using PayoutVault.Core.Streaming;
using PayoutVault.Core.Telemetry;
using PayoutVault.Server.Telemetry;
using PayoutVault.Core.Payouts;

namespace PayoutVault.Server.Grpc;

/// <summary>The two server streams of PayoutService.</summary>
public sealed partial class PayoutGrpcService
{
    [RequiresPermission(Permissions.PayoutsWatch)]
    public override async Task WatchPayouts(WatchPayoutsRequest request, IServerStreamWriter<PayoutEvent> stream,
        ServerCallContext context)
    {
        // Without payouts.watch_all a subscriber sees only its own payouts' events; others' are skipped over silently
        // (the cursor still advances past them), so resuming from any cursor received stays gap-free for what it sees.
        var scope = OwnerScope.Of(context, Permissions.PayoutsWatchAll);
        var filter = ValidateWatch(request) with { Owner = scope.Owner };
        await context.GetHttpContext().RequestServices.GetRequiredService<AuditLog>().AppendAsync(
            AuditContext.From(context).Entry(AuditActions.PayoutWatch, null, "subscribed",
                scope.Owner is null ? $"from {request.FromCursor}, every caller" : $"from {request.FromCursor}"),
            context.CancellationToken);
        var subscription = context.GetHttpContext().RequestServices.GetRequiredService<PayoutSubscription>();
        using var ct = Stopping(context);
        // No span per delivery here: a firehose fans every event out to every subscriber, and a span each (with its
        // redaction pass) cost more than the delivery itself. The replica's feed records one vault.stream.publish
        // span per event instead, when the event becomes available to all of its subscribers.
        await RunAsync(subscription, request.FromCursor, filter, stream, stopAtTerminal: false, traceDeliveries: false,
            ct.Token, ApplicationStopping(context));
    }

    [RequiresPermission(Permissions.PayoutsWatch)]
    public override async Task WatchPayout(WatchPayoutRequest request, IServerStreamWriter<PayoutEvent> stream,
        ServerCallContext context)
    {
        // INVALID_ARGUMENT / NOT_FOUND first; audited as a watch of that payout.
        // Another caller's payout is NOT_FOUND without payouts.watch_all, exactly like a missing one.
        var scope = OwnerScope.Of(context, Permissions.PayoutsWatchAll);
        await payouts.GetAsync(request.PayoutId, AuditContext.From(context), AuditActions.PayoutWatch, scope, context.CancellationToken);
        var subscription = context.GetHttpContext().RequestServices.GetRequiredService<PayoutSubscription>();
        var filter = new PayoutEventFilter(new HashSet<string> { request.PayoutId }, new HashSet<string>()) { Owner = scope.Owner };
        using var ct = Stopping(context);
        // A watch of one payout is part of that payout's story: each delivery is a span of its trace.
        await RunAsync(subscription, 0, filter, stream, stopAtTerminal: true, traceDeliveries: true, ct.Token,
            ApplicationStopping(context));
    }

    private static async Task RunAsync(PayoutSubscription subscription, long from, PayoutEventFilter filter,
        IServerStreamWriter<PayoutEvent> stream, bool stopAtTerminal, bool traceDeliveries, CancellationToken ct,
        CancellationToken stopping)
    {
        VaultTelemetry.StreamSubscribers.Add(1);
        try
        {
            await subscription.RunAsync(from, filter, async e =>
            {
                if (traceDeliveries)
                {
                    // In the payout's trace, linked to this subscriber's call: when the event reached this stream.
                    using var span = PayoutTrace.Start("vault.stream.event", e.TraceParent, System.Diagnostics.ActivityKind.Producer);
                    span?.SetTag("vault.payout_id", e.PayoutId).SetTag("vault.event.cursor", e.Seq)
                        .SetTag("vault.event.kind", e.Kind).SetTag("vault.payout.state", e.State);
                    await stream.WriteAsync(ToProto(e), ct);
                }
                else
                {
                    await stream.WriteAsync(ToProto(e), ct);
                }
                return !(stopAtTerminal && PayoutStates.FromDb(e.State).IsTerminal());
            }, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away: a normal end. A stopping replica ends the stream with UNAVAILABLE instead, so a
            // client can tell "this server is going away, resume from your last cursor elsewhere" from a finished stream.
            if (!stopping.IsCancellationRequested) return;
            throw new RpcException(new Status(StatusCode.Unavailable, "This vault replica is shutting down; resume from your last cursor."));
        }
        finally
        {
            VaultTelemetry.StreamSubscribers.Add(-1);
        }
    }

    /// <summary>Ends streams both when the client cancels and when this replica shuts down.</summary>
    private static CancellationTokenSource Stopping(ServerCallContext context) =>
        CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, ApplicationStopping(context));

    private static CancellationToken ApplicationStopping(ServerCallContext context) =>
        context.GetHttpContext().RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;

    private static PayoutEventFilter ValidateWatch(WatchPayoutsRequest request)
    {
        var v = new Violations();
        if (request.FromCursor < 0) v.Add("from_cursor", "from_cursor must be 0 or a cursor received earlier");
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var states = new HashSet<string>(StringComparer.Ordinal);
        if (request.Filter is { } f)
        {
            if (f.PayoutIds.Count > 1000) v.Add("filter.payout_ids", "at most 1000 payout ids");
            foreach (var id in f.PayoutIds)
                if (PayoutOperations.IsValidPayoutId(id)) ids.Add(id);
                else v.Add("filter.payout_ids", "payout ids must be pay_ followed by 26 base32 characters");
            foreach (var s in f.States)
                if (PayoutStates.FromProto(s) is { } state) states.Add(state.ToDb());
                else v.Add("filter.states", "states must be named payout states");
        }
        v.ThrowIfAny();
        return new PayoutEventFilter(ids, states);
    }

    internal static PayoutEvent ToProto(PayoutEventRecord e)
    {
        var proto = new PayoutEvent
        {
            Cursor = e.Seq,
            PayoutId = e.PayoutId,
            State = PayoutStates.FromDb(e.State).ToProto(),
            Kind = e.Kind,
            StateChanged = e.StateChanged,
            BankSessionId = e.BankSessionId ?? "",
            ErrorCode = e.ErrorCode ?? "",
            AmountMinor = e.AmountMinor,
            Currency = e.Currency,
            OccurredAt = Timestamp.FromDateTime(e.OccurredAt),
        };
        foreach (var (k, value) in e.Metadata) proto.Metadata[k] = value;
        return proto;
    }
}
