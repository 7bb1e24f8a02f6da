namespace PayoutVault.Core.Tokens;

/// <summary>Card number rules: ASCII digits only, 12 to 19 of them, Luhn check digit valid.</summary>
public static class PanValidator
{
    public const int MinLength = 12;
    public const int MaxLength = 19;

    /// <summary>Returns null when valid, else a description that never repeats the input.</summary>
    public static string? Validate(ReadOnlySpan<byte> pan)
    {
        if (pan.IsEmpty) return "pan is required";
        foreach (var b in pan)
            if (b is < (byte)'0' or > (byte)'9') return "pan must contain ASCII digits only, without spaces or separators";
        if (pan.Length is < MinLength or > MaxLength) return $"pan must be {MinLength} to {MaxLength} digits long";
        if (!PassesLuhn(pan)) return "pan fails the Luhn check";
        if (IsDegenerate(pan)) return "pan is not a card number (a placeholder digit pattern)";
        return null;
    }

    /// <summary>
    /// Digit patterns that pass Luhn but are placeholders, not issued card numbers: one digit repeated ("000...0"),
    /// a counting sequence ("1234567890..." up or down), or an issuer number of all zeros (no IIN is 000000).
    /// Stored, they would sit beside real cards as noise and dedupe every careless caller onto one token.
    /// </summary>
    public static bool IsDegenerate(ReadOnlySpan<byte> pan)
    {
        if (pan.Length < 2) return false;
        bool same = true, up = true, down = true;
        for (var i = 1; i < pan.Length; i++)
        {
            var step = (pan[i] - pan[i - 1] + 10) % 10;
            same &= step == 0;
            up &= step == 1;
            down &= step == 9;
        }
        return same || up || down || (pan.Length >= 6 && pan[..6].IndexOfAnyExcept((byte)'0') < 0);
    }

    public static bool PassesLuhn(ReadOnlySpan<byte> digits)
    {
        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (d is < 0 or > 9) return false;
            if (doubleIt)
            {
                d *= 2;
                if (d > 9) d -= 9;
            }
            sum += d;
            doubleIt = !doubleIt;
        }
        return sum % 10 == 0;
    }
}
