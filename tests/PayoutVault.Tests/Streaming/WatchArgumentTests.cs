using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Streaming;

/// <summary>Bad stream requests fail before any event is sent, with the precise status and the field at fault.</summary>
public sealed class WatchArgumentTests(WebhookEnvironmentFixture fx) : IClassFixture<WebhookEnvironmentFixture>
{
    private PayoutService.PayoutServiceClient Client => fx.Env.Payouts;

    /// <summary>Reads the stream until it fails; a stream that yields an event or ends cleanly fails the test.</summary>
    private static async Task<RpcException> ExpectStreamErrorAsync(StatusCode code, AsyncServerStreamingCall<PayoutEvent> call)
    {
        using (call)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            return await RpcErrors.ExpectAsync(code, async () =>
            {
                if (await call.ResponseStream.MoveNext(timeout.Token))
                    throw new Xunit.Sdk.XunitException($"expected {code}, got an event (cursor {call.ResponseStream.Current.Cursor})");
            });
        }
    }

    private AsyncServerStreamingCall<PayoutEvent> Watch(long from, PayoutFilter? filter = null)
    {
        var request = new WatchPayoutsRequest { FromCursor = from };
        if (filter is not null) request.Filter = filter;
        return Client.WatchPayouts(request);
    }

    [Theory]
    [InlineData(-1L)]
    [InlineData(-1000L)]
    public async Task NegativeFromCursor_IsInvalidArgument(long from)
    {
        var ex = await ExpectStreamErrorAsync(StatusCode.InvalidArgument, Watch(from));
        Assert.Equal(["from_cursor"], ex.ViolatedFields());
    }

    [Theory]
    [InlineData("")]
    [InlineData("pay_")]
    [InlineData("pay_ABCDEFGHIJKLMNOPQRSTUVWXYZ")]
    [InlineData("pay_abcdefghijklmnopqrstuvwxy1")]
    [InlineData("tok_abcdefghijklmnopqrstuvwxyz")]
    [InlineData("pay_abcdefghijklmnopqrstuvwxyz' OR '1'='1")]
    public async Task MalformedPayoutIdInFilter_IsInvalidArgument(string id)
    {
        var filter = StreamTestKit.Filter([WebhookTestKit.UnknownPayoutId(), id]);
        var ex = await ExpectStreamErrorAsync(StatusCode.InvalidArgument, Watch(0, filter));
        Assert.Contains("filter.payout_ids", ex.ViolatedFields());
    }

    [Fact]
    public async Task UnspecifiedOrUnnamedStateInFilter_IsInvalidArgument()
    {
        var unspecified = await ExpectStreamErrorAsync(StatusCode.InvalidArgument,
            Watch(0, StreamTestKit.Filter(states: [PayoutState.Succeeded, PayoutState.Unspecified])));
        Assert.Equal(["filter.states"], unspecified.ViolatedFields());

        var unnamed = await ExpectStreamErrorAsync(StatusCode.InvalidArgument,
            Watch(0, StreamTestKit.Filter(states: [(PayoutState)99])));
        Assert.Equal(["filter.states"], unnamed.ViolatedFields());
    }

    [Fact]
    public async Task EveryViolationIsReported_Together()
    {
        var ex = await ExpectStreamErrorAsync(StatusCode.InvalidArgument,
            Watch(-5, StreamTestKit.Filter(["nope"], [PayoutState.Unspecified])));
        Assert.Equal(["filter.payout_ids", "filter.states", "from_cursor"], ex.ViolatedFields().Order());
    }

    [Fact]
    public async Task TooManyPayoutIdsInFilter_IsInvalidArgument()
    {
        var ids = Enumerable.Range(0, 1001).Select(_ => WebhookTestKit.UnknownPayoutId());
        var ex = await ExpectStreamErrorAsync(StatusCode.InvalidArgument, Watch(0, StreamTestKit.Filter(ids)));
        Assert.Contains("filter.payout_ids", ex.ViolatedFields());
    }

    [Fact]
    public async Task WatchPayout_UnknownId_IsNotFound()
    {
        await ExpectStreamErrorAsync(StatusCode.NotFound,
            Client.WatchPayout(new WatchPayoutRequest { PayoutId = WebhookTestKit.UnknownPayoutId() }));
    }

    [Theory]
    [InlineData("")]
    [InlineData("pay_short")]
    [InlineData("PAY_abcdefghijklmnopqrstuvwxyz")]
    public async Task WatchPayout_MalformedId_IsInvalidArgument(string id)
    {
        var ex = await ExpectStreamErrorAsync(StatusCode.InvalidArgument,
            Client.WatchPayout(new WatchPayoutRequest { PayoutId = id }));
        Assert.Equal(["payout_id"], ex.ViolatedFields());
    }

    [Fact]
    public async Task ValidRequests_StillWork_AfterBadOnes()
    {
        var payout = await fx.CreatePayoutAsync();
        await using var watch = StreamRecorder.Watch(Client, 0, StreamTestKit.Filter([payout.PayoutId]));
        await watch.WaitForCountAsync(3);
        Assert.All(watch.Events, e => Assert.Equal(payout.PayoutId, e.PayoutId));
    }
}
