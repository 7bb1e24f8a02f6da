using System.Text;
using PayoutVault.Bank131;
using PayoutVault.Core.Tokens;

namespace PayoutVault.UnitTests.CardData;

/// <summary>The card-number rules: 12 to 19 ASCII digits, Luhn, placeholders refused, card numbers found in text.</summary>
public sealed class CardNumberRuleTests
{
    [Theory]
    [InlineData("4242424242424242")]
    [InlineData("4111111111111111")]
    [InlineData("5555555555554444")]
    public void Published_test_cards_are_valid(string pan) =>
        Assert.Null(PanValidator.Validate(Encoding.ASCII.GetBytes(pan)));

    [Theory]
    [InlineData("", "pan is required")]
    [InlineData("4242 4242 4242 4242", "pan must contain ASCII digits only, without spaces or separators")]
    [InlineData("42424242424", "pan must be 12 to 19 digits long")]
    [InlineData("42424242424242424242", "pan must be 12 to 19 digits long")]
    [InlineData("4242424242424241", "pan fails the Luhn check")]
    [InlineData("0000000000000000", "pan is not a card number (a placeholder digit pattern)")]
    public void Invalid_numbers_are_refused_without_repeating_them(string pan, string expected)
    {
        var problem = PanValidator.Validate(Encoding.ASCII.GetBytes(pan));
        Assert.Equal(expected, problem);
        if (pan.Length > 0) Assert.DoesNotContain(pan, problem!, StringComparison.Ordinal);
    }

    [Fact]
    public void Luhn_rejects_non_digits() =>
        Assert.False(PanValidator.PassesLuhn("42424242424242a2"u8));

    [Theory]
    [InlineData("card 4242424242424242 declined", true)]
    [InlineData("card 4242-4242-4242-4242 declined", true)]
    [InlineData("order 4242424242424241", false)]
    [InlineData("no digits here", false)]
    [InlineData(null, false)]
    public void The_detector_finds_luhn_valid_card_numbers_in_text(string? text, bool expected) =>
        Assert.Equal(expected, CardNumberDetector.ContainsCardNumber(text));

    [Fact]
    public void Masking_leaves_no_card_number_in_text()
    {
        var masked = CardNumberMasking.Mask("bank said: card 4111111111111111 is blocked");
        Assert.NotNull(masked);
        Assert.DoesNotContain("4111111111111111", masked, StringComparison.Ordinal);
        Assert.False(CardNumberDetector.ContainsCardNumber(masked));
        Assert.StartsWith("bank said: card ", masked, StringComparison.Ordinal);
    }
}
