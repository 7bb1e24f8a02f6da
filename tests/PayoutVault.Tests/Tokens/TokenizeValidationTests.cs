using System.Text;
using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Tokens;

/// <summary>Invariant 8: bad input gets INVALID_ARGUMENT naming the field, and nothing is stored.</summary>
public sealed class TokenizeValidationTests(VaultServerFixture fixture) : IClassFixture<VaultServerFixture>
{
    private VaultServer Server => fixture.Server;

    private sealed record Case(byte[] Pan, CardExpiry? Expiry, string[] Fields);

    private static readonly int NextYear = DateTime.UtcNow.Year + 1;

    private static CardExpiry LastMonth()
    {
        var now = DateTime.UtcNow;
        return now.Month == 1 ? new CardExpiry { Month = 12, Year = now.Year - 1 } : new CardExpiry { Month = now.Month - 1, Year = now.Year };
    }

    private static string Grouped(string digits, char separator) =>
        string.Join(separator, Enumerable.Range(0, digits.Length / 4).Select(i => digits.Substring(i * 4, 4)));

    /// <summary>The test card written with other Unicode decimal digits (0 maps to <paramref name="zero"/>).</summary>
    private static byte[] OtherDigits(string digits, char zero) =>
        Encoding.UTF8.GetBytes(digits.Select(c => (char)(zero + (c - '0'))).ToArray());

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["empty pan"] = new([], null, ["pan"]),
        ["empty pan with valid expiry"] = new([], TokenRequests.FutureExpiry(), ["pan"]),
        ["letters"] = new(TestCards.Ascii("abcdefghijklmnop"), null, ["pan"]),
        ["digits with a letter"] = new(TestCards.Ascii(TestCards.Visa[..15] + "x"), null, ["pan"]),
        ["spaces between groups"] = new(TestCards.Ascii(Grouped(TestCards.Visa, ' ')), null, ["pan"]),
        ["dashes between groups"] = new(TestCards.Ascii(Grouped(TestCards.Visa, '-')), null, ["pan"]),
        ["leading space"] = new(TestCards.Ascii(" " + TestCards.Visa), null, ["pan"]),
        ["11 digits"] = new(TestCards.Ascii(TestCards.Visa[..11]), null, ["pan"]),
        ["20 digits"] = new(TestCards.Ascii(TestCards.Visa + "4242"), null, ["pan"]),
        ["luhn invalid"] = new(TestCards.Ascii(TestCards.LuhnInvalid), null, ["pan"]),
        ["arabic-indic digits"] = new(OtherDigits(TestCards.Visa, '\u0660'), null, ["pan"]),
        ["fullwidth digits"] = new(OtherDigits(TestCards.Visa, '\uFF10'), null, ["pan"]),
        ["nul byte"] = new([.. TestCards.Ascii(TestCards.Visa), 0], null, ["pan"]),
        ["month 0"] = new(TestCards.Ascii(TestCards.Visa), new CardExpiry { Month = 0, Year = NextYear }, ["expiry.month"]),
        ["month 13"] = new(TestCards.Ascii(TestCards.Visa), new CardExpiry { Month = 13, Year = NextYear }, ["expiry.month"]),
        ["negative month"] = new(TestCards.Ascii(TestCards.Visa), new CardExpiry { Month = -1, Year = NextYear }, ["expiry.month"]),
        ["two-digit year"] = new(TestCards.Ascii(TestCards.Visa), new CardExpiry { Month = 12, Year = NextYear % 100 }, ["expiry.year"]),
        ["expired last month"] = new(TestCards.Ascii(TestCards.Visa), LastMonth(), ["expiry"]),
        ["expired last year"] = new(TestCards.Ascii(TestCards.Visa), new CardExpiry { Month = 12, Year = DateTime.UtcNow.Year - 1 }, ["expiry"]),
        ["year only"] = new(TestCards.Ascii(TestCards.Visa), new CardExpiry { Year = NextYear }, ["expiry.month"]),
        ["month only"] = new(TestCards.Ascii(TestCards.Visa), new CardExpiry { Month = 6 }, ["expiry.year"]),
        ["empty expiry message"] = new(TestCards.Ascii(TestCards.Visa), new CardExpiry(), ["expiry.month", "expiry.year"]),
        ["bad pan and bad expiry"] = new(TestCards.Ascii(TestCards.LuhnInvalid), new CardExpiry { Month = 13, Year = NextYear }, ["pan", "expiry.month"]),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task Tokenize_InvalidInput_IsRejectedWithInvalidArgumentNamingTheField_AndStoresNothing(string name)
    {
        var c = Cases[name];

        var ex = await RpcErrors.ExpectAsync(StatusCode.InvalidArgument,
            () => Server.Tokens.TokenizeAsync(TokenRequests.Tokenize(c.Pan, c.Expiry)).ResponseAsync);

        Assert.Equal(c.Fields.Order(StringComparer.Ordinal), ex.ViolatedFields().Order(StringComparer.Ordinal));
        Assert.All(ex.FieldViolations(), v => Assert.False(string.IsNullOrWhiteSpace(v.Description)));
        var seen = ex.Describe();
        foreach (var pan in TestCards.All.Append(TestCards.LuhnInvalid))
            Assert.False(CardDataScanner.ContainsPanDigits(seen, pan), "the error repeats card digits: " + seen);
        Assert.Equal(0, await Db.CountAsync(Server.ConnectionString, "cards"));
    }
}
