using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Tokens;

/// <summary>The leak tests are only as good as the scanner: prove it finds card numbers and ignores look-alikes.</summary>
public sealed class CardDataScannerTests
{
    private static readonly string ZeroId = new('0', 16);

    [Theory]
    [InlineData("card=" + TestCards.Visa2 + ";")]
    [InlineData("pan 4111 1111 1111 1111 end")]
    [InlineData("pan 4111-1111-1111-1111 end")]
    [InlineData(TestCards.Amex)]
    [InlineData("[" + TestCards.Mir + "]")]
    [InlineData("pan=\"" + TestCards.Mastercard + "\",")]
    public void FindLuhnRuns_TextHoldingACardNumber_FindsIt(string text)
    {
        Assert.Single(CardDataScanner.FindLuhnRuns(text));
    }

    [Fact]
    public void FindLuhnRuns_LookAlikes_AreIgnored()
    {
        var text = string.Join(" | ",
            TestCards.LuhnInvalid,                    // fails Luhn
            TestCards.Visa[..11],                     // too short
            TestCards.Visa + "4242",                  // 20 digits: too long
            "2025-11-27 23:03:00.1234567",            // timestamps
            "tok_abcdefghijklmnopqrstuvwxyz",        // tokens
            "bin=424242 last4=4242",                  // display data
            "ParentId=" + ZeroId,                      // zero-padded ids: no card number starts with 0
            "SpanId=a" + TestCards.Visa2 + "f");      // digits glued to hex letters are not a number
        Assert.Empty(CardDataScanner.FindLuhnRuns(text));
    }

    [Fact]
    public void ContainsPanDigits_FindsTheNumberAndMiddleWindows_ButNotBinOrLast4Alone()
    {
        Assert.True(CardDataScanner.ContainsPanDigits("x" + TestCards.Mastercard, TestCards.Mastercard));
        Assert.True(CardDataScanner.ContainsPanDigits("x" + TestCards.Mastercard[3..13] + "y", TestCards.Mastercard));
        Assert.False(CardDataScanner.ContainsPanDigits("bin 555555 last4 4444", TestCards.Mastercard));
        Assert.False(CardDataScanner.ContainsPanDigits("ParentId=" + ZeroId, TestCards.Mir));
        Assert.True(CardDataScanner.ContainsPanDigits("x" + TestCards.Mir[5..], TestCards.Mir));
    }
}
