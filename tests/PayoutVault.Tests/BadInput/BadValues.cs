using System.Text;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.BadInput;

/// <summary>
/// The generators the bad-input suite draws from: hostile text of every kind, card numbers in many written shapes,
/// and malformed ids. Only published test card numbers are used (compliance/test-pans.txt).
/// </summary>
public static class BadValues
{
    /// <summary>The card numbers put into free-text fields.</summary>
    public static readonly IReadOnlyList<string> Pans = [TestCards.Visa, TestCards.Visa2, TestCards.Mastercard];

    /// <summary>How people and programs write a card number into text: (shape name, rewrite of the digits).</summary>
    public static readonly IReadOnlyList<(string Shape, Func<string, string> Write)> PanShapes =
    [
        ("plain", p => p),
        ("dashes", p => Grouped(p, "-")),
        ("spaces", p => Grouped(p, " ")),
        ("double spaces", p => Grouped(p, "  ")),
        ("dots", p => Grouped(p, ".")),
        ("slashes", p => Grouped(p, "/")),
        ("underscores", p => Grouped(p, "_")),
        ("colons", p => Grouped(p, ":")),
        ("tabs", p => Grouped(p, "\t")),
        ("zero-width spaces", p => Grouped(p, "\u200B")),
        ("mixed separators", p => p[..4] + "-" + p[4..8] + " " + p[8..12] + "." + p[12..]),
        ("after a label", p => "order:" + p),
        ("inside a sentence", p => "card " + p + " paid"),
        ("fullwidth digits", p => Script(p, '\uFF10')),
        ("arabic-indic digits", p => Script(p, '\u0660')),
        ("devanagari digits", p => Script(p, '\u0966')),
    ];

    /// <summary>Every card number in every shape: (case name, text).</summary>
    public static IEnumerable<(string Name, string Text)> PanTexts(int shapes = int.MaxValue) =>
        from pan in Pans
        from shape in PanShapes.Take(shapes)
        select ($"card ending {pan[^4..]} written {shape.Shape}", shape.Write(pan));

    /// <summary>Shapes made only of the characters an identifier pattern allows (letters, digits, . _ : -).</summary>
    public static IEnumerable<(string Name, string Text)> PanTextsInIdentifierCharacters() =>
        from pan in Pans
        from shape in PanShapes.Where(s => s.Shape is "plain" or "dashes" or "dots" or "underscores" or "colons" or "after a label")
        select ($"card ending {pan[^4..]} written {shape.Shape}", shape.Write(pan));

    /// <summary>Text that no printable-text field accepts: (case name, text).</summary>
    public static readonly IReadOnlyList<(string Name, string Text)> ControlText =
    [
        ("NUL inside", "ab\0cd"),
        ("NUL only", "\0"),
        ("C0 control and ANSI escape", "ab\u0001\u001b[31mcd"),
        ("line break", "ab\ncd"),
        ("carriage return", "ab\rcd"),
        ("DEL", "ab\u007fcd"),
        ("C1 control", "ab\u0085cd"),
        ("right-to-left override", "ab\u202Ecd"),
        ("zero-width joiner", "ab\u200Dcd"),
        ("byte order mark", "\uFEFFabcd"),
        ("private use", "ab\uE000cd"),
    ];

    /// <summary>Printable but foreign to an identifier: (case name, text).</summary>
    public static readonly IReadOnlyList<(string Name, string Text)> ForeignToIdentifiers =
    [
        ("blank", "   "),
        ("space inside", "a b"),
        ("slash", "a/b"),
        ("cyrillic letters", "ключ"),
        ("emoji", "\U0001F4B3\U0001F4B3"),
        ("sql", "' OR 1=1 --"),
        ("json", "{\"a\":1}"),
        ("format string", "%s%n%x"),
        ("path traversal", "../../etc/passwd"),
        ("html", "<script>x</script>"),
    ];

    /// <summary>Malformed values for a "prefix + 26 base32" id (tok_, pay_): (case name, text).</summary>
    public static IEnumerable<(string Name, string Text)> MalformedIds(string prefix, string otherPrefix)
    {
        var body = new string('a', 26);
        yield return ("empty", "");
        yield return ("prefix only", prefix);
        yield return ("one character short", prefix + body[..25]);
        yield return ("one character long", prefix + body + "a");
        yield return ("upper case", prefix.ToUpperInvariant() + body.ToUpperInvariant());
        yield return ("other prefix", otherPrefix + body);
        yield return ("no prefix", body + "abcd");
        yield return ("digits outside base32", prefix + "0189" + body[4..]);
        yield return ("padding", prefix + body[..24] + "==");
        yield return ("leading space", " " + prefix + body[1..]);
        yield return ("trailing newline", prefix + body[1..] + "\n");
        yield return ("NUL inside", prefix + body[..12] + "\0" + body[13..]);
        yield return ("fullwidth letters", prefix + new string('\uFF41', 26));
        yield return ("very long", prefix + new string('a', 4000));
        yield return ("card number alone", TestCards.Visa);
        // Well-formed by length and alphabet (2-7 are base32 digits), but the body holds a card number: an id that
        // is quoted in answers, logs and audit records must not carry one.
        yield return ("card number in a well-formed body", prefix + TestCards.Visa + body[..10]);
        yield return ("card number at the end of a well-formed body", prefix + body[..10] + "4242424242424242");
        yield return ("grouped card number in the body", prefix + "4242-4242-4242-4242" + body[..7]);
    }

    /// <summary>A well-formed id of letters only: it can never look like a card number, and nothing has it.</summary>
    public static string UnknownId(string prefix) => prefix + WebhookTestKit.RandomLetters(26);

    public static string Grouped(string pan, string separator) =>
        string.Join(separator, pan.Chunk(4).Select(c => new string(c)));

    /// <summary>The digits written in another script whose zero is <paramref name="zero"/>.</summary>
    public static string Script(string digits, char zero) =>
        new(digits.Select(d => char.IsAsciiDigit(d) ? (char)(zero + (d - '0')) : d).ToArray());

    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
