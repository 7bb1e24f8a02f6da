using System.Security.Cryptography;

namespace PayoutVault.Bank131;

/// <summary>
/// Owns bytes that may hold a card number (a decrypted PAN, or a request body that contains one).
/// </summary>
/// <remarks>
/// The array is allocated on the pinned object heap so the GC never relocates it and never leaves a stale,
/// unzeroed copy behind; <see cref="Dispose"/> overwrites the whole array (not only <see cref="Length"/>) with
/// zeros. A finalizer zeroes it too, as a backstop for a forgotten Dispose. Strings are never used for this data
/// because they are immutable and cannot be wiped.
/// </remarks>
public sealed class SensitiveBuffer : IDisposable
{
    private byte[]? _array;

    internal SensitiveBuffer(byte[] pinnedArray, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, pinnedArray.Length);
        _array = pinnedArray;
        Length = length;
    }

    /// <summary>A zero-filled buffer of <paramref name="length"/> bytes, e.g. to decrypt a PAN into.</summary>
    public static SensitiveBuffer Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        var array = AllocatePinned(length);
        array.AsSpan().Clear();
        return new SensitiveBuffer(array, length);
    }

    /// <summary>A buffer holding a copy of <paramref name="source"/>; the caller still owns (and wipes) the source.</summary>
    public static SensitiveBuffer CopyOf(ReadOnlySpan<byte> source)
    {
        var array = AllocatePinned(source.Length);
        source.CopyTo(array);
        return new SensitiveBuffer(array, source.Length);
    }

    /// <summary>Number of meaningful bytes (the underlying array may be larger).</summary>
    public int Length { get; }

    public bool IsDisposed => Volatile.Read(ref _array) is null;

    public ReadOnlySpan<byte> Span => new(Array, 0, Length);

    public ReadOnlyMemory<byte> Memory => new(Array, 0, Length);

    /// <summary>Writable view, for filling a buffer made by <see cref="Allocate"/>.</summary>
    public Span<byte> WritableSpan => new(Array, 0, Length);

    /// <summary>The array segment, so HTTP content can be sent from these exact bytes without a copy.</summary>
    internal ArraySegment<byte> Segment => new(Array, 0, Length);

    private byte[] Array => Volatile.Read(ref _array) ?? throw new ObjectDisposedException(nameof(SensitiveBuffer));

    public void Dispose()
    {
        Wipe();
        GC.SuppressFinalize(this);
    }

    ~SensitiveBuffer() => Wipe();

    private void Wipe()
    {
        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null)
        {
            CryptographicOperations.ZeroMemory(array);
        }
    }

    /// <summary>Pinned so that the GC cannot copy it; uninitialized because every byte is written or wiped anyway.</summary>
    internal static byte[] AllocatePinned(int length) => GC.AllocateUninitializedArray<byte>(length, pinned: true);
}
