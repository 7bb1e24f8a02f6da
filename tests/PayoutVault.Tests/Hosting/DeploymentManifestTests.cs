using Npgsql;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Hosting;

/// <summary>
/// The vault settings in docs/deploy/kubernetes/vault-config.yaml are what an operator copies: the connection strings
/// must be valid Npgsql strings that read passwords from files, verify the server, and keep session state off the
/// transaction-mode pooler; production never sets the single-node switch. (yamllint in .ci/test checks the syntax.)
/// </summary>
public sealed class DeploymentManifestTests
{
    private static readonly string[] Lines =
        File.ReadAllLines(Path.Combine(RepoRoot.Path, "docs", "deploy", "kubernetes", "vault-config.yaml"));

    [Theory]
    [InlineData("Vault__Database__ConnectionString", "vault-db-pooler-rw", "vault_app")]
    [InlineData("Vault__Database__SessionConnectionString", "vault-db-rw", "vault_app")]
    [InlineData("Vault__Database__MigrationConnectionString", "vault-db-rw", "vault_owner")]
    public void ConnectionStrings_ParseAndReadPasswordsFromFiles_AndOnlyOrdinaryQueriesGoThroughThePooler(
        string key, string service, string login)
    {
        var parsed = new NpgsqlConnectionStringBuilder(FoldedValue(key));

        Assert.StartsWith(service + ".", parsed.Host, StringComparison.Ordinal);
        Assert.Equal(login, parsed.Username);
        Assert.Null(parsed.Password);
        Assert.StartsWith("/run/payoutvault/secrets/", parsed.Passfile, StringComparison.Ordinal);
        Assert.Equal(SslMode.VerifyFull, parsed.SslMode);
        Assert.StartsWith("/run/payoutvault/secrets/", parsed.RootCertificate, StringComparison.Ordinal);
    }

    [Fact]
    public void ProductionConfig_NeverAllowsASingleNodeDatabase_OrThePlaintextListener()
    {
        Assert.DoesNotContain(Lines, l => l.TrimStart().StartsWith("Vault__Database__AllowSingleNode", StringComparison.Ordinal));
        Assert.DoesNotContain(Lines, l => l.TrimStart().StartsWith("Vault__Grpc__AllowInsecure", StringComparison.Ordinal));
        Assert.DoesNotContain(Lines, l => l.TrimStart().StartsWith("Vault__Bank131__AllowInsecureHttp", StringComparison.Ordinal));
    }

    /// <summary>The value of "key: >-" followed by more deeply indented lines, folded with single spaces.</summary>
    private static string FoldedValue(string key)
    {
        var start = Array.FindIndex(Lines, l => l.TrimStart().StartsWith(key + ": >-", StringComparison.Ordinal));
        Assert.True(start >= 0, key + " is not in vault-config.yaml as a folded value");
        var indent = Lines[start].Length - Lines[start].TrimStart().Length;
        var parts = Lines.Skip(start + 1)
            .TakeWhile(l => l.Trim().Length > 0 && l.Length - l.TrimStart().Length > indent)
            .Select(l => l.Trim());
        return string.Join(' ', parts);
    }
}
