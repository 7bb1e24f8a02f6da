using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Errors;
using PayoutVault.Core.Tokens;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Tokens;

public sealed class TokenLifecycleTests : VaultTestBase
{
    [Fact]
    public async Task GetToken_LiveToken_ReturnsMetadataOnly()
    {
        var expiry = TokenRequests.FutureExpiry(month: 3);
        var created = (await Server.Tokens.TokenizeAsync(TestCards.Visa2, expiry)).Card;

        var card = await Server.Tokens.GetTokenAsync(new GetTokenRequest { Token = created.Token });

        Assert.Equal(created, card);
        Assert.Equal("411111", card.Bin);
        Assert.Equal("1111", card.Last4);
        Assert.Equal("visa", card.Brand);
        Assert.Equal(expiry, card.Expiry);
        // The message has no field that could carry the card number, and its encoding does not hold it.
        Assert.Equal(
            ["token", "bin", "last4", "brand", "expiry", "created_at", "last_used_at"],
            CardToken.Descriptor.Fields.InFieldNumberOrder().Select(f => f.Name));
        Assert.False(CardDataScanner.ContainsPanDigits(card.ToString(), TestCards.Visa2));
        Assert.False(CardDataScanner.ContainsPanDigits(
            System.Text.Encoding.Latin1.GetString(Google.Protobuf.MessageExtensions.ToByteArray(card)), TestCards.Visa2));
    }

    [Fact]
    public async Task GetToken_UnknownToken_IsNotFound()
    {
        await Server.Tokens.TokenizeAsync(TestCards.Visa);

        await RpcErrors.ExpectAsync(StatusCode.NotFound,
            () => Server.Tokens.GetTokenAsync(new GetTokenRequest { Token = TokenFormat.NewToken() }).ResponseAsync);
    }

    [Fact]
    public async Task DeleteToken_ThenGetToken_IsNotFound_AndTheRowIsCryptoShredded()
    {
        var token = (await Server.Tokens.TokenizeAsync(TestCards.Amex, TokenRequests.FutureExpiry())).Card.Token;

        var deleted = await Server.Tokens.DeleteTokenAsync(new DeleteTokenRequest { Token = token });

        Assert.Equal(token, deleted.Token);
        Assert.InRange(deleted.DeletedAt.ToDateTime(), DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(5));
        await RpcErrors.ExpectAsync(StatusCode.NotFound,
            () => Server.Tokens.GetTokenAsync(new GetTokenRequest { Token = token }).ResponseAsync);
        Assert.Equal(1, await Db.CountAsync(Server.ConnectionString, "cards",
            "token = @t AND pan_ciphertext IS NULL AND fingerprint IS NULL AND fingerprint_version IS NULL AND data_key_version IS NULL AND deleted_at IS NOT NULL",
            ("t", token)));
        var vault = Server.GetRequiredService<TokenVault>();
        await Assert.ThrowsAsync<NotFoundException>(() => vault.OpenAsync(token, CancellationToken.None));
    }

    [Fact]
    public async Task DeleteToken_Twice_SecondIsNotFound()
    {
        var token = (await Server.Tokens.TokenizeAsync(TestCards.Discover)).Card.Token;
        await Server.Tokens.DeleteTokenAsync(new DeleteTokenRequest { Token = token });

        await RpcErrors.ExpectAsync(StatusCode.NotFound,
            () => Server.Tokens.DeleteTokenAsync(new DeleteTokenRequest { Token = token }).ResponseAsync);
        await RpcErrors.ExpectAsync(StatusCode.NotFound,
            () => Server.Tokens.DeleteTokenAsync(new DeleteTokenRequest { Token = TokenFormat.NewToken() }).ResponseAsync);
    }

    [Fact]
    public async Task DeleteToken_ThenTokenizeSamePan_IssuesANewToken()
    {
        var first = (await Server.Tokens.TokenizeAsync(TestCards.Mir)).Card.Token;
        await Server.Tokens.DeleteTokenAsync(new DeleteTokenRequest { Token = first });

        var again = await Server.Tokens.TokenizeAsync(TestCards.Mir);

        Assert.True(again.Created);
        Assert.NotEqual(first, again.Card.Token);
        await RpcErrors.ExpectAsync(StatusCode.NotFound,
            () => Server.Tokens.GetTokenAsync(new GetTokenRequest { Token = first }).ResponseAsync);
        Assert.Equal(2, await Db.CountAsync(Server.ConnectionString, "cards"));
        Assert.Equal(1, await Db.CountAsync(Server.ConnectionString, "cards", "deleted_at IS NULL"));
    }
}
