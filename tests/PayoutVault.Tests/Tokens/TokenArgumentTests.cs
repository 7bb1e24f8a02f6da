using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Tokens;

/// <summary>Malformed tokens are rejected before any lookup, on every RPC that takes one.</summary>
public sealed class TokenArgumentTests(VaultServerFixture fixture) : IClassFixture<VaultServerFixture>
{
    private VaultServer Server => fixture.Server;

    public static TheoryData<string> MalformedTokens => new(
        "", "tok_", "tok_abc", "TOK_" + new string('a', 26), "tok_" + new string('A', 26),
        "tok_" + new string('a', 25), "tok_" + new string('a', 27), "tok_" + new string('a', 25) + "1",
        "tok_" + new string('a', 25) + "8", "tok_" + new string('a', 25) + "'", " tok_" + new string('a', 26),
        TestCards.Visa,
        // The right length and alphabet (2-7 are base32 digits), but a card number inside: quoted back in the
        // NOT_FOUND text and the audit record, it would leak, so it is malformed.
        "tok_" + TestCards.Visa + new string('a', 10), "tok_" + new string('a', 10) + TestCards.Visa);

    [Theory]
    [MemberData(nameof(MalformedTokens))]
    public async Task GetToken_And_DeleteToken_MalformedToken_AreInvalidArgumentNamingToken(string token)
    {
        var get = await RpcErrors.ExpectAsync(StatusCode.InvalidArgument,
            () => Server.Tokens.GetTokenAsync(new GetTokenRequest { Token = token }).ResponseAsync);
        Assert.Equal(["token"], get.ViolatedFields());

        var delete = await RpcErrors.ExpectAsync(StatusCode.InvalidArgument,
            () => Server.Tokens.DeleteTokenAsync(new DeleteTokenRequest { Token = token }).ResponseAsync);
        Assert.Equal(["token"], delete.ViolatedFields());
        Assert.False(CardDataScanner.ContainsPanDigits(get.Describe() + delete.Describe(), TestCards.Visa));
    }
}
