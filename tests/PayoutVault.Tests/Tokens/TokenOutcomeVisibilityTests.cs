using PayoutVault.Contracts.V1;
using PayoutVault.Core.Audit;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Tokens;

/// <summary>One mutual-TLS vault with callers on both sides of tokens.outcome.</summary>
public sealed class TokenOutcomeVisibilityFixture : IAsyncLifetime
{
    private CertVault? _vault;

    public CertVault Vault => _vault ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _vault = await CertVault.StartAsync(new Dictionary<string, string[]>
    {
        ["collector"] = [Permissions.TokensWrite, Permissions.TokensRead],
        ["collector-with-outcome"] = [Permissions.TokensWrite, Permissions.TokensRead, Permissions.TokensOutcome],
        ["reader"] = [Permissions.TokensRead],
    });

    public async Task DisposeAsync()
    {
        if (_vault is not null) await _vault.DisposeAsync();
    }
}

/// <summary>
/// Issue 9, item 9: Tokenize must not tell a caller whether the vault already held the card number it submitted,
/// unless the caller holds tokens.outcome (compliance/threat-model.md, Tokenize). Without it, the reply for a card
/// stored a moment ago by someone else is indistinguishable from the reply for a card this call stored.
/// </summary>
public sealed class TokenOutcomeVisibilityTests(TokenOutcomeVisibilityFixture fx) : IClassFixture<TokenOutcomeVisibilityFixture>
{
    private CertVault V => fx.Vault;

    [Fact]
    public async Task WithoutTokensOutcome_NewAndAlreadyStoredCards_GetIdenticalReplies()
    {
        var collector = V.Tokens("collector");

        var first = await collector.TokenizeAsync(TestCards.Visa);   // stores the card
        var second = await collector.TokenizeAsync(TestCards.Visa);  // finds it

        Assert.Equal(first, second);
        Assert.False(first.Created);
        Assert.Null(first.Card.CreatedAt);
        Assert.Null(first.Card.LastUsedAt);
        Assert.Equal((TestCards.Visa[..6], TestCards.Visa[^4..], "visa"), (first.Card.Bin, first.Card.Last4, first.Card.Brand));
        // The vault itself still knows and records what happened.
        var rows = await AuditRows.ForAsync(V.ConnectionString, AuditActions.Tokenize, "collector", first.Card.Token);
        Assert.Equal(2, rows.Count);
    }

    [Fact]
    public async Task WithoutTokensOutcome_AStoredExpiryOrAgeDoesNotBetrayAnEarlierTokenization()
    {
        // Someone allowed to know stores the card with an expiry; a collector without tokens.outcome then submits it.
        var earlier = await V.Tokens("collector-with-outcome").TokenizeAsync(TestCards.Mastercard, TokenRequests.FutureExpiry(month: 3));
        Assert.True(earlier.Created);

        var probe = await V.Tokens("collector").TokenizeAsync(TestCards.Mastercard);
        var looked = await V.Tokens("collector").GetTokenAsync(new GetTokenRequest { Token = probe.Card.Token });

        Assert.Equal(earlier.Card.Token, probe.Card.Token);
        Assert.False(probe.Created);
        Assert.Null(probe.Card.Expiry);
        Assert.Null(probe.Card.CreatedAt);
        Assert.Null(looked.Expiry);
        Assert.Null(looked.CreatedAt);
    }

    [Fact]
    public async Task WithTokensOutcome_TheReplySaysWhetherTheCardWasNew()
    {
        var client = V.Tokens("collector-with-outcome");

        var first = await client.TokenizeAsync(TestCards.Discover);
        var second = await client.TokenizeAsync(TestCards.Discover);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.NotNull(second.Card.CreatedAt);
    }

    [Fact]
    public async Task ReaderWhoCannotSubmitNumbers_SeesTheFullRecord()
    {
        var stored = await V.Tokens("collector-with-outcome").TokenizeAsync(TestCards.Amex, TokenRequests.FutureExpiry(month: 9));

        var read = await V.Tokens("reader").GetTokenAsync(new GetTokenRequest { Token = stored.Card.Token });

        Assert.Equal(9, read.Expiry.Month);
        Assert.NotNull(read.CreatedAt);
    }
}
