using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>
/// A TLS endpoint standing in for a bank the vault must not trust: it counts handshakes that completed, handshakes
/// the client abandoned, and application bytes received (which must stay 0 when the client refuses the certificate).
/// </summary>
public sealed class TlsProbeServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly X509Certificate2 _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _handshakes;
    private int _refused;
    private long _bytes;

    private TlsProbeServer(X509Certificate2 certificate)
    {
        _certificate = certificate;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Address = new Uri($"https://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _loop = AcceptLoopAsync();
    }

    public Uri Address { get; }
    public int Handshakes => Volatile.Read(ref _handshakes);
    public int Refused => Volatile.Read(ref _refused);
    public long RequestBytes => Interlocked.Read(ref _bytes);

    public static TlsProbeServer Start(X509Certificate2 certificate) => new(certificate);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException) { return; }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        await using (var tls = new SslStream(client.GetStream()))
        {
            try
            {
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _certificate,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                }, _stop.Token);
            }
            catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
            {
                Interlocked.Increment(ref _refused);
                return;
            }
            var buffer = new byte[4096];
            try
            {
                // TLS 1.3 completes the server's side before the client has judged the certificate; a client that
                // then refuses closes without sending a byte, so only bytes read here count as "sent".
                int n;
                while ((n = await tls.ReadAsync(buffer, _stop.Token)) > 0) Interlocked.Add(ref _bytes, n);
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or AuthenticationException)
            {
            }
            if (Interlocked.Read(ref _bytes) == 0) Interlocked.Increment(ref _refused);
            else Interlocked.Increment(ref _handshakes);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try { await _loop; } catch (OperationCanceledException) { }
        _stop.Dispose();
    }
}
