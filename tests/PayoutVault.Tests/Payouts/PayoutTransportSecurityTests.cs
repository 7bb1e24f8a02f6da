using Microsoft.Extensions.Options;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Payouts;

/// <summary>PCI DSS 4.2.1: the request that carries the card number never goes out over plain HTTP by accident.</summary>
public sealed class PayoutTransportSecurityTests
{
    [Fact]
    public async Task Start_WithHttpBankUrlAndNoDevelopmentSwitch_IsRefused()
    {
        using var keys = new BankKeys();
        var settings = PayoutEnvironment.VaultSettings(keys, new Uri("http://127.0.0.1:9"), PayoutEnvironment.FreePort());
        settings.Remove("Vault:Bank131:AllowInsecureHttp");

        var failure = await VaultServer.StartExpectingFailureAsync(new VaultServerOptions { Settings = settings });

        var validation = Assert.IsType<OptionsValidationException>(failure);
        Assert.Contains("https://", validation.Message, StringComparison.Ordinal);
    }
}
