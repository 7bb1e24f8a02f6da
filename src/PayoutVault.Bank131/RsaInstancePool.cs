using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace PayoutVault.Bank131;

/// <summary>
/// Platform <see cref="RSA"/> objects holding one key, lent to one caller at a time.
/// </summary>
/// <remarks>
/// <para>.NET does not promise that one <see cref="RSA"/> instance may sign or verify on several threads at once, so
/// each operation borrows an instance of its own. Nobody ever waits: when every idle instance is lent out, a new one
/// is imported, so concurrent payouts sign in parallel on every core. An import costs more than a signature (about
/// 3.5 ms against 0.5 ms for RSA-2048 on a slow core: OpenSSL checks the key), so instances are kept once made, up to
/// <see cref="KeepIdle"/> (a few kilobytes of native memory each); only a burst beyond that disposes the extra
/// ones when they come back.</para>
/// <para>Disposing the pool disposes every instance it holds, which frees the native key (OpenSSL clears the
/// private key's memory when it frees it); instances still lent out are disposed when they are returned.</para>
/// </remarks>
internal sealed class RsaInstancePool : IDisposable
{
    /// <summary>Enough for every thread that can be signing at once under the payout concurrency the vault is
    /// sized for (64 callers), so steady load never re-imports.</summary>
    public static readonly int KeepIdle = Math.Max(64, Environment.ProcessorCount * 4);

    private readonly Func<RSA> _import;
    private readonly ConcurrentQueue<RSA> _idle = new();
    private int _idleCount;
    private volatile bool _disposed;

    /// <param name="import">Makes a new instance holding the key; called once at once, so a bad key fails here.</param>
    public RsaInstancePool(Func<RSA> import)
    {
        _import = import;
        Return(_import());
    }

    public RSA Rent()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_idle.TryDequeue(out var rsa))
        {
            Interlocked.Decrement(ref _idleCount);
            return rsa;
        }

        return _import();
    }

    public void Return(RSA rsa)
    {
        if (_disposed || Interlocked.Increment(ref _idleCount) > KeepIdle)
        {
            if (!_disposed)
            {
                Interlocked.Decrement(ref _idleCount);
            }

            rsa.Dispose();
            return;
        }

        _idle.Enqueue(rsa);
        if (_disposed)
        {
            // Dispose ran between the check above and the enqueue: do not leave this one behind.
            DisposeIdle();
        }
    }

    public void Dispose()
    {
        _disposed = true;
        DisposeIdle();
    }

    private void DisposeIdle()
    {
        while (_idle.TryDequeue(out var rsa))
        {
            rsa.Dispose();
        }
    }
}
