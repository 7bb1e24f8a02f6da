using System.Text;
using System.Text.RegularExpressions;
using PayoutVault.Core.Tokens;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Tokens;

public sealed partial class TokenizeRoundTripTests : VaultTestBase
{
    [GeneratedRegex("^tok_[a-z2-7]{26}$")]
    private static partial Regex TokenPattern();

    [Fact]
    public async Task Tokenize_ValidPanWithExpiry_ReturnsTokenAndDisplayData_AndStoredCiphertextDecryptsToTheSameDigits()
    {
        var expiry = TokenRequests.FutureExpiry(month: 7);

        var response = await Server.Tokens.TokenizeAsync(TestCards.Visa, expiry);

        Assert.True(response.Created);
        var card = response.Card;
        Assert.Matches(TokenPattern(), card.Token);
        Assert.Equal("424242", card.Bin);
        Assert.Equal("4242", card.Last4);
        Assert.Equal("visa", card.Brand);
        Assert.Equal(expiry.Month, card.Expiry.Month);
        Assert.Equal(expiry.Year, card.Expiry.Year);
        Assert.NotNull(card.CreatedAt);
        Assert.InRange(card.CreatedAt.ToDateTime(), DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(5));
        Assert.Null(card.LastUsedAt);

        var vault = Server.GetRequiredService<TokenVault>();
        var (record, pan) = await vault.OpenAsync(card.Token, CancellationToken.None);
        using (pan)
        {
            Assert.Equal(TestCards.Visa, Encoding.ASCII.GetString(pan.Span));
        }
        Assert.Equal(card.Token, record.Token);
        Assert.Equal("424242", record.Bin);
        Assert.Equal("4242", record.Last4);
        Assert.Equal(expiry.Month, record.ExpMonth);
        Assert.Equal(expiry.Year, record.ExpYear);
    }

    [Fact]
    public async Task Tokenize_WithoutExpiry_ReturnsNoExpiry()
    {
        var response = await Server.Tokens.TokenizeAsync(TestCards.Mastercard);

        Assert.Null(response.Card.Expiry);
        var stored = await Server.Tokens.GetTokenAsync(new() { Token = response.Card.Token });
        Assert.Null(stored.Expiry);
    }

    [Fact]
    public async Task Tokenize_EveryTestCard_RoundTripsWithItsBrandBinAndLast4()
    {
        var expected = new (string Pan, string Brand)[]
        {
            (TestCards.Visa, "visa"), (TestCards.Visa2, "visa"), (TestCards.Mastercard, "mastercard"),
            (TestCards.Mir, "mir"), (TestCards.VisaDebit, "visa"), (TestCards.Amex, "amex"),
            (TestCards.Discover, "discover"),
        };
        var vault = Server.GetRequiredService<TokenVault>();
        foreach (var (digits, brand) in expected)
        {
            var card = (await Server.Tokens.TokenizeAsync(digits, TokenRequests.FutureExpiry())).Card;
            Assert.Equal(brand, card.Brand);
            Assert.Equal(digits[..6], card.Bin);
            Assert.Equal(digits[^4..], card.Last4);

            var (_, pan) = await vault.OpenAsync(card.Token, CancellationToken.None);
            using (pan) Assert.Equal(digits, Encoding.ASCII.GetString(pan.Span));
        }
        Assert.Equal(expected.Length, await Db.CountAsync(Server.ConnectionString, "cards"));
    }
}
