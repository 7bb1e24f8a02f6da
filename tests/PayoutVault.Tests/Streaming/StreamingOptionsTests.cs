using Microsoft.Extensions.Options;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Streaming;

/// <summary>
/// Streaming settings that cannot work refuse start-up naming the setting: a catch-up page of zero rows made every
/// subscription spin against the database, and a zero live buffer or poll interval is no better.
/// </summary>
public sealed class StreamingOptionsTests
{
    [Theory]
    [InlineData("Vault:Streaming:CatchUpPageSize", "0")]
    [InlineData("Vault:Streaming:CatchUpPageSize", "-5")]
    [InlineData("Vault:Streaming:LiveBufferSize", "0")]
    [InlineData("Vault:Streaming:PollInterval", "00:00:00")]
    public async Task NonPositiveStreamingSetting_RefusesStart(string key, string value)
    {
        var error = await VaultServer.StartExpectingFailureAsync(new VaultServerOptions
        {
            Settings = new Dictionary<string, string> { [key] = value },
        });

        var refused = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains("Vault:Streaming", refused.Message, StringComparison.Ordinal);
        Assert.Contains(key["Vault:Streaming:".Length..], refused.Message, StringComparison.Ordinal);
    }
}
