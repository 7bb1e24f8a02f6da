namespace PayoutVault.Core.Tokens;

/// <summary>Brand from the leading digits (IIN ranges), good enough for display; the bank decides routing.</summary>
public static class CardBrand
{
    public static string Detect(ReadOnlySpan<byte> pan)
    {
        var p2 = Prefix(pan, 2);
        var p4 = Prefix(pan, 4);
        var p6 = Prefix(pan, 6);
        if (p4 is >= 2200 and <= 2204) return "mir";
        if (pan[0] == '4') return "visa";
        if (p2 is >= 51 and <= 55 || p6 is >= 222100 and <= 272099) return "mastercard";
        if (p2 is 34 or 37) return "amex";
        if (p4 == 6011 || p2 == 65 || p6 is >= 644000 and <= 649999) return "discover";
        if (p4 is >= 3528 and <= 3589) return "jcb";
        if (p2 == 62) return "unionpay";
        if (p2 is 36 or 38 or 39 || p4 is >= 3000 and <= 3059) return "diners";
        if (p2 is 50 or (>= 56 and <= 69)) return "maestro";
        return "unknown";
    }

    private static int Prefix(ReadOnlySpan<byte> digits, int n)
    {
        var value = 0;
        for (var i = 0; i < n; i++) value = value * 10 + (digits[i] - '0');
        return value;
    }
}
