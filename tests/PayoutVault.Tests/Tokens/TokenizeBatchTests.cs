using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Tokens;

/// <summary>
/// TokenizeBatch against a real vault and PostgreSQL: one result per card in order, validation per card like
/// Tokenize, dedupe inside the call and against the vault, the bounds, the group-committed writes and the audit trail.
/// </summary>
public sealed class TokenizeBatchTests : VaultTestBase
{
    protected override VaultServerOptions Options => new()
    {
        // Small call bound, so the test of it stays small.
        Settings = new Dictionary<string, string> { ["Vault:TokenizeBatch:MaxItemsPerCall"] = "1500" },
    };

    [Fact]
    public async Task TokenizeBatch_AnswersEveryCardInOrder_RejectsBadOnesAlone_AndRepeatsTheFirstTokenForDuplicates()
    {
        var expiry = TokenRequests.FutureExpiry(7);
        var result = await Server.Tokens.RunAsync(
            BatchCalls.Message(
                TokenRequests.Tokenize(TestCards.Visa),
                TokenRequests.Tokenize(TestCards.Mastercard, expiry),
                TokenRequests.Tokenize(TestCards.LuhnInvalid),
                TokenRequests.Tokenize(TestCards.Visa),
                TokenRequests.Tokenize(TestCards.Amex, new CardExpiry { Month = 13, Year = expiry.Year })),
            BatchCalls.Message(TestCards.Mastercard, TestCards.Mir));

        Assert.Null(result.Failure);
        Assert.Equal(2, result.Responses.Count);
        Assert.Equal([5, 2], result.Responses.Select(r => r.Results.Count));
        var r = result.Results;
        Assert.Equal(Enumerable.Range(0, 7).Select(i => (long)i), r.Select(x => x.Index));

        Assert.Equal("424242", r[0].Tokenized.Card.Bin);
        Assert.Equal("4242", r[0].Tokenized.Card.Last4);
        Assert.Equal("visa", r[0].Tokenized.Card.Brand);
        Assert.True(r[0].Tokenized.Created);
        Assert.Equal(7, r[1].Tokenized.Card.Expiry.Month);
        Assert.Equal("mastercard", r[1].Tokenized.Card.Brand);

        Assert.Equal(TokenizeBatchResult.OutcomeOneofCase.Error, r[2].OutcomeCase);
        Assert.Equal((int)StatusCode.InvalidArgument, r[2].Error.Code);
        Assert.Equal(["pan"], r[2].Error.Violations.Select(v => v.Field));
        Assert.Equal("pan fails the Luhn check", r[2].Error.Violations[0].Description);

        Assert.Equal(0, r[3].DuplicateOf);
        Assert.Equal(r[0].Tokenized.Card.Token, r[3].Tokenized.Card.Token);
        Assert.False(r[3].Tokenized.Created);

        Assert.Equal(["expiry.month"], r[4].Error.Violations.Select(v => v.Field));

        // Repeated across messages of the same call.
        Assert.Equal(1, r[5].DuplicateOf);
        Assert.Equal(r[1].Tokenized.Card.Token, r[5].Tokenized.Card.Token);
        Assert.True(r[6].Tokenized.Created);
        Assert.False(r[6].HasDuplicateOf);

        Assert.Equal(3, await Db.CountAsync(Server.ConnectionString, "cards"));
        foreach (var text in r.Select(x => x.ToString()))
            Assert.Null(BadInput.CardDigits.Leak(text));
    }

    [Fact]
    public async Task TokenizeBatch_CardTheVaultHolds_ReturnsItsToken_NotCreated()
    {
        var before = await Server.Tokens.TokenizeAsync(TestCards.Visa2);

        var result = await Server.Tokens.RunAsync(BatchCalls.Message(TestCards.Visa2, TestCards.Discover));

        Assert.Null(result.Failure);
        Assert.Equal(before.Card.Token, result.Results[0].Tokenized.Card.Token);
        Assert.False(result.Results[0].Tokenized.Created);
        Assert.False(result.Results[0].HasDuplicateOf);
        Assert.True(result.Results[1].Tokenized.Created);
        Assert.Equal(2, await Db.CountAsync(Server.ConnectionString, "cards"));
    }

    [Fact]
    public async Task TokenizeBatch_AuditsEveryStoredCardWithItsIndex_AndTheCallOnce()
    {
        var result = await Server.Tokens.RunAsync(BatchCalls.Message(TestCards.Visa, TestCards.LuhnInvalid, TestCards.Visa, TestCards.Amex));
        Assert.Null(result.Failure);

        var perCard = await AuditRows.ForAsync(Server.ConnectionString, AuditActions.Tokenize);
        Assert.Equal(["batch item 0", "batch item 3"], perCard.Select(a => a.Detail).Order(StringComparer.Ordinal));
        Assert.All(perCard, a => Assert.Equal("created", a.Outcome));
        Assert.Equal(
            [result.Results[0].Tokenized.Card.Token, result.Results[3].Tokenized.Card.Token],
            perCard.OrderBy(a => a.Detail, StringComparer.Ordinal).Select(a => a.ObjectId));

        var call = Assert.Single(await AuditRows.ForAsync(Server.ConnectionString, AuditActions.TokenizeBatch));
        Assert.Equal("completed", call.Outcome);
        Assert.Equal("4 cards: 2 created, 0 existing, 1 repeated in the call, 1 rejected", call.Detail);
        Assert.Equal(perCard[0].RequestId, call.RequestId);
        Assert.Empty(await AuditRows.ForAsync(Server.ConnectionString, AuditActions.RequestFailed));
    }

    [Fact]
    public async Task TokenizeBatch_AThousandCards_ShareAFewTransactions()
    {
        var cards = SyntheticPans(1000);
        var result = await Server.Tokens.RunAsync(BatchCalls.Message(cards));

        Assert.Null(result.Failure);
        Assert.Equal(1000, result.Results.Count(r => r.Tokenized?.Created == true));
        Assert.Equal(1000, await Db.CountAsync(Server.ConnectionString, "cards"));
        // Every transaction of the writer stamps its audit records with one time: distinct times are transactions.
        var transactions = await Db.ScalarAsync<long>(Server.ConnectionString,
            "SELECT count(DISTINCT occurred_at) FROM audit_log WHERE action = @a", ("a", AuditActions.Tokenize));
        Assert.InRange(transactions, 1, 40);
    }

    [Fact]
    public async Task TokenizeBatch_MessageOverTheLimit_IsRefusedWhole_AfterEarlierMessagesAreAnswered()
    {
        var tooMany = BatchCalls.Message(Enumerable.Repeat(TestCards.Visa2, 1001).ToArray());
        var result = await Server.Tokens.RunAsync(BatchCalls.Message(TestCards.Visa), tooMany, BatchCalls.Message(TestCards.Amex));

        Assert.NotNull(result.Failure);
        Assert.Equal(StatusCode.InvalidArgument, result.Failure.StatusCode);
        Assert.Equal(["items"], result.Failure.ViolatedFields());
        Assert.Single(result.Results);
        Assert.True(result.Results[0].Tokenized.Created);
        Assert.Equal(1, await Db.CountAsync(Server.ConnectionString, "cards"));
        var call = Assert.Single(await AuditRows.ForAsync(Server.ConnectionString, AuditActions.TokenizeBatch));
        Assert.Equal("failed", call.Outcome);
        Assert.Single(await AuditRows.ForAsync(Server.ConnectionString, AuditActions.RequestFailed));
    }

    [Fact]
    public async Task TokenizeBatch_CallOverItsCardLimit_IsRefusedAtTheMessageThatCrossesIt()
    {
        var result = await Server.Tokens.RunAsync(
            BatchCalls.Message(SyntheticPans(1000)), BatchCalls.Message(SyntheticPans(499)), BatchCalls.Message(SyntheticPans(2)));

        Assert.Equal(StatusCode.InvalidArgument, result.Failure?.StatusCode);
        Assert.Equal(1499, result.Results.Count);
        Assert.Equal(1499, await Db.CountAsync(Server.ConnectionString, "cards"));
    }

    [Fact]
    public async Task TokenizeBatch_EmptyMessageOrNoCardAtAll_IsInvalidArgument_AndStoresNothing()
    {
        var empty = await Server.Tokens.RunAsync(new TokenizeBatchRequest());
        var none = await Server.Tokens.RunAsync();

        Assert.Equal(StatusCode.InvalidArgument, empty.Failure?.StatusCode);
        Assert.Equal(["items"], empty.Failure!.ViolatedFields());
        Assert.Equal(StatusCode.InvalidArgument, none.Failure?.StatusCode);
        Assert.Equal(0, await Db.CountAsync(Server.ConnectionString, "cards"));
        Assert.Empty(await AuditRows.ForAsync(Server.ConnectionString, AuditActions.TokenizeBatch));
    }

    /// <summary>Luhn-valid numbers with major industry identifier 9 (never a payment card), distinct per call.</summary>
    internal static string[] SyntheticPans(int count)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (seen.Count < count) seen.Add(Rotation.SyntheticCards.Next());
        return seen.ToArray();
    }
}

/// <summary>TokenizeBatch for a caller without tokens.outcome: the same card-presence rule as Tokenize.</summary>
public sealed class TokenizeBatchOutcomeVisibilityTests
{
    [Fact]
    public async Task TokenizeBatch_CallerWithoutTokensOutcome_NeverLearnsWhetherTheVaultHeldTheCard()
    {
        await using var vault = await CertVault.StartAsync();
        var collector = vault.Tokens("card-collector");
        await collector.TokenizeAsync(TestCards.Visa, TokenRequests.FutureExpiry());

        var result = await collector.RunAsync(BatchCalls.Message(TestCards.Visa, TestCards.Mastercard, TestCards.Mastercard));

        Assert.Null(result.Failure);
        Assert.All(result.Results, r =>
        {
            Assert.False(r.Tokenized.Created);
            Assert.Null(r.Tokenized.Card.CreatedAt);
            Assert.Null(r.Tokenized.Card.Expiry);
        });
        Assert.Equal(1, result.Results[2].DuplicateOf);
    }
}
