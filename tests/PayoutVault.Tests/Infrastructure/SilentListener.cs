using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>
/// A TCP port that accepts connections, counts them and never answers: the worst URL a hostile certificate can name
/// (a fetch from it hangs until the fetcher gives up). Any connection at all means the vault reached out.
/// </summary>
public sealed class SilentListener : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<TcpClient> _held = [];
    private readonly Task _loop;
    private int _connections;

    public SilentListener()
    {
        _listener.Start();
        Url = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _loop = AcceptLoopAsync();
    }

    /// <summary>http://127.0.0.1:port/ (paths under it all reach this listener).</summary>
    public Uri Url { get; }

    public int Connections => Volatile.Read(ref _connections);

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                _held.Add(await _listener.AcceptTcpClientAsync(_stop.Token));
                Interlocked.Increment(ref _connections);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop;
        foreach (var client in _held) client.Dispose();
        _stop.Dispose();
    }
}
