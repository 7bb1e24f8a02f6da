using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Tokens;

public sealed class TokenizeDedupeTests : VaultTestBase
{
    [Fact]
    public async Task Tokenize_SamePanTwice_ReturnsSameToken_CreatedThenNotCreated()
    {
        var first = await Server.Tokens.TokenizeAsync(TestCards.Visa, TokenRequests.FutureExpiry());
        var second = await Server.Tokens.TokenizeAsync(TestCards.Visa, TokenRequests.FutureExpiry());

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(first.Card.Token, second.Card.Token);
        Assert.Equal(1, await Db.CountAsync(Server.ConnectionString, "cards"));
    }

    [Fact]
    public async Task Tokenize_SameNewPanFiftyTimesConcurrently_ReturnsOneToken_AndStoresExactlyOneRow()
    {
        using var start = new ManualResetEventSlim(false);
        var calls = Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            return await Server.Tokens.TokenizeAsync(TestCards.Mastercard);
        })).ToArray();
        start.Set();
        var responses = await Task.WhenAll(calls);

        Assert.Single(responses.Select(r => r.Card.Token).Distinct());
        Assert.Equal(1, responses.Count(r => r.Created));
        Assert.Equal(1, await Db.CountAsync(Server.ConnectionString, "cards"));
    }

    [Fact]
    public async Task Tokenize_DifferentPans_ReturnDifferentTokens()
    {
        var tokens = new List<string>();
        foreach (var pan in TestCards.All)
        {
            var response = await Server.Tokens.TokenizeAsync(pan);
            Assert.True(response.Created);
            tokens.Add(response.Card.Token);
        }

        Assert.Equal(TestCards.All.Count, tokens.Distinct().Count());
        Assert.Equal(TestCards.All.Count, await Db.CountAsync(Server.ConnectionString, "cards"));
    }
}
