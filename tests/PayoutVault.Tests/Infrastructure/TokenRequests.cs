using Google.Protobuf;
using PayoutVault.Contracts.V1;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>Builders for TokenService requests.</summary>
public static class TokenRequests
{
    /// <summary>An expiry comfortably in the future.</summary>
    public static CardExpiry FutureExpiry(int month = 12) => new() { Month = month, Year = DateTime.UtcNow.Year + 3 };

    public static TokenizeRequest Tokenize(string digits, CardExpiry? expiry = null) =>
        Tokenize(TestCards.Ascii(digits), expiry);

    public static TokenizeRequest Tokenize(byte[] pan, CardExpiry? expiry = null)
    {
        var request = new TokenizeRequest { Pan = ByteString.CopyFrom(pan) };
        if (expiry is not null) request.Expiry = expiry;
        return request;
    }

    public static async Task<TokenizeResponse> TokenizeAsync(this TokenService.TokenServiceClient client, string digits,
        CardExpiry? expiry = null) =>
        await client.TokenizeAsync(Tokenize(digits, expiry));
}
