using PayoutVault.Contracts.V1;
using PayoutVault.Tests.Infrastructure;

namespace PayoutVault.Tests.Payouts;

/// <summary>
/// PCI DSS 4.2.1 on the way out: the request that carries the card number goes only to a bank whose certificate the
/// platform's default validation accepts. A bank endpoint with a certificate from an unknown CA gets a failed
/// handshake and not one byte of the request; the payout is left unknown (never failed: nothing was sent).
/// </summary>
public sealed class PayoutBankTlsTests
{
    [Fact]
    public async Task BankWithACertificateFromAnUnknownCa_FailsTheHandshake_AndNoByteOfTheRequestLeaves()
    {
        using var bankCa = CertAuthority.Create("Not A Trusted Bank CA");
        using var certificate = bankCa.IssueServer();
        await using var bank = TlsProbeServer.Start(certificate);
        using var keys = new BankKeys();
        var settings = PayoutEnvironment.VaultSettings(keys, bank.Address, PayoutEnvironment.FreePort());
        settings.Remove("Vault:Bank131:AllowInsecureHttp"); // production footing: https only
        await using var vault = await VaultServer.StartAsync(new VaultServerOptions { Settings = settings });

        var token = (await vault.Tokens.TokenizeAsync(TestCards.Visa)).Card.Token;
        var payout = await vault.Client<PayoutService.PayoutServiceClient>().CreatePayoutAsync(PayoutEnvironment.Request(token));

        Assert.Equal(PayoutState.Unknown, payout.State);
        Assert.True(bank.Refused >= 1, "the vault never reached the TLS endpoint");
        Assert.Equal(0, bank.Handshakes);
        Assert.Equal(0, bank.RequestBytes);

        // Control: the probe does see the bytes of a client that accepts any certificate (which the vault is not).
        using var careless = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        }) { Timeout = TimeSpan.FromSeconds(2) };
        try { await careless.PostAsync(bank.Address, new StringContent("{}")); }
        catch (Exception e) when (e is TaskCanceledException or HttpRequestException) { } // the probe never answers
        Assert.True(bank.RequestBytes > 0, "the probe cannot tell a sent request from a refused handshake");
    }

    [Fact]
    public void TheBankClient_ChecksRevocation_ByDefault()
    {
        // The default that production runs with; NoCheck exists for the loopback sandbox only.
        Assert.Equal(System.Security.Cryptography.X509Certificates.X509RevocationMode.Online, new PayoutVault.Core.Payouts.Bank131Settings().RevocationCheck);
    }
}
