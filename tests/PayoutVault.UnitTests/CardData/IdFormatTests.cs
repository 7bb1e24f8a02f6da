using PayoutVault.Core.Tokens;

namespace PayoutVault.UnitTests.CardData;

/// <summary>Ids the vault hands out: a 4-character prefix and 26 lowercase base32 characters, never card-shaped.</summary>
public sealed class IdFormatTests
{
    [Fact]
    public void New_tokens_are_valid_tokens()
    {
        for (var i = 0; i < 1000; i++)
        {
            var token = TokenFormat.NewToken();
            Assert.Equal(30, token.Length);
            Assert.StartsWith(TokenFormat.Prefix, token, StringComparison.Ordinal);
            Assert.True(TokenFormat.IsValid(token));
        }
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("tok_abc")]
    [InlineData("pay_aaaaaaaaaaaaaaaaaaaaaaaaaa")]
    [InlineData("tok_AAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("tok_aaaaaaaaaaaaaaaaaaaaaaaaa1")]
    [InlineData("tok_aa4242424242424242aaaaaaaa")]
    public void Malformed_and_card_carrying_tokens_are_refused(string? token) =>
        Assert.False(TokenFormat.IsValid(token));

    [Fact]
    public void Another_prefix_uses_the_same_shape() =>
        Assert.True(TokenFormat.IsValidId("pay_" + TokenFormat.RandomBase32(26), "pay_"));
}
