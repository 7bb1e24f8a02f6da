using Microsoft.Extensions.Options;
using PayoutVault.Core.Keys;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Payouts;

/// <summary>
/// The bank key, the project id, the bank's webhook key and the resilience settings are checked at start. A bad one
/// refuses start with a message naming the setting; it never waits for the first payout or webhook to fail (the
/// cached failure that used to fail every reconciler lease until a restart).
/// </summary>
public sealed class PayoutBankStartupTests
{
    [Theory]
    [InlineData("Vault:Bank131:PrivateKeyFile", "garbage")]
    [InlineData("Vault:Bank131:PrivateKeyFile", "missing")]
    [InlineData("Vault:Bank131:PrivateKeyFile", "public")]
    [InlineData("Vault:Webhooks:BankPublicKeyFile", "garbage")]
    [InlineData("Vault:Webhooks:BankPublicKeyFile", "missing")]
    public async Task Start_WithABadBankKeyFile_IsRefused_NamingTheSetting(string setting, string kind)
    {
        using var keys = new BankKeys();
        using var folder = new TempDirectory("pv-bankkey-");
        var settings = PayoutEnvironment.VaultSettings(keys, new Uri("http://127.0.0.1:9"), PayoutEnvironment.FreePort());
        var path = Path.Combine(folder.Path, "key.pem");
        switch (kind)
        {
            case "garbage": await File.WriteAllTextAsync(path, "this is not a key\n"); break;
            case "public": File.Copy(keys.PartnerPublicKeyFile, path); break;
        }
        settings[setting] = path;

        var failure = await VaultServer.StartExpectingFailureAsync(new VaultServerOptions { Settings = settings });

        var refused = Assert.IsType<KeyConfigurationException>(failure);
        Assert.StartsWith(setting + ": cannot load", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Vault:Bank131:ProjectId", "")]
    [InlineData("Vault:Bank131:Timeout", "00:00:00")]
    [InlineData("Vault:Bank131:Resilience:AttemptTimeout", "00:00:00")]
    [InlineData("Vault:Bank131:Resilience:StatusRetries", "-1")]
    [InlineData("Vault:Bank131:Resilience:StatusRetries", "11")]
    [InlineData("Vault:Bank131:Resilience:FailureRatio", "0")]
    [InlineData("Vault:Bank131:Resilience:FailureRatio", "1.5")]
    [InlineData("Vault:Bank131:Resilience:MinimumThroughput", "1")]
    [InlineData("Vault:Bank131:Resilience:SamplingDuration", "00:00:00.100")]
    [InlineData("Vault:Bank131:Resilience:BreakDuration", "00:00:00")]
    public async Task Start_WithAnUnusableBankSetting_IsRefused_NamingIt(string setting, string value)
    {
        using var keys = new BankKeys();
        var settings = PayoutEnvironment.VaultSettings(keys, new Uri("http://127.0.0.1:9"), PayoutEnvironment.FreePort());
        settings[setting] = value;

        var failure = await VaultServer.StartExpectingFailureAsync(new VaultServerOptions { Settings = settings });

        var validation = Assert.IsType<OptionsValidationException>(failure);
        Assert.Contains(setting, validation.Message, StringComparison.Ordinal);
    }
}
