using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Tokens;

/// <summary>TokenizeBatch bounds that could not work refuse start-up, naming the section.</summary>
public sealed class TokenizeBatchOptionsTests
{
    [Theory]
    [InlineData("Vault:TokenizeBatch:MaxItemsPerMessage", "0")]
    [InlineData("Vault:TokenizeBatch:MaxItemsPerCall", "10")]
    [InlineData("Vault:TokenizeBatch:MessagesInFlight", "0")]
    public async Task Start_WithUnusableBatchBound_IsRefused(string setting, string value)
    {
        var e = await VaultServer.StartExpectingFailureAsync(new VaultServerOptions
        {
            Settings = new Dictionary<string, string> { [setting] = value },
        });

        Assert.Contains("Vault:TokenizeBatch", e.ToString(), StringComparison.Ordinal);
    }
}
