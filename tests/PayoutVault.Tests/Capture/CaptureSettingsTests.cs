using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Capture;

/// <summary>A capture listener that is misconfigured stops the start, naming the setting, instead of opening half-set.</summary>
public sealed class CaptureSettingsTests
{
    public static TheoryData<string, string, string> BadSettings() => new()
    {
        { "Vault:Capture:CertificateFile", "/nonexistent/capture.pem", "Vault:Capture:CertificateFile" },
        { "Vault:Capture:PublicUrl", "https://pay.example.com/capture", "Vault:Capture:PublicUrl" },
        { "Vault:Capture:MaxExpiryMinutes", "5", "MaxExpiryMinutes" },
        { "Vault:Capture:Port", "0", "Vault:Capture:Port" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task BadCaptureSetting_StopsTheStart_NamingIt(string key, string value, string named)
    {
        using var folder = new TempDirectory("pv-capture-bad-");
        using var ca = CertAuthority.Create();
        using var certificate = ca.IssueServer();
        var (cert, keyFile) = CertAuthority.WritePem(certificate, folder.Path, "capture");
        var settings = new Dictionary<string, string>
        {
            ["Vault:Capture:CertificateFile"] = cert,
            ["Vault:Capture:KeyFile"] = keyFile,
            ["Vault:Capture:Port"] = TestPorts.Free().ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        settings[key] = value;

        var e = await VaultServer.StartExpectingFailureAsync(new VaultServerOptions { Settings = settings });

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }
}
