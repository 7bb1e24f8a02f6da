using System.Text.RegularExpressions;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Compliance;

/// <summary>
/// PCI DSS 4.2.1 in the source: no code path may accept any certificate. Certificate-validation hooks are allowed in
/// exactly two reviewed places (the server's client-certificate check and vaultctl's pinning of the vault's CA);
/// a new one anywhere else, or an accept-all validator anywhere, fails this test until it is reviewed and listed.
/// </summary>
public sealed partial class CertificateValidationScanTests
{
    private static readonly Dictionary<string, string> Reviewed = new(StringComparer.Ordinal)
    {
        ["src/PayoutVault.Server/Security/MutualTls.cs"] = "client certificates must chain to the configured CA (ClientCertificateValidator)",
        ["src/PayoutVault.Cli/VaultChannel.cs"] = "vaultctl trusts only the vault's CA given with --ca, host name checked",
    };

    private static IEnumerable<(string Path, string Text)> Sources() =>
        Directory.EnumerateFiles(Path.Combine(RepoRoot.Path, "src"), "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                     && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(f => (Path.GetRelativePath(RepoRoot.Path, f).Replace('\\', '/'), File.ReadAllText(f)));

    [Fact]
    public void NoSourceFile_AcceptsAnyCertificate()
    {
        var offenders = Sources().Where(s => AcceptAll().IsMatch(s.Text)).Select(s => s.Path).ToList();
        Assert.True(offenders.Count == 0, "accept-all certificate validation in: " + string.Join(", ", offenders));
    }

    [Fact]
    public void CertificateValidationHooks_AppearOnlyInReviewedFiles()
    {
        var hooks = Sources().Where(s => Hook().IsMatch(s.Text)).Select(s => s.Path).ToList();
        Assert.NotEmpty(hooks); // the scan sees the two known hooks; a scan that finds nothing proves nothing
        var unreviewed = hooks.Where(p => !Reviewed.ContainsKey(p)).ToList();
        Assert.True(unreviewed.Count == 0, "certificate validation hook outside the reviewed files: " + string.Join(", ", unreviewed));
    }

    [Fact]
    public void TheScan_RecognisesAcceptAllForms()
    {
        foreach (var sample in new[]
        {
            "handler.ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator;",
            "o.RemoteCertificateValidationCallback = (_, _, _, _) => true;",
            "o.RemoteCertificateValidationCallback = (a, b, c, d) => { return true; };",
            "ClientCertificateValidation = (c, ch, e) => true,",
        })
            Assert.Matches(AcceptAll(), sample);
    }

    [GeneratedRegex(@"DangerousAcceptAny|ValidationCallback\s*=\s*\([^)]*\)\s*=>\s*(\{\s*return\s+)?true\b|CertificateValidation\s*=\s*\([^)]*\)\s*=>\s*(\{\s*return\s+)?true\b")]
    private static partial Regex AcceptAll();

    [GeneratedRegex(@"ValidationCallback\s*=|CertificateValidation\s*=|DangerousAcceptAny")]
    private static partial Regex Hook();
}
