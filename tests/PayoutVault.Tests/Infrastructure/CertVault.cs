using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using PayoutVault.Contracts.V1;
using PayoutVault.Core.Security;
using PayoutVault.Server.Security;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>
/// A vault on its production footing: mutual TLS (AllowInsecure=false) with a test CA, a server certificate for
/// 127.0.0.1/localhost, and named callers with the permissions a test gives them. Optionally with the Bank 131
/// sandbox (a full <see cref="PayoutEnvironment"/>). Clients get one channel (one TLS identity) per caller.
/// </summary>
public sealed class CertVault : IAsyncDisposable
{
    /// <summary>The usual service identities of the CDE and what each may do.</summary>
    public static IReadOnlyDictionary<string, string[]> StandardCallers { get; } = new Dictionary<string, string[]>
    {
        ["card-collector"] = [Permissions.TokensWrite, Permissions.TokensRead, Permissions.TokensDelete],
        ["payout-service"] = [Permissions.PayoutsCreate, Permissions.PayoutsRead, Permissions.PayoutsWatch, Permissions.TokensRead],
        // Audit and dashboards read every caller's payouts; a payout service reads only its own.
        ["auditor"] = [Permissions.PayoutsRead, Permissions.PayoutsReadAll, Permissions.TokensRead],
        ["key-admin"] = [Permissions.KeysAdmin],
    };

    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<GrpcChannel> _extraChannels = [];
    private readonly ConcurrentDictionary<string, X509Certificate2> _clientCertificates = new(StringComparer.Ordinal);

    private CertVault(TempDirectory folder, CertAuthority ca, VaultServer vault, PayoutEnvironment? payouts)
    {
        Folder = folder;
        Ca = ca;
        Vault = vault;
        Environment = payouts;
        Address = new Uri($"https://127.0.0.1:{vault.Address.Port.ToString(CultureInfo.InvariantCulture)}");
    }

    public TempDirectory Folder { get; }
    public CertAuthority Ca { get; }
    public VaultServer Vault { get; }

    /// <summary>The sandbox and webhook side, when started with payouts.</summary>
    public PayoutEnvironment? Environment { get; }

    public PayoutEnvironment Payouts => Environment ?? throw new InvalidOperationException("Started without payouts.");

    /// <summary>https://127.0.0.1:port of the gRPC listener.</summary>
    public Uri Address { get; }

    public string ConnectionString => Vault.ConnectionString;

    /// <summary>Starts a vault (with the sandbox when <paramref name="payouts"/>) requiring client certificates.</summary>
    /// <param name="crl">When given, the CRL file the vault starts with (Vault:Grpc:Tls:ClientCrlFile), made from the CA.</param>
    /// <param name="sandbox">Sandbox settings when started with payouts (e.g. no webhooks of its own).</param>
    public static async Task<CertVault> StartAsync(IReadOnlyDictionary<string, string[]>? callers = null, bool payouts = false,
        IReadOnlyDictionary<string, string>? settings = null, TestDatabase? database = null,
        Func<CertAuthority, byte[]>? crl = null, Action<PayoutVault.Sandbox.SandboxOptions>? sandbox = null)
    {
        var folder = new TempDirectory("pv-mtls-");
        var ca = CertAuthority.Create();
        try
        {
            if (crl is not null)
            {
                await File.WriteAllBytesAsync(folder.File(CrlFileName), crl(ca));
                settings = new Dictionary<string, string>(settings ?? new Dictionary<string, string>())
                {
                    ["Vault:Grpc:Tls:ClientCrlFile"] = folder.File(CrlFileName),
                };
            }
            using var server = ca.IssueServer();
            var (serverCert, serverKey) = CertAuthority.WritePem(server, folder.Path, "server");
            var caFile = folder.File("client-ca.crt.pem");
            await File.WriteAllTextAsync(caFile, ca.Certificate.ExportCertificatePem());
            var all = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["Vault:Grpc:AllowInsecure"] = "false",
                ["Vault:Grpc:Tls:CertificateFile"] = serverCert,
                ["Vault:Grpc:Tls:KeyFile"] = serverKey,
                ["Vault:Grpc:Tls:ClientCaFile"] = caFile,
            };
            foreach (var (caller, permissions) in callers ?? StandardCallers)
                for (var i = 0; i < permissions.Length; i++)
                    all[$"Vault:Access:Callers:{caller}:{i.ToString(CultureInfo.InvariantCulture)}"] = permissions[i];
            foreach (var (k, v) in settings ?? new Dictionary<string, string>()) all[k] = v;

            if (payouts)
            {
                var env = await PayoutEnvironment.StartAsync(new PayoutEnvironmentOptions { Settings = all, Database = database, Sandbox = sandbox });
                return new CertVault(folder, ca, env.Vault, env);
            }
            var vault = await VaultServer.StartAsync(new VaultServerOptions { Settings = all, Database = database });
            return new CertVault(folder, ca, vault, null);
        }
        catch
        {
            ca.Dispose();
            folder.Dispose();
            throw;
        }
    }

    private const string CrlFileName = "client-ca.crl";

    /// <summary>Replaces the CRL file the vault reads (as the CA publishing a new list would).</summary>
    public Task PublishCrlAsync(byte[] crl) => File.WriteAllBytesAsync(Folder.File(CrlFileName), crl);

    /// <summary>A client certificate from the vault's CA naming <paramref name="caller"/> (CN and first DNS SAN).</summary>
    public X509Certificate2 ClientCertificate(string caller) => _clientCertificates.GetOrAdd(caller, c => Ca.IssueClient(c));

    /// <summary>The channel of a caller holding a good certificate from the vault's CA (cached per caller).</summary>
    public GrpcChannel Channel(string caller) =>
        _channels.GetOrAdd(caller, c => CreateChannel(Address, Ca.Certificate, ClientCertificate(c)));

    /// <summary>A new channel presenting <paramref name="certificate"/> (null: none), disposed with the vault.</summary>
    public GrpcChannel ChannelWith(X509Certificate2? certificate, X509Certificate2Collection? extraChain = null)
    {
        var channel = CreateChannel(Address, Ca.Certificate, certificate, extraChain);
        _extraChannels.Add(channel);
        return channel;
    }

    public TokenService.TokenServiceClient Tokens(string caller) => new(Channel(caller));
    public PayoutService.PayoutServiceClient PayoutClient(string caller) => new(Channel(caller));
    public KeyService.KeyServiceClient Keys(string caller) => new(Channel(caller));

    /// <summary>
    /// A gRPC channel over TLS to 127.0.0.1 that trusts only <paramref name="trustedCa"/> for the server and presents
    /// <paramref name="clientCertificate"/> (with <paramref name="extraChain"/> as intermediates) whatever CAs the
    /// server asks for, so a test can offer certificates the server must refuse.
    /// </summary>
    public static GrpcChannel CreateChannel(Uri address, X509Certificate2 trustedCa, X509Certificate2? clientCertificate,
        X509Certificate2Collection? extraChain = null)
    {
        var ssl = new SslClientAuthenticationOptions
        {
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null
                && (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0
                && CertAuthority.ChainsTo(certificate as X509Certificate2
                    ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()), trustedCa),
        };
        // Offline: the client must not fetch issuers named in its own certificate either, or a test that counts
        // connections to such a URL would count the client's.
        if (clientCertificate is not null)
            ssl.ClientCertificateContext = SslStreamCertificateContext.Create(clientCertificate, extraChain ?? [], offline: true);
        var handler = new SocketsHttpHandler
        {
            SslOptions = ssl,
            EnableMultipleHttp2Connections = true,
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels.Values) channel.Dispose();
        foreach (var channel in _extraChannels) channel.Dispose();
        if (Environment is not null) await Environment.DisposeAsync();
        else await Vault.DisposeAsync();
        foreach (var cert in _clientCertificates.Values) cert.Dispose();
        Ca.Dispose();
        Folder.Dispose();
    }
}
