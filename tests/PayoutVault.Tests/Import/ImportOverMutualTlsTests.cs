using PayoutVault.Core.Audit;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Import;

/// <summary>
/// `vaultctl import` on the production footing: mutual TLS with the importer's client certificate, as a caller
/// holding tokens.write without tokens.outcome. Such a caller must not learn which cards the vault held before, so
/// the summary and the mapping say "tokenized", never "created" or "already in the vault".
/// </summary>
public sealed class ImportOverMutualTlsTests
{
    [Fact]
    public async Task Import_AsCallerWithoutTokensOutcome_MapsTokens_ButNeverTellsNewFromKnown()
    {
        await using var vault = await CertVault.StartAsync();
        await vault.Tokens("card-collector").TokenizeAsync(TestCards.Visa);
        var (cert, key) = CertAuthority.WritePem(vault.ClientCertificate("card-collector"), vault.Folder.Path, "importer");
        var ca = vault.Folder.File("vault-ca.pem");
        await File.WriteAllTextAsync(ca, vault.Ca.Certificate.ExportCertificatePem());
        var input = vault.Folder.File("cards.csv");
        await File.WriteAllTextAsync(input, $"{TestCards.Visa},\n{TestCards.Mastercard},\n{TestCards.LuhnInvalid},\n");

        var result = await AuditCli.RunAsync(["import", "--file", input, "--vault", vault.Address.ToString(),
            "--cert", cert, "--key", key, "--ca", ca], TimeSpan.FromMinutes(2));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("this run: 3 lines, 2 with a token: 2 tokenized (new or already held: shown only to callers with tokens.outcome)",
            result.Output, StringComparison.Ordinal);
        var rows = (await File.ReadAllLinesAsync(input + ".tokens.csv")).Skip(2).Select(l => l.Split(',')).ToArray();
        Assert.Equal(["tokenized", "tokenized", "rejected"], rows.Select(r => r[2]));
        Assert.DoesNotContain("created", result.Output, StringComparison.Ordinal);
        var call = Assert.Single(await AuditRows.ForAsync(vault.ConnectionString, AuditActions.TokenizeBatch, "card-collector"));
        // The vault's own trail keeps the truth.
        Assert.Equal("3 cards: 1 created, 1 existing, 0 repeated in the call, 1 rejected", call.Detail);
    }
}
