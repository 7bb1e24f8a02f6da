using System.Buffers;
using System.Security.Cryptography;

namespace PayoutVault.Bank131;

/// <summary>
/// An <see cref="IBufferWriter{T}"/> for building bodies that contain a card number.
/// </summary>
/// <remarks>
/// Unlike <see cref="ArrayBufferWriter{T}"/> or a pooled stream, it never abandons an unzeroed copy: when it grows
/// it wipes the old array after copying, and Dispose wipes the current one. Arrays are pinned (see
/// <see cref="SensitiveBuffer"/>). <see cref="DetachAsSensitiveBuffer"/> hands the array itself over, so the
/// finished body is never copied again.
/// </remarks>
public sealed class ZeroingBufferWriter : IBufferWriter<byte>, IDisposable
{
    private const int MinimumCapacity = 256;

    private byte[]? _buffer;
    private int _written;
    private bool _disposed;

    public ZeroingBufferWriter(int initialCapacity = 1024)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(initialCapacity);
        if (initialCapacity > 0)
        {
            _buffer = SensitiveBuffer.AllocatePinned(initialCapacity);
        }
    }

    public int WrittenCount => _written;

    public int Capacity => _buffer?.Length ?? 0;

    public ReadOnlySpan<byte> WrittenSpan
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _buffer is null ? default : _buffer.AsSpan(0, _written);
        }
    }

    /// <summary>The written bytes as memory (e.g. for JsonDocument.Parse, which then reads them without a copy).
    /// Valid until the writer grows, detaches or is disposed.</summary>
    public ReadOnlyMemory<byte> WrittenMemory
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _buffer is null ? default : _buffer.AsMemory(0, _written);
        }
    }

    public void Advance(int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (count > Capacity - _written)
        {
            throw new InvalidOperationException("Cannot advance past the end of the buffer.");
        }

        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureFree(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>
    /// Transfers the written bytes to a <see cref="SensitiveBuffer"/> that takes over this writer's array (no copy).
    /// The writer is left empty and may be reused or disposed.
    /// </summary>
    public SensitiveBuffer DetachAsSensitiveBuffer()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var result = new SensitiveBuffer(_buffer ?? SensitiveBuffer.AllocatePinned(0), _written);
        _buffer = null;
        _written = 0;
        return result;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_buffer is not null)
        {
            CryptographicOperations.ZeroMemory(_buffer);
            _buffer = null;
        }

        _written = 0;
    }

    private void EnsureFree(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        if (sizeHint == 0)
        {
            sizeHint = 1;
        }

        var capacity = Capacity;
        if (capacity - _written >= sizeHint)
        {
            return;
        }

        var newSize = Math.Max(checked(_written + sizeHint), Math.Max(checked(capacity * 2), MinimumCapacity));
        var next = SensitiveBuffer.AllocatePinned(newSize);
        if (_buffer is not null)
        {
            _buffer.AsSpan(0, _written).CopyTo(next);
            // Wipe the whole old array: bytes past _written may hold a value the JSON writer staged there.
            CryptographicOperations.ZeroMemory(_buffer);
        }

        _buffer = next;
    }
}
