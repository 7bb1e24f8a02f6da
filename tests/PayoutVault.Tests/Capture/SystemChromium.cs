using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Playwright;

namespace PayoutVault.Tests.Capture;

/// <summary>
/// Debian's chromium package, driven by Microsoft.Playwright's bundled driver with the system browser's executable:
/// no browser download. `.ci/test` installs the package with apt-get where it is missing.
/// </summary>
public static class SystemChromium
{
    /// <summary>PAYOUTVAULT_CHROMIUM, else the Debian package's binary, else `chromium` on PATH.</summary>
    public static string ExecutablePath()
    {
        var configured = Environment.GetEnvironmentVariable("PAYOUTVAULT_CHROMIUM");
        if (!string.IsNullOrWhiteSpace(configured)) return configured;
        foreach (var candidate in new[] { "/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser" })
            if (File.Exists(candidate)) return candidate;
        throw new Xunit.Sdk.XunitException("Chromium is not installed: `apt-get install -y chromium` (.ci/test does this).");
    }

    /// <summary>
    /// Headless Chromium that accepts exactly the given certificates (by their public key's SHA-256), the test's own:
    /// --ignore-certificate-errors-spki-list, not a blanket --ignore-certificate-errors, so any other certificate error
    /// still fails the page.
    /// </summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright, params X509Certificate2[] trusted) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath(),
            Headless = true,
            Args =
            [
                "--ignore-certificate-errors-spki-list=" + string.Join(',', trusted.Select(Spki)),
                "--disable-gpu",
                "--disable-dev-shm-usage",
            ],
        });

    private static string Spki(X509Certificate2 certificate) =>
        Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
}
