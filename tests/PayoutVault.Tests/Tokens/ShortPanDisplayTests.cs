using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Tokens;

/// <summary>
/// Issue 9, item 11: the display rule follows the card number's length (compliance/tokenization-design.md). Under
/// 15 digits the vault shows and stores the last 4 only, never the BIN; from 15 digits up, BIN and last 4. And
/// placeholder digit patterns that happen to pass Luhn are refused, not tokenized.
/// </summary>
public sealed class ShortPanDisplayTests(VaultServerFixture fixture) : IClassFixture<VaultServerFixture>
{
    private VaultServer Server => fixture.Server;

    /// <summary>Published 13- and 14-digit test numbers, and a 12-digit one made here (no 12-digit test card is
    /// published).</summary>
    public static TheoryData<string> ShortPans() => ["4222222222222", "36227206271667", WithCheckDigit("50000000123")];

    [Theory]
    [MemberData(nameof(ShortPans))]
    public async Task Tokenize_CardNumberUnder15Digits_ShowsAndStoresOnlyTheLast4(string pan)
    {
        var card = (await Server.Tokens.TokenizeAsync(pan)).Card;

        Assert.Equal("", card.Bin);
        Assert.Equal(pan[^4..], card.Last4);
        var read = await Server.Tokens.GetTokenAsync(new GetTokenRequest { Token = card.Token });
        Assert.Equal(("", pan[^4..]), (read.Bin, read.Last4));
        Assert.Equal("", await Db.ScalarAsync<string>(Server.ConnectionString, "SELECT bin FROM cards WHERE token = @t", ("t", card.Token)));
    }

    [Theory]
    [InlineData("378282246310005")]  // 15 digits
    [InlineData("4242424242424242")] // 16
    public async Task Tokenize_CardNumberOf15DigitsOrMore_ShowsBinAndLast4(string pan)
    {
        var card = (await Server.Tokens.TokenizeAsync(pan)).Card;
        Assert.Equal((pan[..6], pan[^4..]), (card.Bin, card.Last4));
    }

    /// <summary>Luhn-valid placeholders, built here with their check digit.</summary>
    public static TheoryData<string> Placeholders() =>
    [
        new string('0', 12), new string('0', 16), new string('0', 19),
        WithCheckDigit("00000012345678"),                  // issuer number 000000
        Sequence(start: 4, step: 1, 12), Sequence(start: 3, step: 1, 19), Sequence(start: 3, step: 9, 16),
        Repeat(6, 13), Repeat(8, 16), Repeat(4, 17),
    ];

    [Theory]
    [MemberData(nameof(Placeholders))]
    public async Task Tokenize_PlaceholderDigitPattern_IsRefused_AndStoresNothing(string pan)
    {
        Assert.True(CardDataScanner.PassesLuhn(pan), "the placeholder must pass Luhn, or the test proves nothing");
        var before = await Db.CountAsync(Server.ConnectionString, "cards");

        var ex = await RpcErrors.ExpectAsync(StatusCode.InvalidArgument, () => Server.Tokens.TokenizeAsync(pan));

        Assert.Equal(["pan"], ex.ViolatedFields());
        Assert.DoesNotContain(pan, ex.Describe(), StringComparison.Ordinal);
        Assert.Equal(before, await Db.CountAsync(Server.ConnectionString, "cards"));
    }

    [Fact]
    public async Task CardStoredBeforeTheRule_LosesItsBin_AtTheNextKeyRotation()
    {
        // A fresh vault of its own: the rotation moves every card, and the shared one must stay as the other tests see it.
        await using var vault = await VaultServer.StartAsync(new VaultServerOptions { Settings = Rotation.RotationKit.Settings() });
        var pan = "4222222222222";
        var token = (await vault.Tokens.TokenizeAsync(pan)).Card.Token;
        // As a row written before migration 008 would be: BIN and last 4 of a 13-digit number.
        await Db.ExecuteAsync(vault.ConnectionString, "UPDATE cards SET bin = @b WHERE token = @t", ("b", pan[..6]), ("t", token));

        var started = await Rotation.RotationKit.Keys(vault).RotateDataKeyAsync(new RotateKeyRequest());
        await Rotation.RotationKit.WaitForCompleteAsync(vault, "data", started.NewVersion);

        var read = await vault.Tokens.GetTokenAsync(new GetTokenRequest { Token = token });
        Assert.Equal(("", pan[^4..]), (read.Bin, read.Last4));
    }

    private static string WithCheckDigit(string body)
    {
        for (var check = '0'; check <= '9'; check++)
            if (CardDataScanner.PassesLuhn(body + check)) return body + check;
        throw new InvalidOperationException("unreachable");
    }

    /// <summary>A counting sequence: step 1 counts up, step 9 counts down (mod 10).</summary>
    private static string Sequence(int start, int step, int length) =>
        new(Enumerable.Range(0, length).Select(i => (char)('0' + (start + i * step) % 10)).ToArray());

    private static string Repeat(int digit, int length) => new((char)('0' + digit), length);
}
