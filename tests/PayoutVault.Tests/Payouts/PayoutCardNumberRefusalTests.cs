using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Payouts;

/// <summary>
/// Issue 9, item 2: a card number in any free-text field of CreatePayout, however it is written, is refused with
/// INVALID_ARGUMENT naming the field and never the value; nothing is stored, streamed, logged or sent to the bank.
/// Every field goes through the one shared detector (its own property tests live with it).
/// </summary>
public sealed class PayoutCardNumberRefusalTests(PayoutCardNumberRefusalTests.Fixture fixture)
    : IClassFixture<PayoutCardNumberRefusalTests.Fixture>
{
    public sealed class Fixture : PayoutEnvironmentFixture
    {
        public string Token { get; private set; } = "";

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            Token = await Env.TokenizeAsync(TestCards.Visa);
        }
    }

    private PayoutEnvironment Env => fixture.Env;

    /// <summary>One published test PAN (4111111111111111) written the ways the outside test used.</summary>
    private static readonly Dictionary<string, string> Shapes = new()
    {
        ["bare"] = "4111111111111111",
        ["prefixed dashes"] = "order:4111-1111-1111-1111",
        ["double spaces"] = "4111  1111  1111  1111",
        ["dots"] = "4111.1111.1111.1111",
        ["slashes"] = "4111/1111/1111/1111",
        ["underscores"] = "4111_1111_1111_1111",
        ["fullwidth digits"] = "４１１１１１１１１１１１１１１１",
    };

    /// <summary>Where the value goes, and the field the refusal must name (metadata keys are refused as "metadata",
    /// so the key itself is never quoted back).</summary>
    private static readonly Dictionary<string, (Action<CreatePayoutRequest, string> Put, string Field)> Places = new()
    {
        ["idempotency_key"] = ((r, v) => r.IdempotencyKey = v, "idempotency_key"),
        ["metadata key"] = ((r, v) => r.Metadata[v] = "x", "metadata"),
        ["metadata value"] = ((r, v) => r.Metadata["note"] = v, "metadata[note]"),
        ["recipient full_name"] = ((r, v) => r.Recipient = new Recipient { FullName = "Ivanov " + v }, "recipient.full_name"),
    };

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var place in Places.Keys)
            foreach (var shape in Shapes.Keys) data.Add(place, shape);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task CreatePayout_CardNumberInAFreeTextField_IsRefused_AndLeavesNoTrace(string place, string shape)
    {
        var value = Shapes[shape];
        var (put, field) = Places[place];
        var request = PayoutEnvironment.Request(fixture.Token);
        put(request, value);
        var before = await SnapshotAsync();

        var ex = await RpcErrors.ExpectAsync(StatusCode.InvalidArgument, () => Env.Payouts.CreatePayoutAsync(request).ResponseAsync);

        Assert.Equal([field], ex.ViolatedFields().Distinct());
        var reply = ex.Describe();
        Assert.DoesNotContain(value, reply, StringComparison.Ordinal);
        Assert.False(CardDataScanner.ContainsPanDigits(reply, TestCards.Visa2), "the reply holds card digits: " + reply);
        Assert.Equal(before, await SnapshotAsync());
        var logs = Env.Vault.Logs.AllText(includeTraceIds: false);
        Assert.DoesNotContain(value, logs, StringComparison.Ordinal);
        Assert.False(CardDataScanner.ContainsPanDigits(logs, TestCards.Visa2), "the log holds card digits");
    }

    [Fact]
    public async Task CreatePayout_OrdinaryReferences_AreStillAccepted()
    {
        // The detector is wide, but ordinary references pass: short numbers, dates, ids with letters.
        var request = PayoutEnvironment.Request(fixture.Token, key: PayoutEnvironment.NewKey("order-2024-000123:"));
        request.Metadata["order_id"] = "A-2024-000123";
        request.Metadata["placed"] = "2024-01-15T10:30:00Z";
        request.Metadata["note"] = "second payout of 3, ref 12345";

        var payout = await Env.Payouts.CreatePayoutAsync(request);

        Assert.StartsWith("pay_", payout.PayoutId, StringComparison.Ordinal);
    }

    private async Task<(long Payouts, long Events, int SentToBank)> SnapshotAsync() =>
        (await Db.CountAsync(Env.Vault.ConnectionString, "payouts"),
         await Db.CountAsync(Env.Vault.ConnectionString, "payout_events"),
         (await Env.Sandbox.InitPayoutRequestsAsync()).Count);
}
