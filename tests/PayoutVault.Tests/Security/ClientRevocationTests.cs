using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Security;

/// <summary>
/// Client certificate revocation (PCI DSS 8.2.6/8.3, and the incident runbook's "revoke the caller"): with
/// Vault:Grpc:Tls:ClientCrlFile set, a certificate on the CA's CRL fails the TLS handshake from its next connection,
/// with no restart; a stale or foreign CRL refuses everyone (fail closed) at run time and refuses start-up.
/// </summary>
public sealed class ClientRevocationTests
{
    private static Task AssertRefusedAsync(CertVault v, System.Security.Cryptography.X509Certificates.X509Certificate2 cert) =>
        RpcErrors.ExpectTransportRefusalAsync(() => new TokenService.TokenServiceClient(v.ChannelWith(cert)).TokenizeAsync(TestCards.Mir));

    /// <summary>A call on a fresh connection (the handshake is where revocation is checked).</summary>
    private static Task AssertAdmittedAsync(CertVault v, string caller) =>
        RpcErrors.ExpectAsync(StatusCode.NotFound, () => new TokenService.TokenServiceClient(v.ChannelWith(v.ClientCertificate(caller)))
            .GetTokenAsync(new GetTokenRequest { Token = "tok_" + new string('c', 26) }).ResponseAsync);

    [Fact]
    public async Task RevokedCertificate_FailsTheHandshakeFromItsNextConnection_WithoutARestart_OthersStillGetIn()
    {
        await using var v = await CertVault.StartAsync(crl: ca => ca.RevocationList([]));
        var compromised = v.ClientCertificate("card-collector");
        await AssertAdmittedAsync(v, "card-collector");

        // The CA revokes the caller's certificate and publishes its CRL as PEM.
        var pem = PemEncoding.WriteString("X509 CRL", v.Ca.RevocationList([compromised]));
        await v.PublishCrlAsync(Encoding.ASCII.GetBytes(pem));

        await AssertRefusedAsync(v, compromised);
        var cardsBefore = await Db.CountAsync(v.ConnectionString, "cards");
        await AssertRefusedAsync(v, compromised);
        Assert.Equal(cardsBefore, await Db.CountAsync(v.ConnectionString, "cards"));

        // A new certificate for the same service, not on the list, gets in; so does everyone else.
        using var reissued = v.Ca.IssueClient("card-collector");
        var card = await new TokenService.TokenServiceClient(v.ChannelWith(reissued)).TokenizeAsync(TestCards.Mastercard);
        Assert.StartsWith("tok_", card.Card.Token, StringComparison.Ordinal);
        await AssertAdmittedAsync(v, "auditor");
    }

    [Fact]
    public async Task StaleOrUnreadableCrl_RefusesEveryCertificate_UntilAGoodOneIsPublished()
    {
        await using var v = await CertVault.StartAsync(crl: ca => ca.RevocationList([]));
        var now = DateTimeOffset.UtcNow;

        await v.PublishCrlAsync(v.Ca.RevocationList([], thisUpdate: now.AddDays(-8), nextUpdate: now.AddDays(-1)));
        await AssertRefusedAsync(v, v.ClientCertificate("auditor"));
        Assert.Contains(v.Vault.Logs.Entries, e => e.EventId.Id == 1800 && e.Message.Contains("expired", StringComparison.Ordinal));

        await v.PublishCrlAsync(Encoding.ASCII.GetBytes("not a certificate revocation list"));
        await AssertRefusedAsync(v, v.ClientCertificate("auditor"));

        using var otherCa = CertAuthority.Create("Some Other CA");
        await v.PublishCrlAsync(otherCa.RevocationList([]));
        await AssertRefusedAsync(v, v.ClientCertificate("auditor"));

        await v.PublishCrlAsync(v.Ca.RevocationList([]));
        await AssertAdmittedAsync(v, "auditor");
        Assert.Contains(v.Vault.Logs.Entries, e => e.EventId.Id == 1801);
    }

    public static TheoryData<string> BadCrls() => new() { "expired", "future", "foreign", "impostor", "garbage", "empty" };

    [Theory]
    [MemberData(nameof(BadCrls))]
    public async Task AnUnusableCrl_RefusesStartUp_NamingTheSetting(string kind)
    {
        var now = DateTimeOffset.UtcNow;
        using var otherCa = CertAuthority.Create("Some Other CA");
        Func<CertAuthority, byte[]> crl = kind switch
        {
            "expired" => ca => ca.RevocationList([], thisUpdate: now.AddDays(-8), nextUpdate: now.AddDays(-1)),
            "future" => ca => ca.RevocationList([], thisUpdate: now.AddDays(1), nextUpdate: now.AddDays(8)),
            "foreign" => _ => otherCa.RevocationList([]),
            // Same issuer name as the vault's CA, another key: the signature decides.
            "impostor" => ca =>
            {
                using var impostor = CertAuthority.Create(ca.Certificate.GetNameInfo(System.Security.Cryptography.X509Certificates.X509NameType.SimpleName, false));
                return impostor.RevocationList([]);
            },
            "garbage" => _ => Encoding.ASCII.GetBytes("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"),
            _ => _ => [],
        };

        var error = await Assert.ThrowsAnyAsync<Exception>(() => CertVault.StartAsync(crl: crl));

        Assert.Contains("Vault:Grpc:Tls:ClientCrlFile", error.ToString(), StringComparison.Ordinal);
    }
}
