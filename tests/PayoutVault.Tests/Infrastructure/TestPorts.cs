using System.Net;
using System.Net.Sockets;

namespace PayoutVault.Tests.Infrastructure;

/// <summary>
/// Ports for servers that must be told their port before they start (a webhook listener the sandbox posts to, a
/// replica restarted on the same address, a PostgreSQL cluster). They come from below the kernel's ephemeral range
/// (32768 and up on Linux), so no outgoing connection and no server bound to port 0 can take one between the pick
/// and the bind, and from a counter, so two picks in this process never return the same port.
/// </summary>
public static class TestPorts
{
    private const int First = 20000;
    private const int Count = 12000;
    private static int _next = (Environment.ProcessId * 7919 + Random.Shared.Next(Count)) % Count;

    public static int Free()
    {
        for (var attempt = 0; attempt < Count; attempt++)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref _next) % Count);
            if (IsFree(port)) return port;
        }
        throw new InvalidOperationException($"no free port in {First}-{First + Count - 1}");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var probe = new TcpListener(IPAddress.Loopback, port);
            probe.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
