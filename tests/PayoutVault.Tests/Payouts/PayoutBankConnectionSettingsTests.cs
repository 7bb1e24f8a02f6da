using Microsoft.Extensions.Options;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Payouts;

/// <summary>Vault:Bank131:MaxConnections sizes the warm connection pool to the bank; a pool of none is a mistake
/// caught at start-up, not a vault whose payouts all hang.</summary>
public sealed class PayoutBankConnectionSettingsTests
{
    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    public async Task Start_WithNoConnectionsAllowedToTheBank_IsRefused(string maxConnections)
    {
        using var keys = new BankKeys();
        var settings = PayoutEnvironment.VaultSettings(keys, new Uri("http://127.0.0.1:9"), PayoutEnvironment.FreePort());
        settings["Vault:Bank131:MaxConnections"] = maxConnections;

        var failure = await VaultServer.StartExpectingFailureAsync(new VaultServerOptions { Settings = settings });

        var validation = Assert.IsType<OptionsValidationException>(failure);
        Assert.Contains("Vault:Bank131:MaxConnections", validation.Message, StringComparison.Ordinal);
    }
}
