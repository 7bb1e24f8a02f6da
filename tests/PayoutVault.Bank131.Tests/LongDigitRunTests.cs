namespace PayoutVault.Bank131.Tests;

/// <summary>The bank-field card-number detector: every way of writing twelve digits is found, ordinary values are not.</summary>
public sealed class LongDigitRunTests
{
    [Theory]
    [InlineData("4242424242424242")]
    [InlineData("ps_4242424242424242")]
    [InlineData("4242 4242 4242 4242")]
    [InlineData("4242  4242\t4242 4242")]
    [InlineData("4242-4242-4242-4242")]
    [InlineData("4242.4242.4242.4242")]
    [InlineData("4242/4242/4242/4242")]
    [InlineData("4242_4242_4242_4242")]
    [InlineData("4242\u200B4242\u200B4242\u200B4242")]
    [InlineData("4242\u20134242\u20144242\u20104242")] // en dash, em dash, hyphen
    [InlineData("\uFF14\uFF12\uFF14\uFF12\uFF14\uFF12\uFF14\uFF12\uFF14\uFF12\uFF14\uFF12")] // fullwidth
    [InlineData("\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662\u0664\u0662")] // Arabic-Indic
    [InlineData("123456789012")]
    public void Finds_twelve_or_more_digits_however_they_are_separated(string text)
    {
        Assert.True(LongDigitRun.Contains(text));
        var masked = LongDigitRun.Mask("card " + text + " end")!;
        Assert.Matches("^card (ps_)?\\[masked\\] end$", masked);
        Assert.False(LongDigitRun.Contains(masked));
    }

    [Theory]
    [InlineData("ps_1694821")]
    [InlineData("po_12345678901")] // eleven digits
    [InlineData("2026-03-02T10:11:12Z")]
    [InlineData("12345 abc 678901")]
    [InlineData("card_number_does_not_exist")]
    [InlineData("")]
    public void Leaves_ordinary_values_alone(string text)
    {
        Assert.False(LongDigitRun.Contains(text));
        Assert.Equal(text, LongDigitRun.Mask(text));
    }

    [Fact]
    public void Masks_every_run_and_keeps_the_text_between()
    {
        Assert.Equal("a [masked] b [masked] c 12", LongDigitRun.Mask("a 4111111111111111 b 5555-5555-5555-4444 c 12"));
    }

    [Fact]
    public void What_the_shared_card_number_detector_finds_counts_too()
    {
        const string colons = "4242:4242:4242:4242"; // ':' is not one of this detector's separators
        Assert.True(LongDigitRun.Contains(colons));
        Assert.Equal(LongDigitRun.MaskText, LongDigitRun.Mask("card " + colons));
    }

    [Theory]
    [InlineData("a\0b", false)]
    [InlineData("a\u001bb", false)]
    [InlineData("a\u202eb", false)]
    [InlineData("a\u0085b", false)]
    [InlineData("line\nbreak", true)]
    public void Control_characters_are_found(string text, bool harmlessWhenLineBreaksAllowed)
    {
        Assert.True(LongDigitRun.HasControl(text));
        Assert.Equal(!harmlessWhenLineBreaksAllowed, LongDigitRun.HasControl(text, allowLineBreaks: true));
    }
}
