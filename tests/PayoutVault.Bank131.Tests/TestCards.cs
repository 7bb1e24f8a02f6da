using System.Text;

namespace PayoutVault.Bank131.Tests;

/// <summary>The only card numbers these tests use, and a check that none of them leaked into a text.</summary>
internal static class TestCards
{
    public const string Visa = "4242424242424242";
    public const string Visa2 = "4111111111111111";
    public const string Mastercard = "5555555555554444";
    public const string Mir = "2200000000000004";

    public static readonly string[] All = [Visa, Visa2, Mastercard, Mir];

    public static byte[] Bytes(string pan) => Encoding.ASCII.GetBytes(pan);

    public static void AssertNoPan(string? text)
    {
        if (text is null)
        {
            return;
        }

        foreach (var pan in All)
        {
            Assert.DoesNotContain(pan, text, StringComparison.Ordinal);
            // Also the grouped forms a human-readable message would use.
            var groups = string.Join(' ', pan.Chunk(4).Select(c => new string(c)));
            Assert.DoesNotContain(groups, text, StringComparison.Ordinal);
            Assert.DoesNotContain(groups.Replace(' ', '-'), text, StringComparison.Ordinal);
        }
    }
}
