using System.Text.RegularExpressions;
using PayoutVault.Core.Keys;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Keys.Hsm;

/// <summary>Shared steps of the HSM tests: the shipped `vaultctl keys hsm-init`, and reading a refusal.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static partial class HsmKit
{
    /// <summary>Runs `vaultctl keys hsm-init` as its own process and returns the label and check value it printed.</summary>
    public static async Task<(string Label, string CheckValue)> InitKeyAsync(SoftHsmToken token, string? label = null)
    {
        var result = await AuditCli.RunAsync(["keys", "hsm-init", .. token.CliArgs(), .. label is null ? Array.Empty<string>() : ["--label", label]]);
        Assert.True(result.ExitCode == 0, result.ToString());
        var printed = Printed().Match(result.Output);
        Assert.True(printed.Success, result.Output);
        return (printed.Groups[1].Value, printed.Groups[2].Value);
    }

    public static KeyConfigurationException KeyError(Exception e) =>
        e as KeyConfigurationException ?? e.InnerException as KeyConfigurationException
        ?? throw new Xunit.Sdk.XunitException("expected KeyConfigurationException, got " + e);

    [GeneratedRegex(@"master key (\S+) generated in the token '[^']+' \(AES-256, sensitive, never extractable\), check value ([0-9A-F]{6})")]
    private static partial Regex Printed();
}
