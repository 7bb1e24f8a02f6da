using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Payouts;

/// <summary>
/// Invariant 1 for payouts: after successful, rejected, failed, lost, slow and HTTP 500 payouts and refused bad
/// requests (some carrying card numbers in the wrong field), no card number appears in the vault's logs, in any
/// RPC error or GetPayout response, or in any table.
/// </summary>
public sealed class PayoutNoCardDataTests(PayoutNoCardDataTests.Fixture fixture) : IClassFixture<PayoutNoCardDataTests.Fixture>
{
    private static readonly string[] Cards = [TestCards.Visa, TestCards.Visa2, TestCards.Mastercard, TestCards.Mir];

    public sealed class Fixture : PayoutEnvironmentFixture
    {
        public List<RpcException> Errors { get; } = [];
        public List<Payout> Responses { get; } = [];

        public override async Task InitializeAsync()
        {
            await base.InitializeAsync();
            var tokens = new List<string>();
            foreach (var pan in Cards) tokens.Add(await Env.TokenizeAsync(pan));

            var ids = new List<string>();
            string[] scenarios = ["success", "reject:insufficient_funds", "fail:declined_by_issuer_bank", "drop", "slow", "http500", "out_of_order"];
            for (var i = 0; i < scenarios.Length; i++)
            {
                var payout = await Env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request(tokens[i % tokens.Count], scenario: scenarios[i]));
                Responses.Add(payout);
                ids.Add(payout.PayoutId);
            }

            // Refused requests, several with a card number where none belongs.
            var bad = new List<CreatePayoutRequest>();
            var panAsToken = PayoutEnvironment.Request(TestCards.Visa);
            bad.Add(panAsToken);
            var panInMetadata = PayoutEnvironment.Request(tokens[0]);
            panInMetadata.Metadata["note"] = TestCards.Visa2;
            bad.Add(panInMetadata);
            var groupedPan = PayoutEnvironment.Request(tokens[0]);
            groupedPan.Metadata["note"] = "4111 1111 1111 1111";
            bad.Add(groupedPan);
            var panAsName = PayoutEnvironment.Request(tokens[0]);
            panAsName.Recipient = new Recipient { FullName = TestCards.Mastercard };
            bad.Add(panAsName);
            var panAsKey = PayoutEnvironment.Request(tokens[0], key: TestCards.Mir);
            panAsKey.AmountMinor = 0;
            bad.Add(panAsKey);
            foreach (var request in bad)
                Errors.Add(await Assert.ThrowsAsync<RpcException>(() => Env.Payouts.CreatePayoutAsync(request).ResponseAsync));
            Errors.Add(await Assert.ThrowsAsync<RpcException>(
                () => Env.Payouts.GetPayoutAsync(new GetPayoutRequest { PayoutId = TestCards.Visa }).ResponseAsync));
            Errors.Add(await Assert.ThrowsAsync<RpcException>(
                () => Env.Payouts.CreatePayoutAsync(PayoutEnvironment.Request("tok_" + new string('q', 26))).ResponseAsync));

            // Let every payout settle (the HTTP 500 one stays unknown: wait for the reconciler's resends instead).
            var http500 = ids[Array.IndexOf(scenarios, "http500")];
            foreach (var id in ids.Where(id => id != http500))
                await Env.WaitForAsync(id, p => p.State is PayoutState.Succeeded or PayoutState.Failed);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while ((await Env.Sandbox.InitPayoutRequestsAsync(http500)).Count < 2 && DateTime.UtcNow < deadline)
                await Task.Delay(100);
            foreach (var id in ids)
                Responses.Add(await Env.Payouts.GetPayoutAsync(new GetPayoutRequest { PayoutId = id }));
        }
    }

    private PayoutEnvironment Env => fixture.Env;

    private static void AssertNoCardData(string text, string what)
    {
        foreach (var pan in Cards)
            Assert.False(CardDataScanner.ContainsPanDigits(text, pan), $"{what} holds digits of the card ending {pan[^4..]}");
        var runs = CardDataScanner.FindLuhnRuns(text);
        Assert.True(runs.Count == 0, $"{what} holds {runs.Count} Luhn-valid 12-19 digit run(s)");
    }

    [Fact]
    public void TheFlows_CoveredEveryOutcome()
    {
        var states = fixture.Responses.Select(p => p.State).ToHashSet();
        Assert.Superset(new HashSet<PayoutState> { PayoutState.Succeeded, PayoutState.Failed, PayoutState.Unknown }, states);
        Assert.Contains(fixture.Responses, p => p.ErrorCode == "insufficient_funds");
        Assert.Contains(fixture.Responses, p => p.ErrorCode == "declined_by_issuer_bank");
        Assert.Equal(7, fixture.Errors.Count);
        Assert.All(fixture.Errors.Take(5), e => Assert.Equal(StatusCode.InvalidArgument, e.StatusCode));
    }

    [Fact]
    public void VaultLogs_HoldNoCardNumber()
    {
        var logs = Env.Vault.Logs.AllText(includeTraceIds: false);
        Assert.Contains("pay_", logs, StringComparison.Ordinal); // the payouts were logged, by id
        AssertNoCardData(logs, "the vault logs");
    }

    [Fact]
    public void RpcErrors_AndGetPayoutResponses_HoldNoCardNumber()
    {
        foreach (var e in fixture.Errors) AssertNoCardData(e.Describe(), $"the {e.StatusCode} error");
        foreach (var p in fixture.Responses)
        {
            AssertNoCardData(p.ToString(), "a payout response");
            Assert.Equal(4, p.Card.Last4.Length);
            Assert.Equal(6, p.Card.Bin.Length);
        }
    }

    [Fact]
    public async Task EveryTable_HoldsNoCardNumber()
    {
        var clear = await Db.DumpAllAsync(Env.Vault.ConnectionString, includeBinary: false);
        var all = await Db.DumpAllAsync(Env.Vault.ConnectionString);

        Assert.Contains("payouts:", clear, StringComparison.Ordinal);
        Assert.Contains("webhook_deliveries:", clear, StringComparison.Ordinal);
        AssertNoCardData(clear, "the clear columns");
        foreach (var pan in Cards)
            Assert.False(CardDataScanner.ContainsPanDigits(all, pan), $"the all-columns dump holds digits of the card ending {pan[^4..]}");
    }

    [Fact]
    public async Task PgDump_HoldsNoCardNumber()
    {
        var dump = await PgDump.DumpAsync(Env.Vault.Database);

        Assert.Contains("COPY public.payouts", dump, StringComparison.Ordinal);
        foreach (var pan in Cards)
            Assert.False(CardDataScanner.ContainsPanDigits(dump, pan), $"pg_dump holds digits of the card ending {pan[^4..]}");
    }
}
