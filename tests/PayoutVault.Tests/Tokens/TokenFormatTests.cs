using System.Text.RegularExpressions;
using PayoutVault.Core.Tokens;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Tokens;

public sealed partial class TokenFormatTests
{
    [GeneratedRegex("^tok_[a-z2-7]{26}$")]
    private static partial Regex TokenPattern();

    [Fact]
    public void NewToken_TenThousandTokens_AreUniqueWellFormedAndCannotPassForACardNumber()
    {
        var tokens = Enumerable.Range(0, 10_000).Select(_ => TokenFormat.NewToken()).ToArray();

        Assert.Equal(tokens.Length, tokens.Distinct(StringComparer.Ordinal).Count());
        foreach (var token in tokens)
        {
            Assert.Matches(TokenPattern(), token);
            Assert.True(TokenFormat.IsValid(token));
            var body = token[4..];
            Assert.Contains(body, char.IsAsciiLetter);
            Assert.NotNull(PanValidator.Validate(TestCards.Ascii(token)));
            Assert.Empty(CardDataScanner.FindLuhnRuns(token));
            var digitsOnly = new string(token.Where(char.IsAsciiDigit).ToArray());
            Assert.DoesNotContain(digitsOnly, TestCards.All);
        }
        // 128 random bits spread over 26 characters: every position takes many values.
        for (var i = 4; i < 30; i++)
            Assert.True(tokens.Select(t => t[i]).Distinct().Count() > (i == 4 ? 2 : 16), $"position {i} looks non-random");
    }

    [Fact]
    public void NewToken_IsNotDerivedFromAnything_TwoCallsDiffer()
    {
        Assert.NotEqual(TokenFormat.NewToken(), TokenFormat.NewToken());
    }
}
